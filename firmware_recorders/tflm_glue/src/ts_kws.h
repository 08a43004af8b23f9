/* TinyStudio keyword spotting on the board: the microphone stream -> keyword front end ->
 * the model, on a sliding window, every stride (TFLM builds with the keyword front end).
 *
 * Why here and not in ts_tflm.cpp: the audio path is its own job (ring, front end, window
 * bookkeeping); the glue's ts_tflm_descriptor / ts_tflm_input / ts_tflm_infer_live let it
 * fill the model's input and run it without touching the interpreter code.
 *
 * The definition is the virtual board's (tinystudio/boards/virtual/frontend.py,
 * KeywordWindows): the last 480 + (window - 1) * 320 samples, featurized from a reset
 * state (ts_audio_frontend_clip), every stride * 320 samples once that much audio has
 * arrived; input_scale/zero point other than 1/0 re-quantize the int8 features.
 */
#ifndef TS_KWS_H
#define TS_KWS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Once at start-up (allocates the front end). 0 if memory ran out. */
int ts_kws_begin(void);
/* One microphone sample. Returns 1 when a window ran (INFERENCE went out). */
int ts_kws_push(uint8_t sensor_id, int16_t sample);

#ifdef __cplusplus
}
#endif
#endif
