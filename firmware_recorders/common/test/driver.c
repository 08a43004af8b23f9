/* Host test driver: runs the C core on commands read from stdin, one answer line each.
 *
 * Why: pytest drives the very code that runs on boards with byte strings produced by the
 * Python implementation, and compares the answers byte for byte (tests/firmware/). Every
 * byte string is hex ("-" for empty); floats travel as their u32 bit pattern in hex so
 * nothing is lost in printing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "TinyStudioRecorder.h"

#define MAXHEX (1u << 18)
static char tok[2 * MAXHEX + 2];
static uint8_t bytes[MAXHEX], out[MAXHEX];
static char strs[64][256];
static int nstr;

static const char *next(void)
{
    if (scanf("%524288s", tok) != 1) return NULL;
    return tok;
}

static unsigned long num(void)
{
    const char *t = next();
    if (!t) {
        fprintf(stderr, "driver: missing number\n");
        exit(2);
    }
    return strtoul(t, NULL, 0);
}

static float f32bits(void)
{
    uint32_t u = (uint32_t)num();
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Reads a hex token into buf; returns its length. */
static size_t hex(uint8_t *buf)
{
    const char *t = next();
    size_t n, i;
    if (!t) exit(2);
    if (!strcmp(t, "-")) return 0;
    n = strlen(t) / 2;
    for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(t + 2 * i, "%2x", &v);
        buf[i] = (uint8_t)v;
    }
    return n;
}

/* A hex token as a NUL-terminated string kept until the next command. */
static const char *hexstr(void)
{
    size_t n = hex(bytes);
    char *s = strs[nstr++ % 64];
    memcpy(s, bytes, n);
    s[n] = 0;
    return s;
}

static void put(const uint8_t *p, size_t n)
{
    size_t i;
    if (!n) fputs("-", stdout);
    for (i = 0; i < n; i++) printf("%02x", p[i]);
}

