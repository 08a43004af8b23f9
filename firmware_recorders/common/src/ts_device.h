/* TinyStudio recorder core: the board side of a session.
 *
 * Why: everything a recorder does with the cable is the same on every board -- answer
 * GET_INFO/PING/START/STOP, take model uploads, run RUN_INPUT requests, frame samples,
 * camera images and inference results. A board provides a ts_hal (docs/porting.md):
 * a serial write, sensor on/off and its TFLM glue; the rest lives here, tested on the host.
 */
#ifndef TS_DEVICE_H
#define TS_DEVICE_H

#include "ts_model_slot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    void *ctx; /* passed to every call */
    /* Write bytes to the host (blocking is fine). Required. */
    void (*write)(void *ctx, const uint8_t *data, size_t n);
    /* Start (on=1) or stop (on=0) sampling one sensor; returns a status (TS_OK ...).
     * May be NULL when starting needs no work. */
    uint8_t (*sensor_enable)(void *ctx, uint8_t sensor_id, uint8_t on);
    /* Make a verified model the running one (see ts_load_fn). NULL: no model support. */
    ts_load_fn model_load;
    /* Buffer for a RUN_INPUT tensor of `total` bytes, or NULL if that is not the size of
     * the active model's input. */
    uint8_t *(*run_buffer)(void *ctx, uint32_t total);
    /* Invoke the active model on `input` (leaving the live stream alone); write the raw
     * output tensor to out (at most cap bytes) and its length to *out_len. Returns a status. */
    uint8_t (*model_run)(void *ctx, const uint8_t *input, uint32_t n, uint8_t *out, size_t cap,
                         size_t *out_len, uint32_t *latency_us);
} ts_hal;

typedef struct {
    const ts_device_info *info;
    const ts_hal *hal;
    ts_decoder dec;
    ts_model_slot slot;
    uint8_t streaming[32]; /* bit per sensor id */
    uint8_t *run_buf;
    uint32_t run_total, run_next;
    uint8_t rx[TS_ENCODED_MAX(TS_MAX_BODY)];
    uint8_t body[TS_MAX_BODY];
    uint8_t wire[TS_ENCODED_MAX(TS_MAX_BODY)];
} ts_device;

/* slot_mem: static, 16-byte aligned buffer holding both model halves (may be NULL/0). */
void ts_device_init(ts_device *dev, const ts_device_info *info, const ts_hal *hal,
                    uint8_t *slot_mem, uint32_t slot_mem_bytes);
/* Flushes any half frame on the host side (0x00) and announces the board (HELLO, seq 0). */
void ts_device_hello(ts_device *dev);
/* Feed bytes received from the host; replies are written through hal->write. */
void ts_device_feed(ts_device *dev, const uint8_t *data, size_t n);
/* Encode and write one frame; returns 0 if the body is too large. */
int ts_device_send(ts_device *dev, uint8_t type, uint8_t stream, uint16_t seq,
                   const uint8_t *body, size_t n);
int ts_device_streaming(const ts_device *dev, uint8_t sensor_id);
void ts_device_log(ts_device *dev, uint8_t level, const char *text);
void ts_device_error(ts_device *dev, uint16_t code, const char *text);
/* One INFERENCE frame; *seq is the caller's per-stream counter (incremented). */
int ts_device_send_inference(ts_device *dev, uint8_t sensor_id, uint16_t *seq,
                             uint32_t window_index, uint32_t latency_us, const int8_t *scores,
                             uint8_t n_scores, float output_scale, int8_t output_zero_point);
/* One camera image as CAMERA_CHUNK frames (one seq each, from *seq). */
int ts_device_send_image(ts_device *dev, uint8_t sensor_id, uint16_t *seq, uint16_t image_id,
                         uint16_t width, uint16_t height, uint8_t pixel_format,
                         const uint8_t *pixels);

/* Sample framing: collects whole samples of one sensor and sends a SAMPLES frame whenever
 * per_frame samples are in. Drops samples while the host has not STARTed the sensor. */
typedef struct {
    ts_device *dev;
    uint8_t *buf;
    uint16_t sample_bytes, per_frame, fill;
    uint16_t seq;
    uint8_t sensor_id;
} ts_sampler;

void ts_sampler_init(ts_sampler *s, ts_device *dev, uint8_t sensor_id, uint16_t sample_bytes,
                     uint8_t *buf, size_t buf_bytes, uint16_t per_frame);
/* Returns 1 when this sample completed (and sent) a frame. */
int ts_sampler_push(ts_sampler *s, const void *sample);
void ts_sampler_flush(ts_sampler *s);

#ifdef __cplusplus
}
#endif
#endif
