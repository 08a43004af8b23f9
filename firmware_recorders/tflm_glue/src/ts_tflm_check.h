/* TinyStudio recorder: check an uploaded model against this firmware before TFLM sees it.
 *
 * Why: a model that needs an op the glue does not register (ts_tflm_ops.h) fails deep
 * inside TFLM's AllocateTensors with nothing but a log line on a UART nobody reads. This
 * check walks the .tflite flatbuffer itself -- identifier "TFL3", schema version, the
 * operator_codes against the glue's op table, the int8 input/output tensors against the
 * descriptor -- and names what is wrong. The TFLM glue runs it first; a board without
 * TFLM (the emulated qemu_mps2 board) runs it alone, so both refuse the same models with
 * the same reply: LOG(ERROR, why) + MODEL_STATUS(status). Portable C99, bounds-checked
 * (a model is untrusted input), no allocation.
 */
#ifndef TS_TFLM_CHECK_H
#define TS_TFLM_CHECK_H

#include <TinyStudioRecorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the check learnt about the model (valid when it returns TS_OK). */
typedef struct {
    uint32_t n_op_codes;
    uint32_t input_bytes, output_bytes;
} ts_tflm_model_info;

/* Returns TS_OK, TS_MODEL_INVALID (not TFLite, damaged, unregistered op, tensors that do
 * not match the descriptor or the glue's buffers) or TS_UNSUPPORTED (a front end this
 * firmware lacks); writes a one-line reason to why (NUL-terminated, at most cap bytes).
 * max_input/max_output: the glue's RUN_INPUT buffer and INFERENCE score limits. */
uint8_t ts_tflm_check(const uint8_t *model, uint32_t model_bytes, const ts_descriptor *d,
                      uint32_t max_input, uint32_t max_output, ts_tflm_model_info *info,
                      char *why, size_t cap);

/* 1 if the glue registers builtin op `code` (in the table, and the library has it). */
int ts_tflm_has_op(int32_t code);
/* 1 if op `code` is in the table but the TFLM library of this build lacks it. */
int ts_tflm_library_lacks(int32_t code);
/* Name of builtin op `code` ("BUILTIN_<n>" style is the caller's job if NULL). */
const char *ts_tflm_op_name(int32_t code);

#ifdef __cplusplus
}
#endif
#endif
