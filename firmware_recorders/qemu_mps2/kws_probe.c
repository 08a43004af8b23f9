/* The board's keyword front end as a probe: audio in, int8 features out, via semihosting.
 *
 * Why: the test of "the board computes the host's features, byte for byte"
 * (tests/firmware/test_kws_frontend_parity.py) must feed the emulated Cortex-M4 exactly
 * the audio the host featurizes (example clips, 30 s of noise), which the board's own
 * synthetic microphone cannot. This image runs the same glue (ts_audio_frontend.c) and
 * the same microfrontend objects as qemu_mps2.elf, built with the same flags; QEMU's
 * semihosting (`-semihosting-config enable=on,target=native`) reads kws_in.bin and writes
 * kws_out.bin in QEMU's working directory.
 *
 * kws_in.bin: records of u32 n (little-endian) + n int16 samples, each featurized from a
 * reset state and fed in pieces of 97 samples (the streaming path, pending buffer and
 * all). kws_out.bin: per record u32 frames + frames x 40 int8.
 */
#include <stdint.h>
#include <string.h>

#include "ts_audio_frontend.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_EXIT = 0x18 };

static int semihost(int op, void *arg)
{
    register int r0 __asm("r0") = op;
    register void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static int sh_open(const char *name, int mode)
{
    uint32_t a[3] = {(uint32_t)(uintptr_t)name, (uint32_t)mode, (uint32_t)strlen(name)};
    return semihost(SYS_OPEN, a);
}

/* Reads exactly n bytes; 0 on success. */
static int sh_read(int fd, void *buf, uint32_t n)
{
    uint32_t a[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, n};
    return semihost(SYS_READ, a); /* bytes NOT read */
}

static void sh_write(int fd, const void *buf, uint32_t n)
{
    uint32_t a[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, n};
    semihost(SYS_WRITE, a);
}

/* Ends QEMU: exit status 0 for code 0, 1 otherwise (AArch32 SYS_EXIT takes the reason only). */
static void sh_exit(uint32_t code)
{
    semihost(SYS_EXIT, (void *)(uintptr_t)(code == 0 ? 0x20026u /* ApplicationExit */
                                                     : 0x20023u /* RunTimeErrorUnknown */));
    for (;;) {
    }
}

#define PIECE 97u /* not a multiple of the 160-sample chunk: exercises the pending buffer */
#define MAX_FRAMES 64u

static ts_audio_frontend fe;
static int16_t samples[PIECE];
static int8_t frames[MAX_FRAMES * TS_KWS_FEATURES];
static uint32_t n_frames;

static void collect(void *ctx, const int8_t *f)
{
    int out = *(int *)ctx;
    memcpy(frames + (size_t)n_frames * TS_KWS_FEATURES, f, TS_KWS_FEATURES);
    if (++n_frames == MAX_FRAMES) {
        sh_write(out, frames, n_frames * TS_KWS_FEATURES);
        n_frames = 0;
    }
}

/* One record: n samples from `in`, features to `out` (count first, then the frames). */
static void record(int in, int out, uint32_t n)
{
    uint32_t left = n, counted;
    ts_audio_frontend_reset(&fe);
    n_frames = 0;
    /* The frame count comes first: for a record of n samples it is known in advance. */
    counted = n < 480u ? 0u : (1u + (n - 480u) / 160u + 1u) / 2u;
    sh_write(out, &counted, 4);
    while (left > 0) {
        uint32_t take = left < PIECE ? left : PIECE;
        if (sh_read(in, samples, take * 2u) != 0) sh_exit(3);
        ts_audio_frontend_feed(&fe, samples, take, collect, &out);
        left -= take;
    }
    if (n_frames) sh_write(out, frames, n_frames * TS_KWS_FEATURES);
}

int main(void)
{
    int in, out;
    uint32_t n;
    if (!ts_audio_frontend_init(&fe)) sh_exit(1);
    in = sh_open("kws_in.bin", 1 /* rb */);
    out = sh_open("kws_out.bin", 5 /* wb */);
    if (in < 0 || out < 0) sh_exit(2);
    while (sh_read(in, &n, 4) == 0) record(in, out, n);
    semihost(SYS_CLOSE, &out);
    sh_exit(0);
    return 0;
}
