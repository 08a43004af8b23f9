#pragma once
#include <stddef.h>
#define MALLOC_CAP_8BIT 4
#define MALLOC_CAP_SPIRAM 1024
void *heap_caps_aligned_alloc(size_t alignment, size_t size, unsigned caps);
