/* TinyStudio recorder core: message bodies (protocol.md sections 3-7).
 *
 * Why: board firmware only builds the messages a board sends and parses the ones a host
 * sends; keeping both here, tested byte for byte against the Python implementation,
 * means a board file never touches byte layouts.
 * Every encoder writes a body into a caller buffer and returns its length (0 if it
 * does not fit); parsers return TS_OK or TS_BAD_REQUEST.
 */
#ifndef TS_MESSAGES_H
#define TS_MESSAGES_H

#include "ts_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TS_KIND_IMU = 1, TS_KIND_MICROPHONE = 2, TS_KIND_CAMERA = 3, TS_KIND_GENERIC = 4 };
enum { TS_I8 = 1, TS_U8 = 2, TS_I16 = 3, TS_U16 = 4, TS_I32 = 5, TS_F32 = 6 };
enum { TS_GRAY8 = 0, TS_RGB565 = 1, TS_RGB888 = 2 };
enum { TS_FRONTEND_RAW = 0, TS_FRONTEND_MICRO_SPEECH = 1, TS_FRONTEND_IMAGE = 2, TS_FRONTEND_MICROFRONTEND = 3 };
enum { TS_LOG_DEBUG = 0, TS_LOG_INFO = 1, TS_LOG_WARNING = 2, TS_LOG_ERROR = 3 };

typedef struct {
    const char *name; /* "aX" */
    const char *unit; /* "g" */
    float scale;      /* physical = raw * scale */
} ts_channel_info;

typedef struct {
    uint8_t sensor_id, kind, sample_type, n_channels;
    float rate_hz;
    const char *name;
    const ts_channel_info *channels; /* n_channels entries */
    uint16_t width, height;          /* camera only */
    uint8_t pixel_format;            /* camera only */
} ts_sensor_info;

typedef struct {
    const char *board_name, *firmware_version, *board_id;
    uint32_t model_slot_bytes, arena_bytes;
    uint16_t max_body;
    uint8_t n_sensors;
    const ts_sensor_info *sensors;
} ts_device_info;

/* Model descriptor (section 6.1), parsed in place: pointers refer to the source bytes. */
typedef struct {
    uint8_t version, sensor_id, frontend, n_channels;
    uint16_t window, stride;
    float input_scale, output_scale;
    int8_t input_zero_point, output_zero_point;
    const uint8_t *mul_add; /* RAW: n_channels pairs of f32 (mul, add); else NULL */
    uint8_t n_labels;
    const uint8_t *labels;  /* n_labels packed str */
} ts_descriptor;

typedef struct {
    uint32_t total_bytes, model_crc32;
    uint16_t chunk_bytes, descriptor_bytes;
    const uint8_t *descriptor;
} ts_model_begin;

size_t ts_encode_hello(uint8_t *out, size_t cap, const ts_device_info *info);
size_t ts_encode_camera_chunk(uint8_t *out, size_t cap, uint16_t image_id, uint16_t width,
                              uint16_t height, uint8_t pixel_format, uint32_t offset,
                              const uint8_t *data, size_t n);
size_t ts_encode_ack(uint8_t *out, size_t cap, uint8_t request_type, uint8_t status);
size_t ts_encode_log(uint8_t *out, size_t cap, uint8_t level, const char *text);
size_t ts_encode_error(uint8_t *out, size_t cap, uint16_t code, const char *text);
size_t ts_encode_model_ack(uint8_t *out, size_t cap, uint32_t next_offset, uint8_t status,
                           uint32_t slot_bytes);
size_t ts_encode_model_status(uint8_t *out, size_t cap, uint8_t status, uint32_t model_bytes,
                              uint32_t model_crc32, uint32_t arena_used,
                              const uint8_t *descriptor, uint16_t descriptor_bytes);
/* top_index is the argmax of scores (first one on ties). */
size_t ts_encode_inference(uint8_t *out, size_t cap, uint32_t window_index, uint32_t latency_us,
                           const int8_t *scores, uint8_t n_scores, float output_scale,
                           int8_t output_zero_point);
size_t ts_encode_run_output(uint8_t *out, size_t cap, uint8_t status, uint32_t latency_us,
                            const uint8_t *output, size_t n);

int ts_parse_descriptor(const uint8_t *p, size_t n, ts_descriptor *d);
int ts_parse_model_begin(const uint8_t *p, size_t n, ts_model_begin *b);
/* MODEL_CHUNK: u32 offset | data.  RUN_INPUT: u32 offset | u32 total | data. */
int ts_parse_model_chunk(const uint8_t *p, size_t n, uint32_t *offset, const uint8_t **data,
                         size_t *len);
int ts_parse_run_input(const uint8_t *p, size_t n, uint32_t *offset, uint32_t *total,
                       const uint8_t **data, size_t *len);

/* Channel c of a RAW descriptor: q = clamp(round(v * mul + add), -128, 127). */
float ts_descriptor_mul(const ts_descriptor *d, uint8_t c);
float ts_descriptor_add(const ts_descriptor *d, uint8_t c);
/* Label i (not NUL-terminated); returns its length, or 0 with *text = NULL if out of range. */
uint8_t ts_descriptor_label(const ts_descriptor *d, uint8_t i, const char **text);
/* Quantizes v with round-half-away-from-zero and saturation to int8. */
int8_t ts_quantize(float v);

#ifdef __cplusplus
}
#endif
#endif
