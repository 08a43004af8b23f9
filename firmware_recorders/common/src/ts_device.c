/* Board side of a session (see ts_device.h). */
#include "ts_device.h"

#include <string.h>

void ts_device_init(ts_device *dev, const ts_device_info *info, const ts_hal *hal,
                    uint8_t *slot_mem, uint32_t slot_mem_bytes)
{
    memset(dev, 0, sizeof *dev);
    dev->info = info;
    dev->hal = hal;
    ts_decoder_init(&dev->dec, dev->rx, sizeof dev->rx);
    ts_slot_init(&dev->slot, slot_mem, slot_mem_bytes, hal->model_load, hal->ctx);
}

int ts_device_send(ts_device *dev, uint8_t type, uint8_t stream, uint16_t seq,
                   const uint8_t *body, size_t n)
{
    size_t len = ts_frame_encode(dev->wire, sizeof dev->wire, type, stream, seq, body, n);
    if (!len) return 0;
    dev->hal->write(dev->hal->ctx, dev->wire, len);
    return 1;
}

static void send_hello(ts_device *dev, uint16_t seq)
{
    size_t n = ts_encode_hello(dev->body, sizeof dev->body, dev->info);
    if (n) ts_device_send(dev, TS_HELLO, TS_NO_STREAM, seq, dev->body, n);
    else ts_device_error(dev, TS_INTERNAL, "device info does not fit in one frame");
}

void ts_device_hello(ts_device *dev)
{
    static const uint8_t zero = 0;
    dev->hal->write(dev->hal->ctx, &zero, 1);
    send_hello(dev, 0);
}

int ts_device_streaming(const ts_device *dev, uint8_t id)
{
    return (dev->streaming[id >> 3] >> (id & 7u)) & 1u;
}

void ts_device_log(ts_device *dev, uint8_t level, const char *text)
{
    size_t n = ts_encode_log(dev->body, sizeof dev->body, level, text);
    ts_device_send(dev, TS_LOG, TS_NO_STREAM, 0, dev->body, n);
}

void ts_device_error(ts_device *dev, uint16_t code, const char *text)
{
    size_t n = ts_encode_error(dev->body, sizeof dev->body, code, text);
    ts_device_send(dev, TS_ERROR, TS_NO_STREAM, 0, dev->body, n);
}

int ts_device_send_inference(ts_device *dev, uint8_t sensor_id, uint16_t *seq,
                             uint32_t window_index, uint32_t latency_us, const int8_t *scores,
                             uint8_t n_scores, float output_scale, int8_t output_zero_point)
{
    size_t n = ts_encode_inference(dev->body, sizeof dev->body, window_index, latency_us, scores,
                                   n_scores, output_scale, output_zero_point);
    return n && ts_device_send(dev, TS_INFERENCE, sensor_id, (*seq)++, dev->body, n);
}

int ts_device_send_image(ts_device *dev, uint8_t sensor_id, uint16_t *seq, uint16_t image_id,
                         uint16_t width, uint16_t height, uint8_t pixel_format,
                         const uint8_t *pixels)
{
    uint32_t total = (uint32_t)width * height * (pixel_format == TS_GRAY8 ? 1u : pixel_format == TS_RGB565 ? 2u : 3u);
    uint32_t off = 0, step = TS_MAX_BODY - 12u;
    do {
        uint32_t k = total - off < step ? total - off : step;
        size_t n = ts_encode_camera_chunk(dev->body, sizeof dev->body, image_id, width, height,
                                          pixel_format, off, pixels + off, k);
        if (!n || !ts_device_send(dev, TS_CAMERA_CHUNK, sensor_id, (*seq)++, dev->body, n))
            return 0;
        off += k;
    } while (off < total);
    return 1;
}

/* START/STOP: one sensor or all (0xFF); unknown ids get UNKNOWN_SENSOR. */
static uint8_t start_stop(ts_device *dev, const ts_frame *f)
{
    uint8_t on = f->type == TS_START, id, i, st = TS_UNKNOWN_SENSOR;
    if (f->len != 1) return TS_BAD_REQUEST;
    id = f->body[0];
    for (i = 0; i < dev->info->n_sensors; i++) {
        uint8_t sid = dev->info->sensors[i].sensor_id;
        uint8_t s = TS_OK;
        if (id != 0xFFu && id != sid) continue;
        if (dev->hal->sensor_enable) s = dev->hal->sensor_enable(dev->hal->ctx, sid, on);
        if (s == TS_OK) {
            if (on) dev->streaming[sid >> 3] |= (uint8_t)(1u << (sid & 7u));
            else dev->streaming[sid >> 3] &= (uint8_t)~(1u << (sid & 7u));
        }
        if (st == TS_UNKNOWN_SENSOR || s != TS_OK) st = s;
    }
    return (id == 0xFFu && st == TS_UNKNOWN_SENSOR) ? TS_OK : st;
}

static void reply_run(ts_device *dev, uint16_t seq, uint8_t status, uint32_t latency, size_t n)
{
    ts_writer w;
    dev->run_buf = NULL;
    ts_w_init(&w, dev->body, 5);
    ts_w_u8(&w, status);
    ts_w_u32(&w, latency);
    ts_device_send(dev, TS_RUN_OUTPUT, TS_NO_STREAM, seq, dev->body, 5 + n);
}

