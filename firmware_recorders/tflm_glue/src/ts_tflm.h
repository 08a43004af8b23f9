/* TinyStudio recorder: TensorFlow Lite Micro glue shared by all board sketches.
 *
 * Why: every board runs uploaded models the same way -- build a MicroInterpreter over the
 * model slot, check the tensors against the model descriptor, feed windows of its own
 * stream, stream INFERENCE frames, answer RUN_INPUT. Only the sensor reads differ, so
 * this file implements the model half of ts_hal once (docs/porting.md).
 *
 * Any port can link it (docs/porting.md): no static constructors, no Arduino header
 * outside ARDUINO, the clock comes from the port. CI compiles it against declaration-only
 * stubs of the TFLM API; `make -C firmware_recorders/qemu_mps2 TFLM_DIR=...` links it with
 * a real TFLM into the emulated board. extern "C": a board file in C links against it.
 */
#ifndef TS_TFLM_H
#define TS_TFLM_H

#include <TinyStudioRecorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The port's clock: microseconds from any origin, wrapping at 2^32 (Arduino: micros()).
 * Only differences are used (the latency of an invoke). */
typedef uint32_t (*ts_tflm_clock_us)(void);

/* Call once from setup(): the tensor arena (16-byte aligned, static) and the clock.
 * Builds the op resolver in static storage (no constructor runs before this) and routes
 * TFLM's log text into LOG frames (ts_tflm_log.h). */
void ts_tflm_begin(ts_device *dev, uint8_t *arena, size_t arena_bytes, ts_tflm_clock_us clock_us);

/* ts_hal members (pass these in the board's ts_hal). */
uint8_t ts_tflm_load(void *ctx, const uint8_t *model, uint32_t model_bytes,
                     const ts_descriptor *descriptor, uint32_t *arena_used);
uint8_t *ts_tflm_run_buffer(void *ctx, uint32_t total);
uint8_t ts_tflm_run(void *ctx, const uint8_t *input, uint32_t n, uint8_t *out, size_t cap,
                    size_t *out_len, uint32_t *latency_us);

/* Live inference. The sketch pushes every sample of every sensor; samples of the sensor
 * the active model listens to are windowed (ts_window), and each full window is run and
 * streamed as INFERENCE -- only while the host has STARTed that sensor, with windows cut
 * afresh from the first sample after each START (protocol.md section 7). Returns 1 when
 * a window was run. */
int ts_tflm_push_i16(uint8_t sensor_id, const int16_t *sample);
/* A camera frame (GRAY8) for IMAGE models: resized (nearest) to the input size. */
int ts_tflm_push_image(uint8_t sensor_id, const uint8_t *gray, uint16_t width, uint16_t height);
/* Sensor id the active model listens to, or -1 without a model. */
int ts_tflm_sensor(void);

/* The front-end hook: a front end other than RAW (an audio feature front end, say) fills
 * the active model's input tensor itself and then calls ts_tflm_infer_live(), which runs
 * the model and streams INFERENCE like a RAW window. */
const ts_descriptor *ts_tflm_descriptor(void);       /* NULL without a model */
int8_t *ts_tflm_input(uint32_t *bytes);              /* NULL without a model */
void ts_tflm_infer_live(void);

#ifdef __cplusplus
}
#endif
#endif
