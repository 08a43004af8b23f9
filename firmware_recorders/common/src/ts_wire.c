/* CRC-32, COBS framing and bounded readers/writers (see ts_wire.h). */
#include "ts_wire.h"

#include <string.h>

/* Nibble-wise table: 64 bytes of flash instead of 1 KiB, fast enough for 1 MBd links. */
static const uint32_t crc_nibble[16] = {
    0x00000000UL, 0x1DB71064UL, 0x3B6E20C8UL, 0x26D930ACUL, 0x76DC4190UL, 0x6B6B51F4UL,
    0x4DB26158UL, 0x5005713CUL, 0xEDB88320UL, 0xF00F9344UL, 0xD6D6A3E8UL, 0xCB61B38CUL,
    0x9B64C2B0UL, 0x86D3D2D4UL, 0xA00AE278UL, 0xBDBDF21CUL};

uint32_t ts_crc32(uint32_t crc, const uint8_t *data, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *data++;
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
        crc = (crc >> 4) ^ crc_nibble[crc & 15u];
    }
    return ~crc;
}

size_t ts_frame_encode(uint8_t *out, size_t out_cap, uint8_t type, uint8_t stream,
                       uint16_t seq, const uint8_t *body, size_t body_len)
{
    uint8_t head[4], tail[4];
    uint32_t crc;
    size_t total, i, o = 1, code_i = 0;
    uint8_t code = 1;

    if (body_len > 0xFFFFu || out_cap < TS_ENCODED_MAX(body_len) || (body_len && !body))
        return 0;
    head[0] = type;
    head[1] = stream;
    head[2] = (uint8_t)seq;
    head[3] = (uint8_t)(seq >> 8);
    crc = ts_crc32(ts_crc32(0, head, 4), body, body_len);
    for (i = 0; i < 4; i++) tail[i] = (uint8_t)(crc >> (8 * i));
    total = body_len + TS_OVERHEAD;
    /* Single pass over the virtual payload head|body|tail, COBS-encoding as we go. */
    for (i = 0; i < total; i++) {
        uint8_t b = i < 4 ? head[i] : (i < 4 + body_len ? body[i - 4] : tail[i - 4 - body_len]);
        if (b) {
            out[o++] = b;
            code++;
        }
        if (!b || code == 0xFF) {
            out[code_i] = code;
            code = 1;
            code_i = o;
            if (!b || i + 1 < total) o++;
        }
    }
    if (code_i < o) out[code_i] = code; /* close the open block (not after a full 0xFF block at the end) */
    out[o++] = 0;
    return o;
}

void ts_decoder_init(ts_decoder *d, uint8_t *buf, size_t cap)
{
    memset(d, 0, sizeof *d);
    d->buf = buf;
    d->cap = cap;
}

int ts_decoder_feed(ts_decoder *d, uint8_t byte, ts_frame *f)
{
    size_t i = 0, o = 0, n;
    if (byte) {
        if (d->overflow) return 0;
        if (d->len >= d->cap) { /* longer than any legal frame: garbage until the next 0x00 */
            d->overflow = 1;
            d->framing_errors++;
            d->len = 0;
            return 0;
        }
        d->buf[d->len++] = byte;
        return 0;
    }
    n = d->len;
    d->len = 0;
    if (d->overflow) {
        d->overflow = 0;
        return 0;
    }
    if (!n) return 0; /* empty frames (extra delimiters) are ignored */
    /* COBS decode in place: the output index never overtakes the input index. */
    while (i < n) {
        uint8_t code = d->buf[i++];
        size_t k;
        if (code - 1u > n - i) {
            d->framing_errors++;
            return 0;
        }
        for (k = 1; k < code; k++) d->buf[o++] = d->buf[i++];
        if (code < 0xFF && i < n) d->buf[o++] = 0;
    }
    if (o < TS_OVERHEAD) {
        d->framing_errors++;
        return 0;
    }
    if (ts_crc32(0, d->buf, o) != TS_CRC_RESIDUE) {
        d->crc_errors++;
        return 0;
    }
    f->type = d->buf[0];
    f->stream = d->buf[1];
    f->seq = (uint16_t)(d->buf[2] | (d->buf[3] << 8));
    f->body = d->buf + 4;
    f->len = o - TS_OVERHEAD;
    d->frames++;
    return 1;
}

void ts_w_init(ts_writer *w, uint8_t *buf, size_t cap)
{
    w->p = buf;
    w->cap = cap;
    w->len = 0;
    w->err = 0;
}

void ts_w_bytes(ts_writer *w, const void *data, size_t n)
{
    if (w->err || n > w->cap - w->len) {
        w->err = 1;
        return;
    }
    if (n) memcpy(w->p + w->len, data, n);
    w->len += n;
}

void ts_w_u8(ts_writer *w, uint8_t v) { ts_w_bytes(w, &v, 1); }

void ts_w_u16(ts_writer *w, uint16_t v)
{
    uint8_t b[2];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    ts_w_bytes(w, b, 2);
}

void ts_w_u32(ts_writer *w, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
    ts_w_bytes(w, b, 4);
}

void ts_w_f32(ts_writer *w, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    ts_w_u32(w, u);
}

void ts_w_str(ts_writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > 255) {
        w->err = 1;
        return;
    }
    ts_w_u8(w, (uint8_t)n);
    ts_w_bytes(w, s, n);
}

void ts_r_init(ts_reader *r, const uint8_t *data, size_t len)
{
    r->p = data;
    r->len = len;
    r->pos = 0;
    r->err = 0;
}

const uint8_t *ts_r_take(ts_reader *r, size_t n)
{
    const uint8_t *p;
    if (r->err || n > r->len - r->pos) {
        r->err = 1;
        return NULL;
    }
    p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint32_t ts_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

float ts_get_f32(const uint8_t *p)
{
    uint32_t u = ts_get_u32(p);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

uint8_t ts_r_u8(ts_reader *r)
{
    const uint8_t *p = ts_r_take(r, 1);
    return p ? p[0] : 0;
}

uint16_t ts_r_u16(ts_reader *r)
{
    const uint8_t *p = ts_r_take(r, 2);
    return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

uint32_t ts_r_u32(ts_reader *r)
{
    const uint8_t *p = ts_r_take(r, 4);
    return p ? ts_get_u32(p) : 0;
}

float ts_r_f32(ts_reader *r)
{
    const uint8_t *p = ts_r_take(r, 4);
    return p ? ts_get_f32(p) : 0.0f;
}
