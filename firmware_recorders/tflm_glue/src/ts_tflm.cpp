/* TensorFlow Lite Micro glue (see ts_tflm.h).
 *
 * What a port gets for free and what it must not need: nothing here is constructed before
 * ts_tflm_begin() (the resolver and the interpreter are placement-new'd into static
 * storage), so a port whose startup code runs no C++ constructors -- and links without
 * __dso_handle or atexit -- works; the clock is the port's hook, not Arduino's micros();
 * an Arduino library header is included only when ARDUINO is defined.
 */
#include "ts_image.h"
#include "ts_tflm.h"
#include "ts_tflm_check.h"
#include "ts_tflm_log.h"
#include "ts_tflm_ops.h"

#include <new>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The TFLM library, per build (ts_tflm_ops.h names it; docs/porting.md has the flags). */
#if defined(TS_TFLM_LIB_IS_ESP32)
/* TensorFlowLite_ESP32 1.0.0: an older TFLM whose interpreter takes an ErrorReporter. */
#include <TensorFlowLite_ESP32.h>
#include "tensorflow/lite/micro/micro_error_reporter.h"
#define TS_TFLM_ERROR_REPORTER 1
#elif defined(ARDUINO)
#include <Chirale_TensorFlowLite.h>
#endif
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
#if defined(TS_TFLM_LIB_IS_UPSTREAM) && defined(TS_TFLM_INT8_KERNELS)
/* int8-only kernels (TFLM's Register_*_INT8): CMSIS-NN links only its int8 code paths. */
#include "tensorflow/lite/micro/kernels/conv.h"
#include "tensorflow/lite/micro/kernels/depthwise_conv.h"
#include "tensorflow/lite/micro/kernels/fully_connected.h"
#endif
#if defined(TS_TFLM_LIB_IS_UPSTREAM) && !defined(TS_TFLM_DEBUGLOG_DEFINE)
/* Upstream TFLM built for cortex_m_generic (the emulated board) takes a callback. */
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"
#endif

/* ------------------------------------------------------------ TFLM's log text */
/* Every route ends in ts_tflm_log_text(), so no TFLM text reaches the link unframed:
 *  - upstream TFLM built for cortex_m_generic (the emulated board): its DebugLog calls
 *    the callback registered in ts_tflm_begin;
 *  - upstream with -DTS_TFLM_DEBUGLOG_DEFINE (a TFLM build without a target debug_log.cc,
 *    e.g. a port compiling TFLM's sources itself): the glue defines DebugLog;
 *  - Chirale_TensorFlowLite 2.0.0: its DebugLog (system_setup.cpp) is Serial.print; built
 *    with -DARDUINO_EXCLUDE_CODE it has none, and the glue defines it;
 *  - TensorFlowLite_ESP32 1.0.0: its DebugLog is fprintf(stderr), stderr being UART0 --
 *    the link. The interpreter's ErrorReporter is ours, and stderr is reopened onto the
 *    LOG sink in ts_tflm_begin (funopen, ESP-IDF's newlib). */
#if defined(TS_TFLM_LIB_IS_CHIRALE)
#ifndef ARDUINO_EXCLUDE_CODE
#error "build with -DARDUINO_EXCLUDE_CODE (compiler.cpp.extra_flags / build_flags): Chirale_TensorFlowLite's own DebugLog prints TFLM's log text onto the serial link"
#endif
extern "C" void DebugLog(const char *s)
{
    ts_tflm_log_text(s);
}
#elif defined(TS_TFLM_LIB_IS_UPSTREAM) && defined(TS_TFLM_DEBUGLOG_DEFINE)
extern "C" void DebugLog(const char *format, va_list args)
{
    char line[TS_TFLM_LOG_LINE];
    vsnprintf(line, sizeof line, format, args);
    ts_tflm_log_text(line);
}
extern "C" int DebugVsnprintf(char *buffer, size_t size, const char *format, va_list args)
{
    return vsnprintf(buffer, size, format, args);
}
#elif defined(TS_TFLM_LIB_IS_UPSTREAM)
#define TS_TFLM_LOG_CALLBACK 1
#endif

