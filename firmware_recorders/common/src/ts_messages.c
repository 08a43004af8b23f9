/* Message bodies (see ts_messages.h). */
#include "ts_messages.h"

#include <string.h>

size_t ts_encode_hello(uint8_t *out, size_t cap, const ts_device_info *info)
{
    ts_writer w;
    uint8_t s, c;
    ts_w_init(&w, out, cap);
    ts_w_u8(&w, TS_PROTOCOL_VERSION);
    ts_w_str(&w, info->board_name);
    ts_w_str(&w, info->firmware_version);
    ts_w_str(&w, info->board_id);
    ts_w_u32(&w, info->model_slot_bytes);
    ts_w_u32(&w, info->arena_bytes);
    ts_w_u16(&w, info->max_body);
    ts_w_u8(&w, info->n_sensors);
    for (s = 0; s < info->n_sensors; s++) {
        const ts_sensor_info *si = &info->sensors[s];
        ts_w_u8(&w, si->sensor_id);
        ts_w_u8(&w, si->kind);
        ts_w_u8(&w, si->sample_type);
        ts_w_u8(&w, si->n_channels);
        ts_w_f32(&w, si->rate_hz);
        ts_w_str(&w, si->name);
        for (c = 0; c < si->n_channels; c++) {
            ts_w_str(&w, si->channels[c].name);
            ts_w_str(&w, si->channels[c].unit);
            ts_w_f32(&w, si->channels[c].scale);
        }
        if (si->kind == TS_KIND_CAMERA) {
            ts_w_u16(&w, si->width);
            ts_w_u16(&w, si->height);
            ts_w_u8(&w, si->pixel_format);
        }
    }
    return w.err ? 0 : w.len;
}

size_t ts_encode_camera_chunk(uint8_t *out, size_t cap, uint16_t image_id, uint16_t width,
                              uint16_t height, uint8_t pixel_format, uint32_t offset,
                              const uint8_t *data, size_t n)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u16(&w, image_id);
    ts_w_u16(&w, width);
    ts_w_u16(&w, height);
    ts_w_u8(&w, pixel_format);
    ts_w_u8(&w, 0);
    ts_w_u32(&w, offset);
    ts_w_bytes(&w, data, n);
    return w.err ? 0 : w.len;
}

size_t ts_encode_ack(uint8_t *out, size_t cap, uint8_t request_type, uint8_t status)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u8(&w, request_type);
    ts_w_u8(&w, status);
    return w.err ? 0 : w.len;
}

/* LOG and ERROR texts are cut to fit (at a UTF-8 character boundary). */
static void put_text(ts_writer *w, const char *text)
{
    size_t n = text ? strlen(text) : 0, room = w->cap - w->len;
    if (n > room) {
        n = room;
        while (n && ((uint8_t)text[n] & 0xC0u) == 0x80u) n--;
    }
    ts_w_bytes(w, text, n);
}

size_t ts_encode_log(uint8_t *out, size_t cap, uint8_t level, const char *text)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u8(&w, level);
    if (!w.err) put_text(&w, text);
    return w.err ? 0 : w.len;
}

size_t ts_encode_error(uint8_t *out, size_t cap, uint16_t code, const char *text)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u16(&w, code);
    if (!w.err) put_text(&w, text);
    return w.err ? 0 : w.len;
}

size_t ts_encode_model_ack(uint8_t *out, size_t cap, uint32_t next_offset, uint8_t status,
                           uint32_t slot_bytes)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u32(&w, next_offset);
    ts_w_u8(&w, status);
    ts_w_u32(&w, slot_bytes);
    return w.err ? 0 : w.len;
}

size_t ts_encode_model_status(uint8_t *out, size_t cap, uint8_t status, uint32_t model_bytes,
                              uint32_t model_crc32, uint32_t arena_used,
                              const uint8_t *descriptor, uint16_t descriptor_bytes)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u8(&w, status);
    ts_w_u32(&w, model_bytes);
    ts_w_u32(&w, model_crc32);
    ts_w_u32(&w, arena_used);
    ts_w_u16(&w, descriptor_bytes);
    ts_w_bytes(&w, descriptor, descriptor_bytes);
    return w.err ? 0 : w.len;
}

