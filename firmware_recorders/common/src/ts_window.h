/* TinyStudio recorder core: sliding input windows for on-board inference.
 *
 * Why: the model descriptor (protocol.md 6.1) tells the board how to turn its own
 * stream into int8 input tensors -- window, stride and, for RAW models, one multiply-add
 * per channel. Doing that here keeps every board's live inference identical to training.
 */
#ifndef TS_WINDOW_H
#define TS_WINDOW_H

#include "ts_messages.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const ts_descriptor *d;
    int8_t *buf;       /* window * n_channels int8 values, oldest step first */
    uint16_t filled;   /* time steps in buf */
    uint16_t skip;     /* steps still to drop when stride > window */
} ts_window;

/* buf must hold d->window * d->n_channels bytes; returns TS_TOO_LARGE if cap is smaller. */
uint8_t ts_window_init(ts_window *w, const ts_descriptor *d, int8_t *buf, size_t cap);
/* Push one time step. RAW: raw sample values, quantized with the descriptor's mul/add.
 * _i8: values already int8 (audio features, image pixels). Returns 1 when buf holds a
 * complete window: feed it to the model, then call ts_window_advance. */
int ts_window_push_i16(ts_window *w, const int16_t *values);
int ts_window_push_f32(ts_window *w, const float *values);
int ts_window_push_i8(ts_window *w, const int8_t *values);
/* Slide by the descriptor's stride. */
void ts_window_advance(ts_window *w);
/* Forget all steps: the next window starts with the next pushed step (stream restarted). */
void ts_window_reset(ts_window *w);

#ifdef __cplusplus
}
#endif
#endif
