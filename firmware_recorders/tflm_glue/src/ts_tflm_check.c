/* Check a .tflite model against this firmware's op table (see ts_tflm_check.h).
 *
 * A minimal FlatBuffers reader: only the fields the check needs (schema.fbs: Model.version
 * = field 0, operator_codes = 1, subgraphs = 2; OperatorCode.deprecated_builtin_code = 0,
 * custom_code = 1, builtin_code = 3; SubGraph.tensors = 0, inputs = 1, outputs = 2;
 * Tensor.shape = 0, type = 1). Every read is bounds-checked; a bad offset marks the model
 * damaged instead of reading past the slot.
 */
#include "ts_tflm_check.h"

#include <string.h>

#include "ts_tflite_names.h"
#include "ts_tflm_ops.h"

#define TFL_SCHEMA_VERSION 3u
#define TFL_CUSTOM 32
#define TFL_INT8 9u

#define TS_TFLM_OP_CODE_(name, code, method) code,
static const int16_t op_codes[] = {TS_TFLM_OPS(TS_TFLM_OP_CODE_)};
/* The ops of the table that the library this build links lacks (-1: another library's row). */
#define TS_TFLM_LACK_CODE_(lib, name) (TS_LIB_##lib == TS_LIB_CURRENT ? TS_OP_##name : -1),
static const int16_t lacked_codes[] = {TS_TFLM_LIBRARY_LACKS(TS_TFLM_LACK_CODE_) - 1};

int ts_tflm_library_lacks(int32_t code)
{
    size_t i;
    for (i = 0; i < sizeof lacked_codes / sizeof lacked_codes[0]; i++)
        if (lacked_codes[i] == code && code >= 0) return 1;
    return 0;
}

int ts_tflm_has_op(int32_t code)
{
    size_t i;
    if (ts_tflm_library_lacks(code)) return 0;
    for (i = 0; i < sizeof op_codes / sizeof op_codes[0]; i++)
        if (op_codes[i] == code) return 1;
    return 0;
}

const char *ts_tflm_op_name(int32_t code)
{
    return code >= 0 && (uint32_t)code < TS_TFLITE_N_BUILTINS ? ts_tflite_builtin_names[code] : NULL;
}

typedef struct {
    const uint8_t *p;
    uint32_t n;
    int bad;
} fb;

static uint32_t rd(fb *b, uint32_t off, uint32_t size)
{
    uint32_t v = 0, i;
    if (b->bad || off > b->n || b->n - off < size) {
        b->bad = 1;
        return 0;
    }
    for (i = 0; i < size; i++) v |= (uint32_t)b->p[off + i] << (8u * i);
    return v;
}

/* Position of a uoffset's target. */
static uint32_t deref(fb *b, uint32_t pos)
{
    uint32_t o = rd(b, pos, 4);
    if (b->bad || o > b->n - pos) {
        b->bad = 1;
        return 0;
    }
    return pos + o;
}

/* Position of field f of the table at t, or 0 if the field is absent. */
static uint32_t field(fb *b, uint32_t t, uint32_t f)
{
    uint32_t so = rd(b, t, 4), vt, vsize, fo;
    if (b->bad) return 0;
    vt = t - so; /* soffset: vtable = table - soffset, wrapping on purpose */
    if ((int32_t)so > 0 ? so > t : 0u - so > b->n - t) {
        b->bad = 1;
        return 0;
    }
    vsize = rd(b, vt, 2);
    if (b->bad || 4u + 2u * f + 2u > vsize) return 0;
    fo = rd(b, vt + 4u + 2u * f, 2);
    return fo ? t + fo : 0;
}

/* A vector field: element count in *len, position of the first element returned. */
static uint32_t vec(fb *b, uint32_t t, uint32_t f, uint32_t elem, uint32_t *len)
{
    uint32_t pos = field(b, t, f), v;
    *len = 0;
    if (!pos) return 0;
    v = deref(b, pos);
    *len = rd(b, v, 4);
    if (b->bad || *len > (b->n - v - 4u) / elem) {
        b->bad = 1;
        *len = 0;
        return 0;
    }
    return v + 4u;
}

static void say(char *why, size_t cap, const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3];
    int i;
    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    if (!cap) return;
    for (i = 0; i < 3; i++)
        while (parts[i] && *parts[i] && n + 1 < cap) why[n++] = *parts[i]++;
    why[n] = 0;
}

static void u32_text(uint32_t v, char out[11])
{
    char tmp[11];
    int i = 0, j = 0;
    do tmp[i++] = (char)('0' + v % 10u); while ((v /= 10u) && i < 10);
    while (i) out[j++] = tmp[--i];
    out[j] = 0;
}

