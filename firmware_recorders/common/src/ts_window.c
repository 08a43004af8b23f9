/* Sliding input windows (see ts_window.h). */
#include "ts_window.h"

#include <string.h>

uint8_t ts_window_init(ts_window *w, const ts_descriptor *d, int8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    if ((size_t)d->window * d->n_channels > cap) return TS_TOO_LARGE;
    w->d = d;
    w->buf = buf;
    return TS_OK;
}

static int8_t *slot_for_step(ts_window *w)
{
    if (w->skip) {
        w->skip--;
        return NULL;
    }
    if (w->filled >= w->d->window) return NULL;
    return w->buf + (size_t)w->filled * w->d->n_channels;
}

static int step_done(ts_window *w)
{
    return ++w->filled == w->d->window;
}

/* RAW steps: q = clamp(round(v * mul + add)) per channel, from int16 or float values. */
static int push_raw(ts_window *w, const int16_t *vi, const float *vf)
{
    int8_t *dst = slot_for_step(w);
    uint8_t c;
    if (!dst) return 0;
    for (c = 0; c < w->d->n_channels; c++) {
        float v = vi ? (float)vi[c] : vf[c];
        dst[c] = ts_quantize(v * ts_descriptor_mul(w->d, c) + ts_descriptor_add(w->d, c));
    }
    return step_done(w);
}

int ts_window_push_f32(ts_window *w, const float *v) { return push_raw(w, NULL, v); }

int ts_window_push_i16(ts_window *w, const int16_t *v) { return push_raw(w, v, NULL); }

int ts_window_push_i8(ts_window *w, const int8_t *v)
{
    int8_t *dst = slot_for_step(w);
    if (!dst) return 0;
    memcpy(dst, v, w->d->n_channels);
    return step_done(w);
}

void ts_window_advance(ts_window *w)
{
    uint16_t win = w->d->window, stride = w->d->stride;
    size_t nch = w->d->n_channels;
    if (stride >= win) {
        w->filled = 0;
        w->skip = (uint16_t)(stride - win);
        return;
    }
    memmove(w->buf, w->buf + (size_t)stride * nch, (size_t)(win - stride) * nch);
    w->filled = (uint16_t)(win - stride);
}

void ts_window_reset(ts_window *w)
{
    w->filled = 0;
    w->skip = 0;
}
