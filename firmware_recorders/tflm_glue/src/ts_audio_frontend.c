/* TinyStudio keyword front end on the board (see ts_audio_frontend.h). */
#include "ts_audio_frontend.h"

#include <string.h>

#include "tensorflow/lite/experimental/microfrontend/lib/frontend_util.h"

/* pymicro-features 2.0.2, src/micro_features.cpp init_cfg(): change both or neither. */
static void config(struct FrontendConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->window.size_ms = 30;
    cfg->window.step_size_ms = 10;
    cfg->filterbank.num_channels = TS_KWS_FEATURES;
    cfg->filterbank.lower_band_limit = 125.0f;
    cfg->filterbank.upper_band_limit = 7500.0f;
    cfg->noise_reduction.smoothing_bits = 10;
    cfg->noise_reduction.even_smoothing = 0.025f;
    cfg->noise_reduction.odd_smoothing = 0.06f;
    cfg->noise_reduction.min_signal_remaining = 0.05f;
    cfg->pcan_gain_control.enable_pcan = 1;
    cfg->pcan_gain_control.strength = 0.95f;
    cfg->pcan_gain_control.offset = 80.0f;
    cfg->pcan_gain_control.gain_bits = 21;
    cfg->log_scale.enable_log = 1;
    cfg->log_scale.scale_shift = 6;
}

int ts_audio_frontend_init(ts_audio_frontend *fe)
{
    struct FrontendConfig cfg;
    memset(fe, 0, sizeof *fe);
    config(&cfg);
    fe->ready = (uint8_t)(FrontendPopulateState(&cfg, &fe->st, TS_KWS_SAMPLE_RATE) != 0);
    return fe->ready;
}

void ts_audio_frontend_reset(ts_audio_frontend *fe)
{
    FrontendReset(&fe->st);
    fe->n_pending = 0;
    fe->frames = 0;
}

/* TFLM micro_speech's feature provider: uint16 -> int8. */
static int8_t to_int8(uint16_t v)
{
    int32_t q = ((int32_t)v * 256 + 333) / 666 - 128;
    return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

static void chunk(ts_audio_frontend *fe, const int16_t *s, ts_audio_frame_fn emit, void *ctx)
{
    size_t read = 0, i;
    int8_t q[TS_KWS_FEATURES];
    struct FrontendOutput out = FrontendProcessSamples(&fe->st, s, TS_KWS_CHUNK, &read);
    if (out.size != TS_KWS_FEATURES) return;
    if (fe->frames++ % TS_KWS_DECIMATION != 0) return;
    for (i = 0; i < TS_KWS_FEATURES; i++) q[i] = to_int8(out.values[i]);
    emit(ctx, q);
}

void ts_audio_frontend_feed(ts_audio_frontend *fe, const int16_t *samples, size_t n,
                            ts_audio_frame_fn emit, void *ctx)
{
    if (!fe->ready) return;
    while (n > 0) {
        size_t take = TS_KWS_CHUNK - fe->n_pending;
        if (take > n) take = n;
        if (fe->n_pending == 0 && take == TS_KWS_CHUNK) {
            chunk(fe, samples, emit, ctx); /* whole chunks straight from the caller */
        } else {
            memcpy(fe->pending + fe->n_pending, samples, take * sizeof *samples);
            fe->n_pending += (uint32_t)take;
            if (fe->n_pending == TS_KWS_CHUNK) {
                fe->n_pending = 0;
                chunk(fe, fe->pending, emit, ctx);
            }
        }
        samples += take;
        n -= take;
    }
}

typedef struct {
    int8_t *out;
    uint32_t n, max;
} clip_sink;

static void to_clip(void *ctx, const int8_t *features)
{
    clip_sink *c = (clip_sink *)ctx;
    if (c->n < c->max) memcpy(c->out + (size_t)c->n * TS_KWS_FEATURES, features, TS_KWS_FEATURES);
    c->n++;
}

uint32_t ts_audio_frontend_clip(ts_audio_frontend *fe, const int16_t *samples, size_t n,
                                int8_t *out, uint32_t max_frames)
{
    clip_sink c;
    c.out = out;
    c.n = 0;
    c.max = max_frames;
    ts_audio_frontend_reset(fe);
    ts_audio_frontend_feed(fe, samples, n, to_clip, &c);
    ts_audio_frontend_reset(fe);
    return c.n < max_frames ? c.n : max_frames;
}