/* Checks every operator code; returns TS_OK or TS_MODEL_INVALID with the op named. */
static uint8_t check_ops(fb *b, uint32_t model, ts_tflm_model_info *info, char *why, size_t cap)
{
    uint32_t n, i, at = vec(b, model, 1, 4, &n);
    char num[11], name[40];
    for (i = 0; i < n && !b->bad; i++) {
        uint32_t oc = deref(b, at + 4u * i), f;
        int32_t dep = 0, code = 0;
        if ((f = field(b, oc, 0)) != 0) dep = (int8_t)rd(b, f, 1);
        if ((f = field(b, oc, 3)) != 0) code = (int32_t)rd(b, f, 4);
        if (dep > code) code = dep; /* as TFLite's GetBuiltinCode */
        if (b->bad) break;
        if (code == TFL_CUSTOM) {
            uint32_t s = field(b, oc, 1), len = 0, k;
            if (s) {
                s = deref(b, s);
                len = rd(b, s, 4);
                if (b->bad || len > b->n - s - 4u) return TS_MODEL_INVALID;
            }
            for (k = 0; k < len && k + 1 < sizeof name; k++) name[k] = (char)b->p[s + 4u + k];
            name[k] = 0;
            say(why, cap, "model needs custom op ", name, ", which this firmware does not register");
            return TS_MODEL_INVALID;
        }
        if (!ts_tflm_has_op(code)) {
            const char *known = ts_tflm_op_name(code);
            u32_text((uint32_t)code, num);
            say(why, cap, "model needs op ", known ? known : num,
                ts_tflm_library_lacks(code)
                    ? ", which this firmware's TFLM library (" TS_TFLM_LIBRARY_NAME ") lacks"
                    : ", which this firmware does not register (tflm_glue/src/ts_tflm_ops.h)");
            return TS_MODEL_INVALID;
        }
    }
    info->n_op_codes = n;
    return TS_OK;
}

/* Bytes of tensor number `index` of subgraph sg if it is int8, else 0 (type or shape). */
static uint32_t int8_tensor_bytes(fb *b, uint32_t sg, uint32_t list_field)
{
    uint32_t n_tensors, n_list, dims, i, t, f, bytes = 1;
    uint32_t tensors = vec(b, sg, 0, 4, &n_tensors);
    uint32_t list = vec(b, sg, list_field, 4, &n_list);
    uint32_t index = n_list ? rd(b, list, 4) : 0xFFFFFFFFu;
    if (b->bad || index >= n_tensors) return 0;
    t = deref(b, tensors + 4u * index);
    f = field(b, t, 1);
    if (!f || rd(b, f, 1) != TFL_INT8) return 0;
    f = vec(b, t, 0, 4, &dims);
    for (i = 0; i < dims && !b->bad; i++) {
        uint32_t d = rd(b, f + 4u * i, 4);
        if (d == 0 || d > 0x7FFFFFFFu || bytes > 0x7FFFFFFFu / d) return 0;
        bytes *= d;
    }
    return b->bad ? 0 : bytes;
}

uint8_t ts_tflm_check(const uint8_t *model, uint32_t model_bytes, const ts_descriptor *d,
                      uint32_t max_input, uint32_t max_output, ts_tflm_model_info *info,
                      char *why, size_t cap)
{
    fb b;
    uint32_t root, f, version = 0, n_sub, sub;
    uint32_t expect = d->frontend == TS_FRONTEND_IMAGE ? 0 : (uint32_t)d->window * d->n_channels;
    char num[11];
    uint8_t st;
    b.p = model;
    b.n = model_bytes;
    b.bad = 0;
    memset(info, 0, sizeof *info);
    say(why, cap, "", NULL, NULL);
    if (model_bytes < 8 || memcmp(model + 4, "TFL3", 4) != 0) {
        say(why, cap, "model is not a TensorFlow Lite flatbuffer (no TFL3 identifier)", NULL, NULL);
        return TS_MODEL_INVALID;
    }
    root = deref(&b, 0);
    if ((f = field(&b, root, 0)) != 0) version = rd(&b, f, 4);
    if (!b.bad && version != TFL_SCHEMA_VERSION) {
        u32_text(version, num);
        say(why, cap, "model has TFLite schema version ", num, "; this firmware reads version 3");
        return TS_MODEL_INVALID;
    }
    if (d->frontend == TS_FRONTEND_MICRO_SPEECH) {
        /* Needs the TFLM signal ops to run audio_preprocessor_int8.tflite on the board;
         * the Arduino TFLM libraries listed in the READMEs do not ship them. */
        say(why, cap, "MICRO_SPEECH front end is not built into this firmware", NULL, NULL);
        return TS_UNSUPPORTED;
    }
#ifndef TS_HAVE_MICROFRONTEND
    if (d->frontend == TS_FRONTEND_MICROFRONTEND) {
        /* The keyword front end (ts_audio_frontend.c) is compiled in only when the build
         * found the pymicro-features sdist (docs/keywords.md). */
        say(why, cap, "keyword front end (microfrontend) is not built into this firmware", NULL, NULL);
        return TS_UNSUPPORTED;
    }
#endif
    if (d->frontend == TS_FRONTEND_MICROFRONTEND && d->n_channels != 40) {
        say(why, cap, "keyword model descriptor must have 40 features per frame", NULL, NULL);
        return TS_MODEL_INVALID;
    }
    st = b.bad ? TS_MODEL_INVALID : check_ops(&b, root, info, why, cap);
    if (st != TS_OK && !b.bad) return st;
    sub = vec(&b, root, 2, 4, &n_sub);
    if (!b.bad && n_sub) {
        sub = deref(&b, sub);
        info->input_bytes = int8_tensor_bytes(&b, sub, 1);
        info->output_bytes = int8_tensor_bytes(&b, sub, 2);
    }
    if (b.bad || !n_sub) {
        say(why, cap, "model is damaged (a flatbuffer offset points outside the model)", NULL, NULL);
        return TS_MODEL_INVALID;
    }
    if (!info->input_bytes || !info->output_bytes || (expect && info->input_bytes != expect) ||
        info->input_bytes > max_input || info->output_bytes > max_output) {
        say(why, cap, "model tensors do not match its descriptor", NULL, NULL);
        return TS_MODEL_INVALID;
    }
    return TS_OK;
}
