/* ts_image_prepare as Cortex-M4 machine code under QEMU (mps2-an386), fed by semihosting.
 *
 * Reads "image_in.bin" from QEMU's working directory: int32 count, then per case int32
 * w, h, format, out_w, out_h, out_c, float32 scale, int32 zero_point and the pixels;
 * writes every case's int8 output to "image_out.bin" and exits (SYS_EXIT: QEMU's exit
 * status is 0 when every case ran). Built with
 * ../../qemu_mps2/startup.c and its linker script by tests/firmware/test_image_frontend.py.
 * Semihosting is called directly (bkpt 0xAB), so no C library I/O is linked. */
#include <stdint.h>
#include <string.h>

#include "ts_image.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_EXIT = 0x18 };

static int32_t semihost(int32_t op, void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static int32_t open_file(const char *name, int32_t mode)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)name, (uint32_t)mode, (uint32_t)strlen(name)};
    return semihost(SYS_OPEN, args);
}

static int read_all(int32_t fd, void *buf, uint32_t n)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, n};
    return semihost(SYS_READ, args) == 0; /* returns the bytes NOT read */
}

static void write_all(int32_t fd, const void *buf, uint32_t n)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, n};
    semihost(SYS_WRITE, args);
}

/* AArch32 SYS_EXIT takes the reason itself: QEMU exits 0 for ApplicationExit, 1 otherwise. */
static void finish(int32_t code)
{
    semihost(SYS_EXIT, (void *)(uintptr_t)(code == 0 ? 0x20026u : 0x20023u));
    for (;;) {
    }
}

/* The port's vector table names these; this program enables no interrupt. */
void systick_irq(void);
void uart0_rx_irq(void);
void timer1_irq(void);
void systick_irq(void) {}
void uart0_rx_irq(void) {}
void timer1_irq(void) {}

static uint8_t src[160 * 120 * 3];
static int8_t dst[96 * 96 * 3];

int main(void)
{
    int32_t in = open_file("image_in.bin", 1 /* rb */), out = open_file("image_out.bin", 5 /* wb */);
    int32_t count, hdr[8];
    if (in < 0 || out < 0 || !read_all(in, &count, 4))
        finish(2);
    for (int32_t k = 0; k < count; k++) {
        if (!read_all(in, hdr, sizeof hdr))
            finish(3);
        uint32_t bpp = hdr[2] == TS_IMG_GRAY8 ? 1u : 3u, n = (uint32_t)(hdr[0] * hdr[1]) * bpp;
        uint32_t m = (uint32_t)(hdr[3] * hdr[4] * hdr[5]);
        float scale;
        memcpy(&scale, &hdr[6], 4);
        if (n > sizeof src || m > sizeof dst || !read_all(in, src, n))
            finish(4);
        if (ts_image_prepare(src, (uint16_t)hdr[0], (uint16_t)hdr[1], (uint8_t)hdr[2], (uint16_t)hdr[3],
                             (uint16_t)hdr[4], (uint8_t)hdr[5], scale, hdr[7], dst) != 0)
            finish(5);
        write_all(out, dst, m);
    }
    uint32_t close_args[1] = {(uint32_t)out};
    semihost(SYS_CLOSE, close_args);
    finish(0);
    return 0;
}
