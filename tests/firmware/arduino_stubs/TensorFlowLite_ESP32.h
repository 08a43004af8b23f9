#pragma once
/* TensorFlowLite_ESP32 1.0.0: an older TFLM (ErrorReporter in the constructors, no SUM or
 * SQUARED_DIFFERENCE in the resolver). The stubs below follow that API when this is set. */
#define TS_STUB_TFLM_ESP32_1_0_0 1
/* ESP-IDF's newlib declares funopen (BSD); the host's glibc does not. */
#include <stdio.h>
extern "C" FILE *funopen(const void *cookie, int (*readfn)(void *, char *, int),
                         int (*writefn)(void *, const char *, int),
                         fpos_t (*seekfn)(void *, fpos_t, int), int (*closefn)(void *));