namespace {

#ifdef TS_TFLM_ERROR_REPORTER
/* The interpreter reports allocation and op errors here: LOG frames, not stderr. */
class LogReporter : public tflite::ErrorReporter {
  public:
    int Report(const char *format, va_list args) override
    {
        char line[TS_TFLM_LOG_LINE];
        int n = vsnprintf(line, sizeof line, format, args);
        ts_tflm_log_text(line);
        ts_tflm_log_flush();
        return n;
    }
};
alignas(LogReporter) uint8_t g_reporter_mem[sizeof(LogReporter)];
LogReporter *g_reporter;

/* stderr, reopened: what TFLM's DebugLog prints becomes LOG frames. */
int stderr_write(void *, const char *buf, int n)
{
    char piece[33];
    for (int i = 0; i < n;) {
        int k = 0;
        while (k < 32 && i < n) piece[k++] = buf[i++];
        piece[k] = 0;
        ts_tflm_log_text(piece);
    }
    return n;
}

void capture_stderr()
{
    FILE *f = funopen(nullptr, nullptr, stderr_write, nullptr, nullptr);
    if (f == nullptr) return;
    setvbuf(f, nullptr, _IONBF, 0);
    stderr = f;
}
#endif

/* ------------------------------------------------------------- the op table */
using Resolver = tflite::MicroMutableOpResolver<TS_TFLM_N_OPS>;

/* Per row of ts_tflm_ops.h: does this library's resolver have the method? (The overload
 * taking int is viable only if r->method() compiles.) Lacked<> is the table's claim. */
struct Yes { static const bool value = true; };
struct No { static const bool value = false; };
template <int lib, int code> struct Lacked { static const bool value = false; };
#define TS_TFLM_LACKED_(lib, name) \
    template <> struct Lacked<TS_LIB_##lib, TS_OP_##name> { static const bool value = true; };
TS_TFLM_LIBRARY_LACKS(TS_TFLM_LACKED_)
#undef TS_TFLM_LACKED_

#define TS_TFLM_PROBE_(name, code, method)                                                  \
    template <class R> auto has_##method(R *r, int) -> decltype(r->method(), Yes());        \
    template <class R> No has_##method(R *, long);                                          \
    template <class R> auto add_##method(R *r, int) -> decltype(r->method(), bool())        \
    {                                                                                       \
        return r->method() == kTfLiteOk;                                                    \
    }                                                                                       \
    template <class R> bool add_##method(R *, long) { return false; }                       \
    static_assert(decltype(has_##method(static_cast<Resolver *>(nullptr), 0))::value ==     \
                      !Lacked<TS_LIB_CURRENT, code>::value,                                 \
                  "ts_tflm_ops.h: TS_TFLM_LIBRARY_LACKS is wrong about " #name " for "      \
                  TS_TFLM_LIBRARY_NAME);
TS_TFLM_OPS(TS_TFLM_PROBE_)
#undef TS_TFLM_PROBE_

/* -------------------------------------------------------------- glue state */
ts_device *g_dev;
uint8_t *g_arena;
size_t g_arena_bytes;
ts_tflm_clock_us g_clock;
alignas(Resolver) uint8_t g_resolver_mem[sizeof(Resolver)];
Resolver *g_resolver;
alignas(tflite::MicroInterpreter) uint8_t g_interp_mem[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter *g_interp;
const ts_descriptor *g_desc; /* points into the model slot: stable while active */
ts_window g_window;
int8_t g_window_buf[4096];
uint8_t g_run_buf[9216]; /* RUN_INPUT tensor (96 x 96 GRAY8 at most) */
uint32_t g_window_index;
uint16_t g_inference_seq;
uint32_t g_input_bytes;

#ifdef TS_TFLM_LOG_CALLBACK
void debug_log_line(const char *s)
{
    ts_tflm_log_text(s);
}
#endif

/* Ops registered with an int8-only kernel instead (-DTS_TFLM_INT8_KERNELS, upstream):
 * every studio model is int8 end to end; a float op would be refused by TFLM's Prepare,
 * whose text reaches the host as LOG frames. */
bool int8_only(int code)
{
#if defined(TS_TFLM_LIB_IS_UPSTREAM) && defined(TS_TFLM_INT8_KERNELS)
    return code == TS_OP_CONV_2D || code == TS_OP_DEPTHWISE_CONV_2D || code == TS_OP_FULLY_CONNECTED;
#else
    (void)code;
    return false;
#endif
}

void register_ops()
{
    g_resolver = new (g_resolver_mem) Resolver();
#define TS_TFLM_REGISTER_(name, code, method) \
    if (!int8_only(code)) (void)add_##method(g_resolver, 0);
    TS_TFLM_OPS(TS_TFLM_REGISTER_)
#undef TS_TFLM_REGISTER_
#if defined(TS_TFLM_LIB_IS_UPSTREAM) && defined(TS_TFLM_INT8_KERNELS)
    g_resolver->AddConv2D(tflite::Register_CONV_2D_INT8());
    g_resolver->AddDepthwiseConv2D(tflite::Register_DEPTHWISE_CONV_2D_INT8());
    g_resolver->AddFullyConnected(tflite::Register_FULLY_CONNECTED_INT8());
#endif
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
    uint32_t t0 = g_clock();
    TfLiteStatus st = g_interp->Invoke();
    *latency_us = g_clock() - t0;
    ts_tflm_log_flush();
    if (st != kTfLiteOk) return TS_INTERNAL;
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

/* Builds the interpreter over the model and allocates its tensors; TFLM's own reason for
 * a failure has gone out as LOG frames by the time this returns. */
bool build_interpreter(const tflite::Model *m)
{
#ifdef TS_TFLM_ERROR_REPORTER
    g_interp = new (g_interp_mem)
        tflite::MicroInterpreter(m, *g_resolver, g_arena, g_arena_bytes, g_reporter);
#else
    g_interp = new (g_interp_mem) tflite::MicroInterpreter(m, *g_resolver, g_arena, g_arena_bytes);
#endif
    TfLiteStatus st = g_interp->AllocateTensors();
    ts_tflm_log_flush();
    return st == kTfLiteOk;
}

}  // namespace

void ts_tflm_begin(ts_device *dev, uint8_t *arena, size_t arena_bytes, ts_tflm_clock_us clock_us)
{
    g_dev = dev;
    g_arena = arena;
    g_arena_bytes = arena_bytes;
    g_clock = clock_us;
    ts_tflm_log_begin(dev, TS_LOG_ERROR);
#ifdef TS_TFLM_LOG_CALLBACK
    RegisterDebugLogCallback(debug_log_line);
#endif
#ifdef TS_TFLM_ERROR_REPORTER
    g_reporter = new (g_reporter_mem) LogReporter();
    capture_stderr();
#endif
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
    if (!build_interpreter(m)) {
        drop_interpreter();
        ts_device_log(g_dev, TS_LOG_ERROR, "AllocateTensors failed (TFLM's reason above)");
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

const ts_descriptor *ts_tflm_descriptor(void)
{
    return g_desc;
}

int8_t *ts_tflm_input(uint32_t *bytes)
{
    if (!g_desc) return nullptr;
    if (bytes) *bytes = g_input_bytes;
    return g_interp->input(0)->data.int8;
}

void ts_tflm_infer_live(void)
{
    if (g_desc) run_live_window();
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
    int h = in->dims->data[1], w = in->dims->data[2], c = in->dims->size > 3 ? in->dims->data[3] : 1;
    /* The host's own definition (tinystudio.dsp.image): luma, half-pixel bilinear resize,
     * q = round(pixel / input_scale) + zero_point (ts_image.c; tests/firmware). */
    if (ts_image_prepare(gray, width, height, TS_IMG_GRAY8, (uint16_t)w, (uint16_t)h, (uint8_t)c,
                         g_desc->input_scale, g_desc->input_zero_point, in->data.int8) != 0)
        return 0;
    run_live_window();
    return 1;
}
