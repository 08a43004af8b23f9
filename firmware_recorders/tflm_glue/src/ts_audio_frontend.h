/* TinyStudio keyword front end on the board: TFLM's audio microfrontend, int8 frames.
 *
 * Why: a keyword model's input is 49 x 40 int8 features of one second of 16 kHz audio.
 * The host computes them with PyPI's pymicro-features (tinystudio/dsp/microfrontend.py);
 * the board must compute the same bytes, so this glue runs the same library
 * (tensorflow/lite/experimental/microfrontend/lib, compiled from that package's sdist at
 * build time) with the same configuration, keeps every second 10 ms frame (20 ms stride)
 * and converts to int8 as TFLM's micro_speech does. Definition: docs/keywords.md.
 * tests/firmware/test_kws_frontend_parity.py compares host and board byte for byte.
 */
#ifndef TS_AUDIO_FRONTEND_H
#define TS_AUDIO_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "tensorflow/lite/experimental/microfrontend/lib/frontend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_KWS_SAMPLE_RATE 16000u
#define TS_KWS_CHUNK 160u   /* the library's 10 ms step */
#define TS_KWS_FEATURES 40u /* features per frame */
#define TS_KWS_DECIMATION 2u /* the model sees every second frame: 20 ms stride */

typedef struct {
    struct FrontendState st;
    int16_t pending[TS_KWS_CHUNK];
    uint32_t n_pending;
    uint32_t frames; /* library frames since the last reset */
    uint8_t ready;
} ts_audio_frontend;

/* Called once per model frame (40 int8 features). */
typedef void (*ts_audio_frame_fn)(void *ctx, const int8_t *features);

/* Allocates the library's state (malloc, once); 0 if memory ran out. */
int ts_audio_frontend_init(ts_audio_frontend *fe);
/* Back to the state of a fresh front end (no allocation). */
void ts_audio_frontend_reset(ts_audio_frontend *fe);
/* Streams n samples in; `emit` receives each completed model frame. */
void ts_audio_frontend_feed(ts_audio_frontend *fe, const int16_t *samples, size_t n,
                            ts_audio_frame_fn emit, void *ctx);
/* Features of one clip from a reset state: up to max_frames x 40 int8 into out; returns
 * the number of frames (the host's KeywordFrontend.features). */
uint32_t ts_audio_frontend_clip(ts_audio_frontend *fe, const int16_t *samples, size_t n,
                                int8_t *out, uint32_t max_frames);

#ifdef __cplusplus
}
#endif
#endif
