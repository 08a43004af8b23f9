/* TinyStudio recorder core: the double-buffered model slot (protocol.md section 6).
 *
 * Why: "an interrupted upload leaves the old model running" is the promise that makes
 * trying a new model over the cable safe. The slot splits a caller-provided static buffer
 * into two halves: the active model runs from one while chunks arrive, strictly in order,
 * into the other; MODEL_COMMIT verifies total and CRC-32, lets the board's TFLM glue load
 * the new model, and only then swaps. Pure state machine: frames in, reply bodies out.
 */
#ifndef TS_MODEL_SLOT_H
#define TS_MODEL_SLOT_H

#include "ts_messages.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TS_DESC_MAX
#define TS_DESC_MAX 512u /* largest model descriptor a board keeps */
#endif
#define TS_ACK_EVERY 4u  /* MODEL_ACK at least every this many chunks */

/* Board glue: make `model` the running model (build the interpreter, allocate tensors).
 * Returns TS_OK, or e.g. TS_MODEL_INVALID / TS_TOO_LARGE (arena). On failure the slot
 * calls it again with the previous model, if there is one, to bring that one back.
 * `model` and `descriptor` (and the memory it points into) stay valid for as long as
 * that model is the active one, so the glue may keep both pointers. */
typedef uint8_t (*ts_load_fn)(void *ctx, const uint8_t *model, uint32_t model_bytes,
                              const ts_descriptor *descriptor, uint32_t *arena_used);

typedef struct {
    uint8_t *mem;    /* two halves of `half` bytes, each 16-byte aligned */
    uint32_t half;
    ts_load_fn load;
    void *ctx;
    int8_t active;   /* -1: no model, else index of the active half */
    uint32_t active_bytes, active_crc, arena_used;
    uint16_t desc_len[2];
    uint8_t desc[2][TS_DESC_MAX];
    ts_descriptor parsed[2]; /* descriptor of each half, parsed in place */
    uint8_t receiving, gap_acked, since_ack;
    uint16_t transfer_id;
    uint32_t total, expected_crc, next_offset, last_offset;
} ts_model_slot;

/* mem should be 16-byte aligned (TFLM flatbuffers); each half is floor(mem_bytes/32)*16. */
void ts_slot_init(ts_model_slot *s, uint8_t *mem, uint32_t mem_bytes, ts_load_fn load, void *ctx);
/* Handles MODEL_BEGIN/CHUNK/COMMIT/STATUS/ABORT. Writes the reply body to out and returns
 * the reply type (TS_MODEL_ACK or TS_MODEL_STATUS), or 0 when no reply is due. */
uint8_t ts_slot_handle(ts_model_slot *s, const ts_frame *f, uint8_t *out, size_t cap,
                       size_t *out_len);
/* The running model, or NULL when there is none. */
const uint8_t *ts_slot_active(const ts_model_slot *s, uint32_t *bytes, const ts_descriptor **d);

#ifdef __cplusplus
}
#endif
#endif
