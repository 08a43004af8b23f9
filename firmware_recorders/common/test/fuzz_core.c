/* Fuzz target for the C core: the frame decoder, every parser and the device state
 * machine (model slot, RUN_INPUT, START/STOP) under AddressSanitizer + UBSan.
 *
 * Why: the decoder and parsers read bytes from a cable; no input may crash a board or
 * make it write outside its buffers. Built with clang -fsanitize=fuzzer (libFuzzer), or,
 * without TS_LIBFUZZER, with a seeded random/mutation main() so gcc can run it too.
 * Input layout: byte 0 picks the mode --
 *   even: the rest is a raw byte stream for the decoder (damaged frames, garbage);
 *   odd:  the rest is a list of [type, seq_lo, len, body...] records that are turned into
 *         CRC-valid frames, so the fuzzer reaches the message handlers, not just the CRC.
 * Invariants checked (abort on failure): a decoded frame re-encodes to a frame that
 * decodes to the same fields; replies the device writes are valid frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "TinyStudioRecorder.h"

static ts_device dev;
static uint8_t slot_mem[4096] __attribute__((aligned(16)));
static uint8_t run_in[64];
static ts_decoder reply_dec;
static const ts_descriptor *loaded; /* kept from model_load, as real glue keeps it */
static uint8_t reply_rx[TS_ENCODED_MAX(TS_MAX_BODY)];

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz invariant failed: %s\n", what);
        abort();
    }
}

/* Every byte the device writes must decode as frames with no CRC or framing error. */
static void fz_write(void *ctx, const uint8_t *d, size_t n)
{
    ts_frame f;
    (void)ctx;
    while (n--) ts_decoder_feed(&reply_dec, *d++, &f);
    check(reply_dec.crc_errors == 0 && reply_dec.framing_errors == 0, "device reply frame");
}

static uint8_t fz_enable(void *ctx, uint8_t id, uint8_t on)
{
    (void)ctx;
    (void)on;
    return id == 1 ? TS_INTERNAL : TS_OK;
}

static uint8_t fz_load(void *ctx, const uint8_t *m, uint32_t n, const ts_descriptor *d,
                       uint32_t *arena)
{
    const char *label;
    uint8_t i;
    (void)ctx;
    for (i = 0; i < d->n_labels; i++) ts_descriptor_label(d, i, &label);
    for (i = 0; i < d->n_channels; i++) (void)(ts_descriptor_mul(d, i) + ts_descriptor_add(d, i));
    *arena = n;
    loaded = (n >= 1 && m[0] == 'T') ? d : NULL;
    return loaded ? TS_OK : TS_MODEL_INVALID;
}

static uint8_t *fz_run_buffer(void *ctx, uint32_t total)
{
    (void)ctx;
    return total <= sizeof run_in ? run_in : NULL;
}

static uint8_t fz_run(void *ctx, const uint8_t *in, uint32_t n, uint8_t *o, size_t cap,
                      size_t *out_len, uint32_t *latency)
{
    (void)ctx;
    *out_len = n < cap ? n : cap;
    memcpy(o, in, *out_len);
    if (loaded && *out_len) o[0] = (uint8_t)(loaded->n_labels + loaded->window);
    *latency = 1;
    return TS_OK;
}

static const ts_channel_info ch[1] = {{"x", "", 1.0f}};
static const ts_sensor_info sensors[2] = {{0, TS_KIND_IMU, TS_I16, 1, 100.0f, "imu", ch, 0, 0, 0},
                                          {1, TS_KIND_GENERIC, TS_I16, 1, 10.0f, "g", ch, 0, 0, 0}};
static const ts_device_info info = {"fuzz", "fuzz", "", 2048, 0, TS_MAX_BODY, 2, sensors};
static const ts_hal hal = {NULL, fz_write, fz_enable, fz_load, fz_run_buffer, fz_run};

