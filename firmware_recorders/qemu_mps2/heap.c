/* A bounded heap for newlib's malloc on the emulated board.
 *
 * Why: the keyword front end (TFLM's microfrontend, ts_audio_frontend.c) allocates its
 * state once with malloc (10-12 KB). newlib asks _sbrk for memory; this one hands out a
 * fixed static block, so the linker's RAM check covers the heap and an overrun returns
 * NULL instead of growing into the stack.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifndef HEAP_BYTES
#define HEAP_BYTES (12u * 1024u) /* the front end takes between 10 and 12 KB (measured with kws_probe) */
#endif

void *_sbrk(ptrdiff_t incr); /* strong: replaces startup.c's weak no-heap one */

static uint8_t heap[HEAP_BYTES] __attribute__((aligned(8)));
static size_t heap_used;

void *_sbrk(ptrdiff_t incr)
{
    void *p = heap + heap_used;
    if (incr < 0 || (size_t)incr > HEAP_BYTES - heap_used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_used += (size_t)incr;
    return p;
}