static void line(const uint8_t *p, size_t n)
{
    put(p, n);
    putchar('\n');
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* ------------------------------------------------------------ fake board for "dev" */

static uint8_t wrote[MAXHEX];
static size_t nwrote;
static unsigned loads, runs;
static uint32_t last_loaded_crc;
static uint8_t run_in[4096];
static uint8_t fail_sensor = 0xFE;
static const ts_descriptor *loaded; /* kept from model_load, as real glue keeps it */

static void fake_write(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    if (nwrote + n <= sizeof wrote) memcpy(wrote + nwrote, d, n);
    nwrote += n;
}

static uint8_t fake_enable(void *ctx, uint8_t id, uint8_t on)
{
    (void)ctx;
    (void)on;
    return id == fail_sensor ? TS_INTERNAL : TS_OK;
}

static ts_device dev;

/* "Loads" models whose flatbuffer identifier (bytes 4..7) is TFL3, like TFLM's GetModel
 * check; arena use is a fixed function of the size so tests can predict it. */
static uint8_t fake_load(void *ctx, const uint8_t *m, uint32_t n, const ts_descriptor *d,
                         uint32_t *arena)
{
    (void)ctx;
    loads++;
    last_loaded_crc = ts_crc32(0, m, n);
    loaded = NULL;
    if (n < 8 || memcmp(m + 4, "TFL3", 4)) return TS_MODEL_INVALID;
    *arena = 1000u + n;
    loaded = d;
    return TS_OK;
}

static uint32_t input_bytes(void)
{
    return loaded ? (uint32_t)loaded->window * loaded->n_channels : 0;
}

static uint8_t *fake_run_buffer(void *ctx, uint32_t total)
{
    (void)ctx;
    return (total == input_bytes() && total <= sizeof run_in) ? run_in : NULL;
}

/* Output i = (sum of input bytes + i) mod 256, one per label; latency 1234 us. */
static uint8_t fake_run(void *ctx, const uint8_t *in, uint32_t n, uint8_t *o, size_t cap,
                        size_t *out_len, uint32_t *latency)
{
    const ts_descriptor *d = loaded;
    uint32_t sum = 0, i;
    (void)ctx;
    runs++;
    for (i = 0; i < n; i++) sum += in[i];
    if (d->n_labels > cap) return TS_INTERNAL;
    for (i = 0; i < d->n_labels; i++) o[i] = (uint8_t)(sum + i);
    *out_len = d->n_labels;
    *latency = 1234;
    return TS_OK;
}

static const ts_channel_info imu_ch[6] = {
    {"aX", "g", 1.0f / 8192}, {"aY", "g", 1.0f / 8192}, {"aZ", "g", 1.0f / 8192},
    {"gX", "deg/s", 1.0f / 16.4f}, {"gY", "deg/s", 1.0f / 16.4f}, {"gZ", "deg/s", 1.0f / 16.4f}};
static const ts_channel_info mic_ch[1] = {{"mic", "", 1.0f / 32768}};
static const ts_channel_info cam_ch[1] = {{"gray", "", 1.0f}};
static const ts_sensor_info sensors[3] = {
    {0, TS_KIND_IMU, TS_I16, 6, 104.0f, "imu", imu_ch, 0, 0, 0},
    {1, TS_KIND_MICROPHONE, TS_I16, 1, 16000.0f, "mic", mic_ch, 0, 0, 0},
    {3, TS_KIND_CAMERA, TS_U8, 1, 5.0f, "camera", cam_ch, 96, 96, TS_GRAY8}};
static const ts_device_info fake_info = {"Host test board", TS_FIRMWARE_VERSION, "host_test",
                                         8192, 65536, TS_MAX_BODY, 3, sensors};
static const ts_hal fake_hal = {NULL, fake_write, fake_enable, fake_load, fake_run_buffer, fake_run};
static uint8_t slot_mem[16384] __attribute__((aligned(16)));

static void dev_reset(void)
{
    ts_device_init(&dev, &fake_info, &fake_hal, slot_mem, sizeof slot_mem);
    loaded = NULL;
    loads = runs = 0;
    nwrote = 0;
}

static void flush_wrote(void)
{
    line(wrote, nwrote);
    nwrote = 0;
}

/* ------------------------------------------------------------------- commands */

static void cmd_hello(void)
{
    static ts_sensor_info si[8];
    static ts_channel_info ch[8][16];
    ts_device_info info;
    unsigned s, c;
    info.board_name = hexstr();
    info.firmware_version = hexstr();
    info.board_id = hexstr();
    info.model_slot_bytes = (uint32_t)num();
    info.arena_bytes = (uint32_t)num();
    info.max_body = (uint16_t)num();
    info.n_sensors = (uint8_t)num();
    info.sensors = si;
    for (s = 0; s < info.n_sensors; s++) {
        si[s].sensor_id = (uint8_t)num();
        si[s].kind = (uint8_t)num();
        si[s].sample_type = (uint8_t)num();
        si[s].n_channels = (uint8_t)num();
        si[s].rate_hz = f32bits();
        si[s].name = hexstr();
        si[s].channels = ch[s];
        for (c = 0; c < si[s].n_channels; c++) {
            ch[s][c].name = hexstr();
            ch[s][c].unit = hexstr();
            ch[s][c].scale = f32bits();
        }
        if (si[s].kind == TS_KIND_CAMERA) {
            si[s].width = (uint16_t)num();
            si[s].height = (uint16_t)num();
            si[s].pixel_format = (uint8_t)num();
        }
    }
    line(out, ts_encode_hello(out, sizeof out, &info));
}

static void cmd_desc(void)
{
    size_t n = hex(bytes);
    ts_descriptor d;
    unsigned c;
    const char *label;
    if (ts_parse_descriptor(bytes, n, &d) != TS_OK) {
        puts("bad");
        return;
    }
    printf("ok %u %u %u %u %u %u %08x %d %08x %d", d.version, d.sensor_id, d.frontend,
           d.n_channels, d.window, d.stride, bits(d.input_scale), d.input_zero_point,
           bits(d.output_scale), d.output_zero_point);
    if (d.frontend == TS_FRONTEND_RAW)
        for (c = 0; c < d.n_channels; c++)
            printf(" %08x %08x", bits(ts_descriptor_mul(&d, (uint8_t)c)),
                   bits(ts_descriptor_add(&d, (uint8_t)c)));
    printf(" %u", d.n_labels);
    for (c = 0; c < d.n_labels; c++) {
        uint8_t len = ts_descriptor_label(&d, (uint8_t)c, &label);
        putchar(' ');
        put((const uint8_t *)label, len);
    }
    putchar('\n');
}

static void cmd_decode(void)
{
    size_t n = hex(bytes), i;
    static uint8_t rx[TS_ENCODED_MAX(TS_MAX_BODY)];
    ts_decoder d;
    ts_frame f;
    ts_decoder_init(&d, rx, sizeof rx);
    for (i = 0; i < n; i++)
        if (ts_decoder_feed(&d, bytes[i], &f)) {
            printf("F %u %u %u ", f.type, f.stream, f.seq);
            put(f.body, f.len);
            putchar(';');
        }
    printf("E %u %u %u\n", (unsigned)d.frames, (unsigned)d.crc_errors, (unsigned)d.framing_errors);
}

static void cmd_window(void)
{
    static uint8_t desc[1024];
    static int8_t buf[8192];
    size_t dn = hex(desc), n, i;
    unsigned steps = (unsigned)num();
    ts_descriptor d;
    ts_window w;
    unsigned long reset_at;
    n = hex(bytes);
    reset_at = num(); /* 0: never */
    if (ts_parse_descriptor(desc, dn, &d) != TS_OK || ts_window_init(&w, &d, buf, sizeof buf)) {
        puts("bad");
        return;
    }
    for (i = 0; i < steps; i++) {
        int16_t v[64];
        unsigned c;
        for (c = 0; c < d.n_channels; c++) {
            size_t k = (i * d.n_channels + c) * 2;
            v[c] = (int16_t)(bytes[k] | (bytes[k + 1] << 8));
        }
        (void)n;
        if (reset_at && i == reset_at) ts_window_reset(&w);
        if (ts_window_push_i16(&w, v)) {
            put((const uint8_t *)buf, (size_t)d.window * d.n_channels);
            putchar(';');
            ts_window_advance(&w);
        }
    }
    putchar('\n');
}

/* --serve [N]: be the fake board on stdin/stdout (a pty), as firmware is on its UART, so
 * the host's real session and uploader can talk to it. With N > 0 every N-th received
 * byte is flipped, like a noisy line. */
static int serve(unsigned long corrupt_every)
{
    static uint8_t rx[4096];
    unsigned long count = 0;
    ts_device_hello(&dev);
    for (;;) {
        ssize_t n;
        if (nwrote) {
            size_t off = 0;
            while (off < nwrote) {
                ssize_t w = write(1, wrote + off, nwrote - off);
                if (w < 0 && errno != EINTR && errno != EAGAIN) return 0;
                if (w > 0) off += (size_t)w;
            }
            nwrote = 0;
        }
        n = read(0, rx, sizeof rx);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != EIO) return 0;
            usleep(1000);
            continue;
        }
        for (ssize_t i = 0; i < n; i++)
            if (corrupt_every && ++count % corrupt_every == 0) rx[i] ^= 0x20;
        ts_device_feed(&dev, rx, (size_t)n);
    }
}

