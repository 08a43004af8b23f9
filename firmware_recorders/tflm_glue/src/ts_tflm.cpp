/* TensorFlow Lite Micro glue (see ts_tflm.h). NOT compiled in TinyStudio's CI. */
#include "ts_tflm.h"
#include "ts_tflm_check.h"
#include "ts_tflm_ops.h"

#include <Arduino.h>
#include <new>

/* The TFLM Arduino libraries differ in their umbrella header and in the age of the TFLM
 * they carry: TensorFlowLite_ESP32 1.0.0 still takes an ErrorReporter in the interpreter's
 * constructor. Build with -DTS_TFLM_CHIRALE to use Chirale_TensorFlowLite on an ESP32. */
#if defined(ARDUINO_ARCH_ESP32) && !defined(TS_TFLM_CHIRALE)
#include <TensorFlowLite_ESP32.h>
#include "tensorflow/lite/micro/micro_error_reporter.h"
#define TS_TFLM_ERROR_REPORTER 1
#else
#include <Chirale_TensorFlowLite.h>
#endif
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {

/* The ops of ts_tflm_ops.h: the table the host checks every model against. */
using Resolver = tflite::MicroMutableOpResolver<TS_TFLM_N_OPS>;

ts_device *g_dev;
uint8_t *g_arena;
size_t g_arena_bytes;
Resolver g_resolver;
alignas(tflite::MicroInterpreter) uint8_t g_interp_mem[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter *g_interp;
const ts_descriptor *g_desc; /* points into the model slot: stable while active */
ts_window g_window;
int8_t g_window_buf[4096];
uint8_t g_run_buf[9216]; /* RUN_INPUT tensor (96 x 96 GRAY8 at most) */
uint32_t g_window_index;
uint16_t g_inference_seq;
uint32_t g_input_bytes;

void register_ops()
{
#define TS_TFLM_REGISTER_(name, code, method) g_resolver.method();
    TS_TFLM_OPS(TS_TFLM_REGISTER_)
#undef TS_TFLM_REGISTER_
}

void drop_interpreter()
{
    if (g_interp) g_interp->~MicroInterpreter();
    g_interp = nullptr;
    g_desc = nullptr;
}

/* Runs the interpreter on its current input; copies the int8 output. */
uint8_t invoke(int8_t *out, size_t cap, size_t *out_len, uint32_t *latency_us)
{
    uint32_t t0 = micros();
    if (g_interp->Invoke() != kTfLiteOk) return TS_INTERNAL;
    *latency_us = micros() - t0;
    TfLiteTensor *o = g_interp->output(0);
    if (o->bytes > cap) return TS_TOO_LARGE;
    memcpy(out, o->data.int8, o->bytes);
    *out_len = o->bytes;
    return TS_OK;
}

/* Runs the model on its input tensor (filled by the caller) and streams INFERENCE. */
void run_live_window()
{
    int8_t scores[256];
    size_t n = 0;
    uint32_t latency = 0;
    if (invoke(scores, sizeof scores, &n, &latency) == TS_OK)
        ts_device_send_inference(g_dev, g_desc->sensor_id, &g_inference_seq, g_window_index++,
                                 latency, scores, (uint8_t)n, g_desc->output_scale,
                                 g_desc->output_zero_point);
}

}  // namespace

void ts_tflm_begin(ts_device *dev, uint8_t *arena, size_t arena_bytes)
{
    g_dev = dev;
    g_arena = arena;
    g_arena_bytes = arena_bytes;
    register_ops();
}

uint8_t ts_tflm_load(void *, const uint8_t *model, uint32_t model_bytes, const ts_descriptor *d,
                     uint32_t *arena_used)
{
    drop_interpreter();
    /* Identifier, schema version, front end, every op against ts_tflm_ops.h, int8 tensors
     * against the descriptor: the same check (and reply) as a board without TFLM. */
    ts_tflm_model_info mi;
    char why[128];
    uint8_t st = ts_tflm_check(model, model_bytes, d, sizeof g_run_buf, 255, &mi, why, sizeof why);
    if (st != TS_OK) {
        ts_device_log(g_dev, TS_LOG_ERROR, why);
        return st;
    }
    const tflite::Model *m = tflite::GetModel(model);
    if (m->version() != TFLITE_SCHEMA_VERSION) return TS_MODEL_INVALID;
#ifdef TS_TFLM_ERROR_REPORTER
    static tflite::MicroErrorReporter reporter;
    g_interp = new (g_interp_mem) tflite::MicroInterpreter(m, g_resolver, g_arena, g_arena_bytes, &reporter);
#else
    g_interp = new (g_interp_mem) tflite::MicroInterpreter(m, g_resolver, g_arena, g_arena_bytes);
#endif
    if (g_interp->AllocateTensors() != kTfLiteOk) {
        drop_interpreter();
        ts_device_log(g_dev, TS_LOG_ERROR, "AllocateTensors failed: arena too small or op missing");
        return TS_MODEL_INVALID;
    }
    TfLiteTensor *in = g_interp->input(0), *out = g_interp->output(0);
    uint32_t expect = d->frontend == TS_FRONTEND_IMAGE ? 0 : (uint32_t)d->window * d->n_channels;
    if (in->type != kTfLiteInt8 || out->type != kTfLiteInt8 || (expect && in->bytes != expect) ||
        in->bytes > sizeof g_run_buf || out->bytes > 255) {
        drop_interpreter();
        ts_device_log(g_dev, TS_LOG_ERROR, "model tensors do not match its descriptor");
        return TS_MODEL_INVALID;
    }
    g_input_bytes = in->bytes;
    if (d->frontend == TS_FRONTEND_RAW &&
        ts_window_init(&g_window, d, g_window_buf, sizeof g_window_buf) != TS_OK) {
        drop_interpreter();
        return TS_TOO_LARGE;
    }
    g_desc = d;
    g_window_index = 0;
    *arena_used = (uint32_t)g_interp->arena_used_bytes();
    return TS_OK;
}

uint8_t *ts_tflm_run_buffer(void *, uint32_t total)
{
    return (g_interp && total == g_input_bytes) ? g_run_buf : nullptr;
}

uint8_t ts_tflm_run(void *, const uint8_t *input, uint32_t n, uint8_t *out, size_t cap,
                    size_t *out_len, uint32_t *latency_us)
{
    if (!g_interp) return TS_NO_MODEL;
    /* The live window keeps its own buffer, so this request leaves the stream alone. */
    memcpy(g_interp->input(0)->data.int8, input, n);
    return invoke(reinterpret_cast<int8_t *>(out), cap, out_len, latency_us);
}

int ts_tflm_sensor(void)
{
    return g_desc ? g_desc->sensor_id : -1;
}

int ts_tflm_push_i16(uint8_t sensor_id, const int16_t *sample)
{
    if (!g_desc || g_desc->frontend != TS_FRONTEND_RAW || sensor_id != g_desc->sensor_id) return 0;
    if (!ts_device_streaming(g_dev, sensor_id)) { /* protocol.md 7: only while it streams; */
        ts_window_reset(&g_window);                /* windows restart with the stream */
        return 0;
    }
    if (!ts_window_push_i16(&g_window, sample)) return 0;
    memcpy(g_interp->input(0)->data.int8, g_window_buf, g_input_bytes);
    run_live_window();
    ts_window_advance(&g_window);
    return 1;
}

int ts_tflm_push_image(uint8_t sensor_id, const uint8_t *gray, uint16_t width, uint16_t height)
{
    if (!g_desc || g_desc->frontend != TS_FRONTEND_IMAGE || sensor_id != g_desc->sensor_id ||
        !ts_device_streaming(g_dev, sensor_id))
        return 0;
    TfLiteTensor *in = g_interp->input(0);
    int h = in->dims->data[1], w = in->dims->data[2];
    int8_t *dst = in->data.int8;
    /* tinystudio.dsp.image feeds 0..255 floats; quantize with the input tensor's params. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = gray[(y * height / h) * width + (x * width / w)];
            dst[y * w + x] =
                ts_quantize((float)v / g_desc->input_scale + (float)g_desc->input_zero_point);
        }
    run_live_window();
    return 1;
}