static void raw_stream(const uint8_t *data, size_t size)
{
    static uint8_t rx[TS_ENCODED_MAX(TS_MAX_BODY)], wire[TS_ENCODED_MAX(TS_MAX_BODY)];
    static uint8_t rx2[TS_ENCODED_MAX(TS_MAX_BODY)];
    ts_decoder d, d2;
    ts_frame f, g;
    size_t i, j;
    ts_decoder_init(&d, rx, sizeof rx);
    for (i = 0; i < size; i++) {
        if (!ts_decoder_feed(&d, data[i], &f)) continue;
        {
            ts_descriptor desc;
            ts_model_begin b;
            uint32_t off, total;
            const uint8_t *p;
            size_t n;
            ts_parse_descriptor(f.body, f.len, &desc);
            ts_parse_model_begin(f.body, f.len, &b);
            ts_parse_model_chunk(f.body, f.len, &off, &p, &n);
            ts_parse_run_input(f.body, f.len, &off, &total, &p, &n);
        }
        size_t n = ts_frame_encode(wire, sizeof wire, f.type, f.stream, f.seq, f.body, f.len);
        int got = 0;
        check(n > 0, "re-encode");
        ts_decoder_init(&d2, rx2, sizeof rx2);
        for (j = 0; j < n; j++) got += ts_decoder_feed(&d2, wire[j], &g);
        check(got == 1 && g.type == f.type && g.stream == f.stream && g.seq == f.seq &&
                  g.len == f.len && !memcmp(g.body, f.body, f.len),
              "decode(encode(frame)) == frame");
    }
    /* Parsers on the raw bytes too (no CRC gate). */
    {
        ts_descriptor desc;
        ts_model_begin b;
        const char *label;
        ts_window w;
        static int8_t wbuf[512];
        if (ts_parse_descriptor(data, size, &desc) == TS_OK) {
            int16_t v[255] = {0};
            if (desc.n_labels) ts_descriptor_label(&desc, (uint8_t)(desc.n_labels - 1), &label);
            if (ts_window_init(&w, &desc, wbuf, sizeof wbuf) == TS_OK)
                for (j = 0; j < 600; j++)
                    if (ts_window_push_i16(&w, v)) ts_window_advance(&w);
        }
        ts_parse_model_begin(data, size, &b);
    }
}

static void framed(const uint8_t *data, size_t size)
{
    static uint8_t wire[TS_ENCODED_MAX(TS_MAX_BODY)];
    size_t i = 0;
    ts_device_init(&dev, &info, &hal, slot_mem, sizeof slot_mem);
    loaded = NULL;
    ts_decoder_init(&reply_dec, reply_rx, sizeof reply_rx);
    ts_device_hello(&dev);
    while (i + 3 <= size) {
        uint8_t type = data[i], seq = data[i + 1];
        size_t len = data[i + 2], n;
        i += 3;
        if (len > size - i) len = size - i;
        /* Map a few type bytes onto the interesting messages. */
        if (type >= 0x80) type = (uint8_t)(0x20 + (type & 7));
        n = ts_frame_encode(wire, sizeof wire, type, 0xFF, seq & 3u, data + i, len);
        check(n > 0, "encode");
        ts_device_feed(&dev, wire, n);
        i += len;
    }
    ts_device_feed(&dev, data, size); /* and the raw bytes, too */
    {
        static uint8_t sbuf[64];
        ts_sampler s;
        int16_t v = 7;
        ts_sampler_init(&s, &dev, 0, 2, sbuf, sizeof sbuf, 5);
        for (i = 0; i < 11; i++) ts_sampler_push(&s, &v);
        ts_device_send_image(&dev, 3, &s.seq, 1, 40, 30, TS_RGB565, slot_mem);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    if (data[0] & 1) framed(data + 1, size - 1);
    else raw_stream(data + 1, size - 1);
    return 0;
}

#ifndef TS_LIBFUZZER
#include <time.h>

/* Seeded random + mutation fuzzing for toolchains without libFuzzer:
 * usage: fuzz_core SECONDS [SEED]. Mutates valid frame streams and pure noise. */
static uint32_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

int main(int argc, char **argv)
{
    static uint8_t buf[8192], wire[TS_ENCODED_MAX(TS_MAX_BODY)];
    double seconds = argc > 1 ? atof(argv[1]) : 5.0;
    unsigned long iters = 0;
    clock_t end;
    rng = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 12345u;
    if (!rng) rng = 1;
    end = clock() + (clock_t)(seconds * CLOCKS_PER_SEC);
    while (clock() < end) {
        size_t n = 1 + rnd() % 3000, k;
        buf[0] = (uint8_t)rnd();
        if (buf[0] & 1) { /* records: mostly model messages with plausible bodies */
            for (k = 1; k < n; k++) buf[k] = (uint8_t)(rnd() % 4 ? rnd() % 8 : rnd());
        } else { /* a stream of valid frames, then mutated */
            size_t o = 1;
            while (o + TS_ENCODED_MAX(64) < sizeof buf && o < n) {
                uint8_t body[64];
                size_t bl = rnd() % sizeof body, m;
                for (k = 0; k < bl; k++) body[k] = (uint8_t)(rnd() % 3 ? 0 : rnd());
                m = ts_frame_encode(wire, sizeof wire, (uint8_t)rnd(), (uint8_t)rnd(), (uint16_t)rnd(), body, bl);
                memcpy(buf + o, wire, m);
                o += m;
            }
            n = o;
            for (k = n > 1 ? rnd() % 8 : 0; k > 0; k--) buf[1 + rnd() % (n - 1)] = (uint8_t)rnd();
        }
        LLVMFuzzerTestOneInput(buf, n);
        iters++;
    }
    printf("fuzz_core: %lu inputs in %.1f s, no findings\n", iters, seconds);
    return 0;
}
#endif
