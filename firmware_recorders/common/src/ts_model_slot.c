/* Double-buffered model slot (see ts_model_slot.h). */
#include "ts_model_slot.h"

#include <string.h>

void ts_slot_init(ts_model_slot *s, uint8_t *mem, uint32_t mem_bytes, ts_load_fn load, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->mem = mem;
    s->half = (mem_bytes / 32u) * 16u;
    s->load = load;
    s->ctx = ctx;
    s->active = -1;
}

const uint8_t *ts_slot_active(const ts_model_slot *s, uint32_t *bytes, const ts_descriptor **d)
{
    if (s->active < 0) return NULL;
    if (bytes) *bytes = s->active_bytes;
    if (d) *d = &s->parsed[s->active];
    return s->mem + (uint32_t)s->active * s->half;
}

static int inactive(const ts_model_slot *s) { return s->active == 0 ? 1 : 0; }

static uint8_t ack(const ts_model_slot *s, uint8_t status, uint8_t *out, size_t cap, size_t *len)
{
    *len = ts_encode_model_ack(out, cap, s->next_offset, status, s->half);
    return TS_MODEL_ACK;
}

static uint8_t status(const ts_model_slot *s, uint8_t st, uint8_t *out, size_t cap, size_t *len)
{
    int a = s->active;
    if (st == TS_OK && a < 0) st = TS_NO_MODEL;
    *len = ts_encode_model_status(out, cap, st, s->active_bytes, s->active_crc, s->arena_used,
                                  a < 0 ? NULL : s->desc[a], a < 0 ? 0 : s->desc_len[a]);
    return TS_MODEL_STATUS;
}

static uint8_t begin(ts_model_slot *s, const ts_frame *f, uint8_t *out, size_t cap, size_t *len)
{
    ts_model_begin b;
    ts_descriptor d;
    int h = inactive(s);
    s->receiving = 0; /* a new BEGIN discards any unfinished transfer */
    s->next_offset = 0;
    s->last_offset = 0;
    /* Same order of checks as the host's virtual board (tinystudio/devices/model_slot.py). */
    if (ts_parse_model_begin(f->body, f->len, &b) != TS_OK ||
        ts_parse_descriptor(b.descriptor, b.descriptor_bytes, &d) != TS_OK)
        return ack(s, TS_BAD_REQUEST, out, cap, len);
    if (b.total_bytes > s->half || b.descriptor_bytes > TS_DESC_MAX)
        return ack(s, TS_TOO_LARGE, out, cap, len);
    if (!b.total_bytes || !b.chunk_bytes || b.chunk_bytes > TS_MAX_BODY - 4u)
        return ack(s, TS_BAD_REQUEST, out, cap, len);
    memcpy(s->desc[h], b.descriptor, b.descriptor_bytes);
    s->desc_len[h] = b.descriptor_bytes;
    s->receiving = 1;
    s->gap_acked = 0;
    s->since_ack = 0;
    s->transfer_id = f->seq;
    s->last_offset = 0;
    s->total = b.total_bytes;
    s->expected_crc = b.model_crc32;
    return ack(s, TS_OK, out, cap, len);
}

/* In-order chunks only. A gap (or a chunk running past the end) is answered once with a
 * MODEL_ACK of status CRC_MISMATCH ("something was lost, resend from next_offset"); the
 * gap ACK is re-armed when a chunk is accepted or the host rewinds. Duplicates of stored
 * data and chunks of another transfer are dropped silently. */
static uint8_t chunk(ts_model_slot *s, const ts_frame *f, uint8_t *out, size_t cap, size_t *len)
{
    uint32_t offset, end;
    const uint8_t *data;
    size_t n;
    if (!s->receiving || f->seq != s->transfer_id ||
        ts_parse_model_chunk(f->body, f->len, &offset, &data, &n) != TS_OK)
        return 0;
    if (offset < s->last_offset) s->gap_acked = 0;
    s->last_offset = offset;
    end = offset + (uint32_t)n;
    if (offset != s->next_offset || !n || n > s->total - offset) {
        if (offset < s->next_offset && n <= s->next_offset - offset) return 0; /* duplicate */
        if (s->gap_acked) return 0;
        s->gap_acked = 1;
        s->since_ack = 0;
        return ack(s, TS_CRC_MISMATCH, out, cap, len);
    }
    memcpy(s->mem + (uint32_t)inactive(s) * s->half + offset, data, n);
    s->next_offset = end;
    s->gap_acked = 0;
    if (++s->since_ack >= TS_ACK_EVERY || s->next_offset == s->total) {
        s->since_ack = 0;
        return ack(s, TS_OK, out, cap, len);
    }
    return 0;
}

static uint8_t commit(ts_model_slot *s, uint8_t *out, size_t cap, size_t *len)
{
    int h = inactive(s);
    const uint8_t *model = s->mem + (uint32_t)h * s->half;
    ts_descriptor *d = &s->parsed[h];
    uint32_t arena = 0, crc;
    uint8_t st;
    if (!s->receiving || s->next_offset != s->total) return status(s, TS_BAD_REQUEST, out, cap, len);
    s->receiving = 0;
    crc = ts_crc32(0, model, s->total); /* over the slot memory itself, not the chunks seen */
    if (crc != s->expected_crc) return status(s, TS_CRC_MISMATCH, out, cap, len);
    if (ts_parse_descriptor(s->desc[h], s->desc_len[h], d) != TS_OK)
        return status(s, TS_MODEL_INVALID, out, cap, len);
    st = s->load ? s->load(s->ctx, model, s->total, d, &arena) : TS_OK;
    if (st != TS_OK) {
        if (s->active >= 0 && s->load) /* bring the previous model back */
            s->load(s->ctx, s->mem + (uint32_t)s->active * s->half, s->active_bytes,
                    &s->parsed[s->active], &s->arena_used);
        return status(s, st, out, cap, len);
    }
    s->active = (int8_t)h;
    s->active_bytes = s->total;
    s->active_crc = crc;
    s->arena_used = arena;
    return status(s, TS_OK, out, cap, len);
}

uint8_t ts_slot_handle(ts_model_slot *s, const ts_frame *f, uint8_t *out, size_t cap,
                       size_t *out_len)
{
    *out_len = 0;
    switch (f->type) {
    case TS_MODEL_BEGIN: return begin(s, f, out, cap, out_len);
    case TS_MODEL_CHUNK: return chunk(s, f, out, cap, out_len);
    case TS_MODEL_COMMIT: return commit(s, out, cap, out_len);
    case TS_MODEL_ABORT:
        s->receiving = 0;
        return status(s, TS_OK, out, cap, out_len);
    default: return status(s, TS_OK, out, cap, out_len);
    }
}
