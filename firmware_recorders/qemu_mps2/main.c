/* TinyStudio recorder for the emulated MPS2 AN386 board (Cortex-M4 under QEMU).
 *
 * A board file like any other (docs/porting.md): HELLO tables, the ts_hal, setup and
 * loop. The core (firmware_recorders/common) runs unchanged as Cortex-M4 machine code;
 * the sensors are synthetic (synth.c) and timed by the hardware timer; the model slot is
 * real. Built without TFLM (the default, and CI) its loader is the TFLM glue's own model
 * check (ts_tflm_check.c): a model is checked and kept, never run. Built with
 * `make TFLM_DIR=<tflite-micro checkout>` (TS_WITH_TFLM) it links the glue and a real TFLM
 * for Cortex-M4: models are loaded by TFLM, RUN_INPUT runs them and live IMU windows stream
 * INFERENCE (docs/emulated-board.md).
 */
#include <TinyStudioRecorder.h>

#include "mps2.h"
#include "synth.h"
#include "ts_tflm_check.h"
#ifdef TS_WITH_TFLM
#include "ts_tflm.h"
#ifdef TS_HAVE_MICROFRONTEND
#include "ts_kws.h"
#endif
#endif

#ifndef IMU_RATE_HZ
#define IMU_RATE_HZ 119u
#endif
#ifndef MIC_RATE_HZ
#define MIC_RATE_HZ 16000u
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

enum { SENSOR_IMU = 0, SENSOR_MIC = 1 };

/* ------------------------------------------------------------------ HELLO tables */
static const ts_channel_info imu_ch[6] = {
    {"aX", "g", 4.0f / 32768}, {"aY", "g", 4.0f / 32768}, {"aZ", "g", 4.0f / 32768},
    {"gX", "deg/s", 2000.0f / 32768}, {"gY", "deg/s", 2000.0f / 32768}, {"gZ", "deg/s", 2000.0f / 32768}};
static const ts_channel_info mic_ch[1] = {{"mic", "", 1.0f / 32768}};
static const ts_sensor_info sensors[2] = {
    {SENSOR_IMU, TS_KIND_IMU, TS_I16, 6, (float)IMU_RATE_HZ, "imu", imu_ch, 0, 0, 0},
    {SENSOR_MIC, TS_KIND_MICROPHONE, TS_I16, 1, (float)MIC_RATE_HZ, "mic", mic_ch, 0, 0, 0}};

#define SLOT_HALF (64u * 1024u)
#define RUN_INPUT_MAX 9216u /* the TFLM glue's RUN_INPUT buffer: the same limits */
#define OUTPUT_MAX 255u
#ifdef TS_WITH_TFLM
#ifndef ARENA_BYTES
#define ARENA_BYTES (48u * 1024u) /* as the Nano 33 BLE Sense's sketch */
#endif
#define BOARD_NAME "TinyStudio emulated board (QEMU MPS2 AN386, Cortex-M4, TFLM)"
#else
#define ARENA_BYTES 0u /* no TFLM arena */
#define BOARD_NAME "TinyStudio emulated board (QEMU MPS2 AN386, Cortex-M4)"
#endif
static const ts_device_info info = {BOARD_NAME, TS_FIRMWARE_VERSION, "" /* not in boards.json */,
                                    SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 2, sensors};

/* ----------------------------------------------------------------- static memory */
static uint8_t slot_mem[2 * SLOT_HALF] __attribute__((aligned(16)));
#ifdef TS_WITH_TFLM
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
#endif
static ts_device dev;
static ts_sampler imu_sampler, mic_sampler;
static uint8_t imu_buf[12 * 10]; /* 10 IMU samples per frame (84 ms) */
static uint8_t mic_buf[2 * 128]; /* 128 audio samples per frame (8 ms) */

/* A sensor's sample clock: sample k is due at timer tick k * PCLK / rate. Samples not
 * sent within `fifo` samples of their time are dropped, as a sensor FIFO overflows. */
typedef struct {
    uint32_t rate_hz, fifo;
    uint64_t next;    /* index of the next sample to produce */
    uint32_t dropped; /* samples lost to a full FIFO */
} sample_clock;

static sample_clock imu_clock = {IMU_RATE_HZ, 32u, 0, 0};
static sample_clock mic_clock = {MIC_RATE_HZ, 4096u, 0, 0};

/* Number of samples due by `ticks` that are still in the FIFO (and moves past lost ones). */
static uint32_t due(sample_clock *c, uint64_t ticks)
{
    uint64_t by_now = ticks * c->rate_hz / MPS2_PCLK_HZ;
    if (by_now - c->next > c->fifo) {
        c->dropped += (uint32_t)(by_now - c->next - c->fifo);
        c->next = by_now - c->fifo;
    }
    return (uint32_t)(by_now - c->next);
}

/* ------------------------------------------------------------------------- HAL */
static void hal_write(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    uart0_write(data, n);
}