int main(int argc, char **argv)
{
    const char *c;
    dev_reset();
    if (argc > 1 && !strcmp(argv[1], "--serve")) return serve(argc > 2 ? strtoul(argv[2], NULL, 0) : 0);
    while ((c = next()) != NULL) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "%s", c);
        nstr = 0;
        if (!strcmp(cmd, "crc")) {
            size_t n = hex(bytes);
            printf("%08x\n", ts_crc32(0, bytes, n));
        } else if (!strcmp(cmd, "enc")) {
            unsigned t = (unsigned)num(), s = (unsigned)num(), q = (unsigned)num();
            size_t n = hex(bytes);
            line(out, ts_frame_encode(out, sizeof out, (uint8_t)t, (uint8_t)s, (uint16_t)q, bytes, n));
        } else if (!strcmp(cmd, "dec")) {
            cmd_decode();
        } else if (!strcmp(cmd, "hello")) {
            cmd_hello();
        } else if (!strcmp(cmd, "cam")) {
            unsigned id = (unsigned)num(), w = (unsigned)num(), h = (unsigned)num(), fmt = (unsigned)num();
            uint32_t off = (uint32_t)num();
            size_t n = hex(bytes);
            line(out, ts_encode_camera_chunk(out, sizeof out, (uint16_t)id, (uint16_t)w, (uint16_t)h,
                                             (uint8_t)fmt, off, bytes, n));
        } else if (!strcmp(cmd, "ack")) {
            unsigned r = (unsigned)num(), s = (unsigned)num();
            line(out, ts_encode_ack(out, sizeof out, (uint8_t)r, (uint8_t)s));
        } else if (!strcmp(cmd, "log")) {
            unsigned l = (unsigned)num();
            line(out, ts_encode_log(out, TS_MAX_BODY, (uint8_t)l, hexstr()));
        } else if (!strcmp(cmd, "err")) {
            unsigned code = (unsigned)num();
            line(out, ts_encode_error(out, TS_MAX_BODY, (uint16_t)code, hexstr()));
        } else if (!strcmp(cmd, "mack")) {
            uint32_t nx = (uint32_t)num();
            unsigned s = (unsigned)num();
            uint32_t sl = (uint32_t)num();
            line(out, ts_encode_model_ack(out, sizeof out, nx, (uint8_t)s, sl));
        } else if (!strcmp(cmd, "mstatus")) {
            unsigned s = (unsigned)num();
            uint32_t b = (uint32_t)num(), crc = (uint32_t)num(), a = (uint32_t)num();
            size_t n = hex(bytes);
            line(out, ts_encode_model_status(out, sizeof out, (uint8_t)s, b, crc, a, bytes, (uint16_t)n));
        } else if (!strcmp(cmd, "inf")) {
            uint32_t wi = (uint32_t)num(), lat = (uint32_t)num();
            float sc = f32bits();
            int zp = (int)strtol(next(), NULL, 0);
            size_t n = hex(bytes);
            line(out, ts_encode_inference(out, sizeof out, wi, lat, (const int8_t *)bytes, (uint8_t)n, sc, (int8_t)zp));
        } else if (!strcmp(cmd, "rout")) {
            unsigned s = (unsigned)num();
            uint32_t lat = (uint32_t)num();
            size_t n = hex(bytes);
            line(out, ts_encode_run_output(out, sizeof out, (uint8_t)s, lat, bytes, n));
        } else if (!strcmp(cmd, "desc")) {
            cmd_desc();
        } else if (!strcmp(cmd, "begin")) {
            size_t n = hex(bytes);
            ts_model_begin b;
            if (ts_parse_model_begin(bytes, n, &b) != TS_OK) {
                puts("bad");
            } else {
                printf("ok %u %u %u ", (unsigned)b.total_bytes, (unsigned)b.model_crc32, b.chunk_bytes);
                line(b.descriptor, b.descriptor_bytes);
            }
        } else if (!strcmp(cmd, "chunk")) {
            size_t n = hex(bytes), len;
            uint32_t off;
            const uint8_t *data;
            if (ts_parse_model_chunk(bytes, n, &off, &data, &len) != TS_OK) {
                puts("bad");
            } else {
                printf("ok %u ", (unsigned)off);
                line(data, len);
            }
        } else if (!strcmp(cmd, "runin")) {
            size_t n = hex(bytes), len;
            uint32_t off, total;
            const uint8_t *data;
            if (ts_parse_run_input(bytes, n, &off, &total, &data, &len) != TS_OK) {
                puts("bad");
            } else {
                printf("ok %u %u ", (unsigned)off, (unsigned)total);
                line(data, len);
            }
        } else if (!strcmp(cmd, "window")) {
            cmd_window();
        } else if (!strcmp(cmd, "devreset")) {
            dev_reset();
            puts("ok");
        } else if (!strcmp(cmd, "devfail")) {
            fail_sensor = (uint8_t)num();
            puts("ok");
        } else if (!strcmp(cmd, "devhello")) {
            ts_device_hello(&dev);
            flush_wrote();
        } else if (!strcmp(cmd, "dev")) {
            size_t n = hex(bytes);
            ts_device_feed(&dev, bytes, n);
            flush_wrote();
        } else if (!strcmp(cmd, "devstate")) {
            uint32_t mb = 0;
            const uint8_t *m = ts_slot_active(&dev.slot, &mb, NULL);
            printf("%u %u %08x %u %u %u %08x\n", m ? 1u : 0u, (unsigned)mb,
                   m ? ts_crc32(0, m, mb) : 0u, (unsigned)dev.slot.arena_used, loads, runs,
                   last_loaded_crc);
        } else if (!strcmp(cmd, "devsamples")) {
            static ts_sampler smp;
            static uint8_t sbuf[TS_MAX_BODY];
            unsigned sid = (unsigned)num(), sb = (unsigned)num(), pf = (unsigned)num();
            size_t n = hex(bytes), i;
            if (!smp.dev || smp.sensor_id != sid || smp.sample_bytes != sb)
                ts_sampler_init(&smp, &dev, (uint8_t)sid, (uint16_t)sb, sbuf, sizeof sbuf, (uint16_t)pf);
            for (i = 0; i + sb <= n; i += sb) ts_sampler_push(&smp, bytes + i);
            flush_wrote();
        } else if (!strcmp(cmd, "devimage")) {
            static uint16_t seq;
            unsigned sid = (unsigned)num(), id = (unsigned)num(), w = (unsigned)num(),
                     h = (unsigned)num(), fmt = (unsigned)num();
            hex(bytes);
            ts_device_send_image(&dev, (uint8_t)sid, &seq, (uint16_t)id, (uint16_t)w, (uint16_t)h,
                                 (uint8_t)fmt, bytes);
            flush_wrote();
        } else if (!strcmp(cmd, "devinf")) {
            static uint16_t seq;
            unsigned sid = (unsigned)num();
            uint32_t wi = (uint32_t)num(), lat = (uint32_t)num();
            float sc = f32bits();
            int zp = (int)strtol(next(), NULL, 0);
            size_t n = hex(bytes);
            ts_device_send_inference(&dev, (uint8_t)sid, &seq, wi, lat, (const int8_t *)bytes,
                                     (uint8_t)n, sc, (int8_t)zp);
            flush_wrote();
        } else if (!strcmp(cmd, "devlog")) {
            unsigned l = (unsigned)num();
            ts_device_log(&dev, (uint8_t)l, hexstr());
            flush_wrote();
        } else {
            fprintf(stderr, "driver: unknown command %s\n", cmd);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
