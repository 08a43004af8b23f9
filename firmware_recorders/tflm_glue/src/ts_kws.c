/* TinyStudio keyword spotting on the board (see ts_kws.h). */
#include "ts_kws.h"

#include <math.h>
#include <string.h>

#include "ts_audio_frontend.h"
#include "ts_tflm.h"

#define KWS_MAX_FRAMES 49u
#define KWS_MAX_SAMPLES (480u + (KWS_MAX_FRAMES - 1u) * 320u) /* one second */

static ts_audio_frontend fe;
static int16_t ring[KWS_MAX_SAMPLES]; /* the last n samples, oldest at `head` once full */
static uint32_t head, seen, next_at;
static const ts_descriptor *active;

int ts_kws_begin(void)
{
    return ts_audio_frontend_init(&fe);
}

static uint32_t window_samples(const ts_descriptor *d)
{
    return 480u + ((uint32_t)d->window - 1u) * 320u;
}

/* The virtual board's _quantize: round half away from zero in float32, then clamp. */
static int8_t requantize(int8_t v, float scale, int8_t zero_point)
{
    float y = (float)v / scale;
    float r = y < 0 ? -floorf(-y + 0.5f) : floorf(y + 0.5f);
    float q = r + (float)zero_point;
    return (int8_t)(q < -128.f ? -128 : q > 127.f ? 127 : (int)q);
}

typedef struct {
    int8_t *out;
    uint32_t n, max;
} input_sink;

static input_sink sink;

static void to_input(void *ctx, const int8_t *features)
{
    input_sink *k = (input_sink *)ctx;
    if (k->n < k->max) memcpy(k->out + (size_t)k->n * TS_KWS_FEATURES, features, TS_KWS_FEATURES);
    k->n++;
}

static void run_window(const ts_descriptor *d)
{
    uint32_t n = window_samples(d), bytes = 0, i;
    int8_t *in = ts_tflm_input(&bytes);
    if (!in || bytes != (uint32_t)d->window * TS_KWS_FEATURES) return;
    sink.out = in;
    sink.n = 0;
    sink.max = d->window;
    ts_audio_frontend_reset(&fe); /* the window from a reset state, oldest sample first */
    ts_audio_frontend_feed(&fe, ring + head, n - head, to_input, &sink);
    ts_audio_frontend_feed(&fe, ring, head, to_input, &sink);
    if (sink.n < d->window) return;
    if (d->input_scale != 1.0f || d->input_zero_point != 0)
        for (i = 0; i < bytes; i++) in[i] = requantize(in[i], d->input_scale, d->input_zero_point);
    ts_tflm_infer_live();
}

int ts_kws_push(uint8_t sensor_id, int16_t sample)
{
    const ts_descriptor *d = ts_tflm_descriptor();
    uint32_t n;
    if (!d || d->frontend != TS_FRONTEND_MICROFRONTEND || d->sensor_id != sensor_id || !fe.ready ||
        d->window > KWS_MAX_FRAMES)
        return 0;
    n = window_samples(d);
    if (d != active) { /* a new model: its windows start with the next sample */
        active = d;
        head = seen = 0;
        next_at = n;
    }
    ring[head] = sample;
    head = (head + 1u) % n;
    seen++;
    if (seen < next_at) return 0;
    next_at += (uint32_t)d->stride * 320u;
    run_window(d);
    return 1;
}
