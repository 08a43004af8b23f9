/* TinyStudio recorder as a host process (x86-64 Linux): the second port of the TFLM glue.
 *
 * Why: docs/porting.md says what a port provides; this port provides exactly that and
 * nothing more, and links firmware_recorders/common and firmware_recorders/tflm_glue
 * unchanged -- the proof that the glue names no board. Its "UART" is a pseudo-terminal
 * (host_pty.c), its sensor the emulated board's synthetic IMU (../qemu_mps2/synth.c), its
 * clock CLOCK_MONOTONIC, its model slot and arena static buffers, its TFLM the library
 * tflite-micro's Makefile builds for the host (`make TFLM_DIR=...`). Built without
 * TFLM_DIR its loader is the glue's model check alone, as on the emulated board in CI.
 *
 * It prints "TinyStudio host board: serial on /dev/pts/N" and runs until killed.
 */
#define _POSIX_C_SOURCE 199309L
#include <TinyStudioRecorder.h>

#include <stdio.h>
#include <time.h>

#include "host_pty.h"
#include "synth.h"
#include "ts_tflm_check.h"
#ifdef TS_WITH_TFLM
#include "ts_tflm.h"
#endif

#ifndef IMU_RATE_HZ
#define IMU_RATE_HZ 119u
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

enum { SENSOR_IMU = 0 };

/* ------------------------------------------------------------------ HELLO tables */
static const ts_channel_info imu_ch[6] = {
    {"aX", "g", 4.0f / 32768}, {"aY", "g", 4.0f / 32768}, {"aZ", "g", 4.0f / 32768},
    {"gX", "deg/s", 2000.0f / 32768}, {"gY", "deg/s", 2000.0f / 32768}, {"gZ", "deg/s", 2000.0f / 32768}};
static const ts_sensor_info sensors[1] = {
    {SENSOR_IMU, TS_KIND_IMU, TS_I16, 6, (float)IMU_RATE_HZ, "imu", imu_ch, 0, 0, 0}};

#define SLOT_HALF (64u * 1024u)
#define RUN_INPUT_MAX 9216u /* the TFLM glue's RUN_INPUT buffer: the same limits */
#define OUTPUT_MAX 255u
#ifdef TS_WITH_TFLM
/* 64-bit pointers make TFLM's per-tensor bookkeeping larger than on a Cortex-M. */
#define ARENA_BYTES (128u * 1024u)
#define BOARD_NAME "TinyStudio host board (Linux process, TFLM)"
#else
#define ARENA_BYTES 0u
#define BOARD_NAME "TinyStudio host board (Linux process)"
#endif
static const ts_device_info info = {BOARD_NAME, TS_FIRMWARE_VERSION, "" /* not in boards.json */,
                                    SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 1, sensors};

/* ----------------------------------------------------------------- static memory */
static uint8_t slot_mem[2 * SLOT_HALF] __attribute__((aligned(16))); /* the "flash" */
#ifdef TS_WITH_TFLM
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
#endif
static ts_device dev;
static ts_sampler imu_sampler;
static uint8_t imu_buf[12 * 10]; /* 10 IMU samples per frame */

/* The clock: nanoseconds since start (CLOCK_MONOTONIC). */
static struct timespec t_start;
static uint64_t elapsed_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t_start.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec - (uint64_t)t_start.tv_nsec;
}

/* Sample k is due at k / rate seconds; samples more than `fifo` late are dropped, as a
 * sensor FIFO overflows (the same rule as the emulated board). */
static uint64_t imu_next;
static uint32_t imu_due(void)
{
    const uint64_t fifo = 32u;
    uint64_t by_now = elapsed_ns() * IMU_RATE_HZ / 1000000000u;
    if (by_now - imu_next > fifo) imu_next = by_now - fifo;
    return (uint32_t)(by_now - imu_next);
}

/* ------------------------------------------------------------------------- HAL */
static void hal_write(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    pty_write(data, n);
}

#ifdef TS_WITH_TFLM
/* The glue's clock hook. */
static uint32_t clock_us(void)
{
    return (uint32_t)(elapsed_ns() / 1000u);
}

static const ts_hal hal = {0, hal_write, 0, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};
#else
/* The model loader without TFLM: the glue's check and reply, as the emulated board's. */
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
    *arena_used = 0;
    return TS_OK;
}

static const ts_hal hal = {0, hal_write, 0, model_load, 0, 0};
#endif

/* ------------------------------------------------------------------ setup/loop */
static void drain_rx(void)
{
    uint8_t rx[256];
    size_t n;
    while ((n = pty_read(rx, sizeof rx)) > 0) ts_device_feed(&dev, rx, n);
}

static int setup(void)
{
    const char *port = pty_open();
    if (port == NULL) {
        perror("host board: cannot open a pseudo-terminal");
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    ts_device_init(&dev, &info, &hal, slot_mem, sizeof slot_mem);
#ifdef TS_WITH_TFLM
    ts_tflm_begin(&dev, arena, sizeof arena, clock_us);
#endif
    ts_sampler_init(&imu_sampler, &dev, SENSOR_IMU, 12, imu_buf, sizeof imu_buf, 10);
    ts_device_hello(&dev); /* dropped: no host has the pty open yet (see host_pty.c) */
    printf("TinyStudio host board: serial on %s\n", port);
    fflush(stdout);
    return 1;
}

static void loop(void)
{
    uint32_t k;
    drain_rx();
    for (k = imu_due(); k > 0; k--) {
        int16_t s[6];
        if (ts_device_streaming(&dev, SENSOR_IMU)) {
            synth_imu((uint32_t)imu_next, IMU_RATE_HZ, s);
            ts_sampler_push(&imu_sampler, s);
#ifdef TS_WITH_TFLM
            if (ts_tflm_push_i16(SENSOR_IMU, s)) drain_rx(); /* a window ran: answer the host */
#endif
        }
        imu_next++;
    }
    pty_wait(1); /* the port's WFI: a received byte or the next millisecond */
}

int main(void)
{
    if (!setup()) return 1;
    for (;;) loop();
}