static uint8_t hal_enable(void *ctx, uint8_t id, uint8_t on)
{
    (void)ctx;
    (void)id;
    (void)on;
    return TS_OK; /* both sensors run all the time; the samplers gate the stream */
}

#ifdef TS_WITH_TFLM
/* The glue's clock hook: timer 0 in microseconds. Under `qemu -icount shift=0` virtual
 * time advances 1 ns per instruction, so this is instructions / 1000 (docs/benchmarks.md). */
static uint32_t clock_us(void)
{
    return (uint32_t)(timer0_ticks() / (MPS2_PCLK_HZ / 1000000u));
}

/* TFLM: the glue loads, runs RUN_INPUT and streams live inference. */
static const ts_hal hal = {0, hal_write, hal_enable, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};
#else
/* The model loader: what the TFLM glue checks before TFLM, with the glue's reply. */
static uint8_t model_load(void *ctx, const uint8_t *model, uint32_t model_bytes,
                          const ts_descriptor *d, uint32_t *arena_used)
{
    ts_tflm_model_info mi;
    char why[128];
    uint8_t st = ts_tflm_check(model, model_bytes, d, RUN_INPUT_MAX, OUTPUT_MAX, &mi, why, sizeof why);
    (void)ctx;
    if (st != TS_OK) {
        ts_device_log(&dev, TS_LOG_ERROR, why);
        return st;
    }
    *arena_used = 0; /* nothing is allocated: no interpreter here */
    return TS_OK;
}

/* No TFLM: the core answers RUN_INPUT with UNSUPPORTED; no live INFERENCE. */
static const ts_hal hal = {0, hal_write, hal_enable, model_load, 0, 0};
#endif

/* ------------------------------------------------------------------ setup/loop */
static void drain_rx(void);
static void setup(void)
{
    timer0_init();
    timer1_wake_init(1000u);
    uart0_init();
    ts_device_init(&dev, &info, &hal, slot_mem, sizeof slot_mem);
#ifdef TS_WITH_TFLM
    ts_tflm_begin(&dev, arena, sizeof arena, clock_us);
#ifdef TS_HAVE_MICROFRONTEND
    if (!ts_kws_begin()) ts_device_log(&dev, TS_LOG_ERROR, "keyword front end: out of heap");
#endif
#endif
    ts_sampler_init(&imu_sampler, &dev, SENSOR_IMU, 12, imu_buf, sizeof imu_buf, 10);
    ts_sampler_init(&mic_sampler, &dev, SENSOR_MIC, 2, mic_buf, sizeof mic_buf, 128);
    /* Usually lost: QEMU drops UART output until the host opens the pty, and a USB board
     * is no different before the port is opened. The host asks GET_INFO; this is a bonus. */
    ts_device_hello(&dev);
    ts_device_log(&dev, TS_LOG_INFO, "emulated board: synthetic IMU " STR(IMU_RATE_HZ) " Hz, mic " STR(MIC_RATE_HZ) " Hz");
}

/* Hands what the RX interrupt collected to the core; replies go out at once. */
static void drain_rx(void)
{
    uint8_t rx[256];
    size_t n;
    while ((n = uart0_read(rx, sizeof rx)) > 0) ts_device_feed(&dev, rx, n);
}

static void loop(void)
{
    uint32_t k;
    uint64_t now;
    drain_rx();
    now = timer0_ticks();
    for (k = due(&imu_clock, now); k > 0; k--) {
        int16_t s[6];
        if (ts_device_streaming(&dev, SENSOR_IMU)) {
            synth_imu((uint32_t)imu_clock.next, IMU_RATE_HZ, s);
            ts_sampler_push(&imu_sampler, s);
#ifdef TS_WITH_TFLM
            if (ts_tflm_push_i16(SENSOR_IMU, s)) drain_rx(); /* a window ran: answer the host */
#endif
        }
        imu_clock.next++;
    }
    for (k = due(&mic_clock, now); k > 0; k--) {
        if (ts_device_streaming(&dev, SENSOR_MIC)) {
            int16_t v = synth_mic((uint32_t)mic_clock.next, MIC_RATE_HZ);
            ts_sampler_push(&mic_sampler, &v);
#ifdef TS_WITH_TFLM
            ts_tflm_push_i16(SENSOR_MIC, &v);
#ifdef TS_HAVE_MICROFRONTEND
            if (ts_kws_push(SENSOR_MIC, v)) drain_rx(); /* keyword window ran (ts_kws.c) */
#endif
#endif
        }
        mic_clock.next++;
        if ((k & 127u) == 0) drain_rx(); /* a STOP is answered within a frame, even in a burst */
    }
    /* Sleep until the next 1 ms tick or a received byte. An interrupt that fires between
     * the checks above and WFI still wakes it (WFI returns at once on a pending IRQ). */
    __asm volatile("wfi");
}

int main(void)
{
    setup();
    for (;;) loop();
}