/* RUN_INPUT: assemble the tensor in order, then invoke and answer RUN_OUTPUT. */
static void run_input(ts_device *dev, const ts_frame *f)
{
    uint32_t off, total, latency = 0;
    const uint8_t *data;
    size_t n, out_len = 0;
    uint8_t st;
    if (!dev->hal->model_run || !dev->hal->run_buffer) { /* a board that keeps models but */
        reply_run(dev, f->seq, TS_UNSUPPORTED, 0, 0);      /* cannot run them (no TFLM) */
        return;
    }
    if (!ts_slot_active(&dev->slot, NULL, NULL)) {
        reply_run(dev, f->seq, TS_NO_MODEL, 0, 0);
        return;
    }
    if (ts_parse_run_input(f->body, f->len, &off, &total, &data, &n) != TS_OK) {
        reply_run(dev, f->seq, TS_BAD_REQUEST, 0, 0);
        return;
    }
    if (off == 0) {
        dev->run_buf = dev->hal->run_buffer(dev->hal->ctx, total);
        dev->run_total = total;
        dev->run_next = 0;
    }
    if (!dev->run_buf || off != dev->run_next || total != dev->run_total || n > total - off) {
        reply_run(dev, f->seq, TS_BAD_REQUEST, 0, 0);
        return;
    }
    memcpy(dev->run_buf + off, data, n);
    dev->run_next += (uint32_t)n;
    if (dev->run_next < total) return;
    st = dev->hal->model_run(dev->hal->ctx, dev->run_buf, total, dev->body + 5,
                             sizeof dev->body - 5, &out_len, &latency);
    reply_run(dev, f->seq, st, latency, st == TS_OK ? out_len : 0);
}

static void unknown(ts_device *dev, uint8_t type)
{
    static const char hex[] = "0123456789abcdef";
    char text[] = "unknown message type 0x??";
    text[23] = hex[type >> 4];
    text[24] = hex[type & 15u];
    ts_device_log(dev, TS_LOG_WARNING, text);
}

static void handle(ts_device *dev, const ts_frame *f)
{
    size_t n = 0;
    uint8_t t;
    switch (f->type) {
    case TS_GET_INFO:
        send_hello(dev, f->seq);
        break;
    case TS_PING:
        ts_device_send(dev, TS_PONG, TS_NO_STREAM, f->seq, f->body, f->len > 64 ? 64 : f->len);
        break;
    case TS_START:
    case TS_STOP:
        n = ts_encode_ack(dev->body, sizeof dev->body, f->type, start_stop(dev, f));
        ts_device_send(dev, TS_ACK, TS_NO_STREAM, f->seq, dev->body, n);
        break;
    case TS_FAULT:
        n = ts_encode_ack(dev->body, sizeof dev->body, f->type, TS_UNSUPPORTED);
        ts_device_send(dev, TS_ACK, TS_NO_STREAM, f->seq, dev->body, n);
        break;
    case TS_MODEL_BEGIN:
    case TS_MODEL_CHUNK:
    case TS_MODEL_COMMIT:
    case TS_MODEL_STATUS:
    case TS_MODEL_ABORT:
        if (!dev->slot.half || !dev->hal->model_load) {
            n = ts_encode_ack(dev->body, sizeof dev->body, f->type, TS_UNSUPPORTED);
            ts_device_send(dev, TS_ACK, TS_NO_STREAM, f->seq, dev->body, n);
            break;
        }
        t = ts_slot_handle(&dev->slot, f, dev->body, sizeof dev->body, &n);
        if (t) ts_device_send(dev, t, TS_NO_STREAM, f->seq, dev->body, n);
        break;
    case TS_RUN_INPUT:
        run_input(dev, f);
        break;
    default:
        unknown(dev, f->type);
    }
}

void ts_device_feed(ts_device *dev, const uint8_t *data, size_t n)
{
    ts_frame f;
    while (n--)
        if (ts_decoder_feed(&dev->dec, *data++, &f)) handle(dev, &f);
}

void ts_sampler_init(ts_sampler *s, ts_device *dev, uint8_t sensor_id, uint16_t sample_bytes,
                     uint8_t *buf, size_t buf_bytes, uint16_t per_frame)
{
    size_t room = buf_bytes < TS_MAX_BODY ? buf_bytes : TS_MAX_BODY;
    memset(s, 0, sizeof *s);
    s->dev = dev;
    s->buf = buf;
    s->sensor_id = sensor_id;
    s->sample_bytes = sample_bytes;
    if (sample_bytes && per_frame > room / sample_bytes) per_frame = (uint16_t)(room / sample_bytes);
    s->per_frame = per_frame ? per_frame : 1;
}

void ts_sampler_flush(ts_sampler *s)
{
    if (s->fill)
        ts_device_send(s->dev, TS_SAMPLES, s->sensor_id, s->seq++, s->buf,
                       (size_t)s->fill * s->sample_bytes);
    s->fill = 0;
}

int ts_sampler_push(ts_sampler *s, const void *sample)
{
    if (!ts_device_streaming(s->dev, s->sensor_id)) {
        s->fill = 0;
        return 0;
    }
    memcpy(s->buf + (size_t)s->fill * s->sample_bytes, sample, s->sample_bytes);
    if (++s->fill < s->per_frame) return 0;
    ts_sampler_flush(s);
    return 1;
}