size_t ts_encode_inference(uint8_t *out, size_t cap, uint32_t window_index, uint32_t latency_us,
                           const int8_t *scores, uint8_t n_scores, float output_scale,
                           int8_t output_zero_point)
{
    ts_writer w;
    uint8_t i, top = 0;
    for (i = 1; i < n_scores; i++)
        if (scores[i] > scores[top]) top = i;
    ts_w_init(&w, out, cap);
    ts_w_u32(&w, window_index);
    ts_w_u32(&w, latency_us);
    ts_w_u8(&w, top);
    ts_w_u8(&w, n_scores);
    ts_w_bytes(&w, scores, n_scores);
    ts_w_f32(&w, output_scale);
    ts_w_u8(&w, (uint8_t)output_zero_point);
    return w.err ? 0 : w.len;
}

size_t ts_encode_run_output(uint8_t *out, size_t cap, uint8_t status, uint32_t latency_us,
                            const uint8_t *output, size_t n)
{
    ts_writer w;
    ts_w_init(&w, out, cap);
    ts_w_u8(&w, status);
    ts_w_u32(&w, latency_us);
    ts_w_bytes(&w, output, n);
    return w.err ? 0 : w.len;
}

int ts_parse_descriptor(const uint8_t *p, size_t n, ts_descriptor *d)
{
    ts_reader r;
    uint8_t i;
    memset(d, 0, sizeof *d);
    ts_r_init(&r, p, n);
    d->version = ts_r_u8(&r);
    d->sensor_id = ts_r_u8(&r);
    d->frontend = ts_r_u8(&r);
    d->n_channels = ts_r_u8(&r);
    d->window = ts_r_u16(&r);
    d->stride = ts_r_u16(&r);
    d->input_scale = ts_r_f32(&r);
    d->input_zero_point = (int8_t)ts_r_u8(&r);
    d->output_scale = ts_r_f32(&r);
    d->output_zero_point = (int8_t)ts_r_u8(&r);
    if (d->frontend == TS_FRONTEND_RAW) d->mul_add = ts_r_take(&r, (size_t)d->n_channels * 8u);
    d->n_labels = ts_r_u8(&r);
    d->labels = r.p + r.pos;
    for (i = 0; i < d->n_labels && !r.err; i++) ts_r_take(&r, ts_r_u8(&r));
    if (r.err || r.pos != n || d->version != 1 || d->frontend > TS_FRONTEND_MICROFRONTEND ||
        !d->n_channels || !d->window || !d->stride)
        return TS_BAD_REQUEST;
    return TS_OK;
}

int ts_parse_model_begin(const uint8_t *p, size_t n, ts_model_begin *b)
{
    ts_reader r;
    ts_r_init(&r, p, n);
    b->total_bytes = ts_r_u32(&r);
    b->model_crc32 = ts_r_u32(&r);
    b->chunk_bytes = ts_r_u16(&r);
    b->descriptor_bytes = ts_r_u16(&r);
    b->descriptor = ts_r_take(&r, b->descriptor_bytes);
    return (r.err || r.pos != n) ? TS_BAD_REQUEST : TS_OK;
}

int ts_parse_model_chunk(const uint8_t *p, size_t n, uint32_t *offset, const uint8_t **data,
                         size_t *len)
{
    if (n < 4) return TS_BAD_REQUEST;
    *offset = ts_get_u32(p);
    *data = p + 4;
    *len = n - 4;
    return TS_OK;
}

int ts_parse_run_input(const uint8_t *p, size_t n, uint32_t *offset, uint32_t *total,
                       const uint8_t **data, size_t *len)
{
    if (n < 8) return TS_BAD_REQUEST;
    *offset = ts_get_u32(p);
    *total = ts_get_u32(p + 4);
    *data = p + 8;
    *len = n - 8;
    return TS_OK;
}

float ts_descriptor_mul(const ts_descriptor *d, uint8_t c)
{
    return (d->mul_add && c < d->n_channels) ? ts_get_f32(d->mul_add + 8u * c) : 0.0f;
}

float ts_descriptor_add(const ts_descriptor *d, uint8_t c)
{
    return (d->mul_add && c < d->n_channels) ? ts_get_f32(d->mul_add + 8u * c + 4u) : 0.0f;
}

uint8_t ts_descriptor_label(const ts_descriptor *d, uint8_t i, const char **text)
{
    const uint8_t *p = d->labels;
    uint8_t k;
    *text = NULL;
    if (i >= d->n_labels) return 0;
    for (k = 0; k < i; k++) p += 1u + p[0];
    *text = (const char *)(p + 1);
    return p[0];
}

int8_t ts_quantize(float v)
{
    if (!(v > -128.5f)) return v != v ? 0 : -128; /* also maps NaN to 0 */
    if (v >= 127.5f) return 127;
    return (int8_t)(v >= 0.0f ? (int)(v + 0.5f) : -(int)(-v + 0.5f));
}
