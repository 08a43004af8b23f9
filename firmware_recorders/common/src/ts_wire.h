/* TinyStudio recorder core: CRC-32, COBS framing and bounded byte readers/writers.
 *
 * Why: every board needs exactly one CRC routine and one frame codec (docs/protocol.md
 * section 1). This file is C99, allocation-free and knows nothing about boards, so the
 * same code is unit-tested and fuzzed on the host and cross-compiled for Cortex-M.
 */
#ifndef TS_WIRE_H
#define TS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_PROTOCOL_VERSION 1u
#define TS_MAX_BODY 1024u
#define TS_HEADER_BYTES 4u
#define TS_OVERHEAD 8u /* header + CRC */
#define TS_NO_STREAM 0xFFu
#define TS_CRC_RESIDUE 0x2144DF1CUL
/* Encoded size (COBS + delimiter) of a frame with a body of n bytes. */
#define TS_ENCODED_MAX(n) ((n) + TS_OVERHEAD + ((n) + TS_OVERHEAD) / 254u + 2u)

/* Message types (protocol.md section 2). */
enum {
    TS_HELLO = 0x01, TS_GET_INFO = 0x02, TS_PING = 0x03, TS_PONG = 0x04,
    TS_START = 0x05, TS_STOP = 0x06, TS_ACK = 0x07, TS_LOG = 0x08, TS_ERROR = 0x09,
    TS_SAMPLES = 0x10, TS_CAMERA_CHUNK = 0x11,
    TS_MODEL_BEGIN = 0x20, TS_MODEL_CHUNK = 0x21, TS_MODEL_ACK = 0x22,
    TS_MODEL_COMMIT = 0x23, TS_MODEL_STATUS = 0x24, TS_MODEL_ABORT = 0x25,
    TS_INFERENCE = 0x30, TS_RUN_INPUT = 0x31, TS_RUN_OUTPUT = 0x32,
    TS_FAULT = 0x7F
};

/* Status codes. */
enum {
    TS_OK = 0, TS_UNKNOWN_SENSOR = 1, TS_UNSUPPORTED = 2, TS_BAD_REQUEST = 3,
    TS_TOO_LARGE = 4, TS_CRC_MISMATCH = 5, TS_BUSY = 6, TS_NO_MODEL = 7,
    TS_MODEL_INVALID = 8, TS_INTERNAL = 9
};

/* CRC-32 (zlib/IEEE). Start with crc = 0 and feed pieces: ts_crc32(ts_crc32(0, a), b). */
uint32_t ts_crc32(uint32_t crc, const uint8_t *data, size_t n);

/* Encodes one frame (COBS + 0x00 delimiter) into out. Returns the encoded length, or 0 if
 * out_cap < TS_ENCODED_MAX(body_len) or body_len > 0xFFFF. */
size_t ts_frame_encode(uint8_t *out, size_t out_cap, uint8_t type, uint8_t stream,
                       uint16_t seq, const uint8_t *body, size_t body_len);

typedef struct {
    uint8_t type;
    uint8_t stream;
    uint16_t seq;
    const uint8_t *body; /* points into the decoder buffer; valid until the next feed */
    size_t len;
} ts_frame;

/* Streaming decoder over a caller-provided buffer (TS_ENCODED_MAX(max_body) bytes). */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    uint8_t overflow;
    uint32_t frames, crc_errors, framing_errors;
} ts_decoder;

void ts_decoder_init(ts_decoder *d, uint8_t *buf, size_t cap);
/* Feeds one byte; returns 1 and fills *f when it completes a valid frame. Damaged data is
 * counted and skipped; an over-long frame is dropped up to the next delimiter. */
int ts_decoder_feed(ts_decoder *d, uint8_t byte, ts_frame *f);

/* Bounded little-endian writer: any overflow sets err and later writes are ignored. */
typedef struct {
    uint8_t *p;
    size_t cap, len;
    uint8_t err;
} ts_writer;

void ts_w_init(ts_writer *w, uint8_t *buf, size_t cap);
void ts_w_u8(ts_writer *w, uint8_t v);
void ts_w_u16(ts_writer *w, uint16_t v);
void ts_w_u32(ts_writer *w, uint32_t v);
void ts_w_f32(ts_writer *w, float v);
void ts_w_bytes(ts_writer *w, const void *data, size_t n);
/* str: u8 length + UTF-8 bytes (NULL is ""); longer than 255 bytes sets err. */
void ts_w_str(ts_writer *w, const char *s);

/* Bounded little-endian reader: reading past the end sets err and returns zeros. */
typedef struct {
    const uint8_t *p;
    size_t len, pos;
    uint8_t err;
} ts_reader;

void ts_r_init(ts_reader *r, const uint8_t *data, size_t len);
uint8_t ts_r_u8(ts_reader *r);
uint16_t ts_r_u16(ts_reader *r);
uint32_t ts_r_u32(ts_reader *r);
float ts_r_f32(ts_reader *r);
/* Returns a pointer to the next n bytes (NULL and err if they are not there). */
const uint8_t *ts_r_take(ts_reader *r, size_t n);

uint32_t ts_get_u32(const uint8_t *p);
float ts_get_f32(const uint8_t *p);

#ifdef __cplusplus
}
#endif
#endif
