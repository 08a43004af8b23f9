/* Host harness for ts_tflm_log.c (tests/firmware/test_tflm_log.py).
 *
 * Each argument is one piece of text as TFLM's DebugLog would hand it to the glue (C
 * escapes \n and \t are decoded); the wire bytes the board would send go to stdout, so
 * the test decodes them with the host's own frame decoder.
 */
#include <stdio.h>
#include <string.h>

#include <TinyStudioRecorder.h>

#include "ts_tflm_log.h"

static void out_write(void *ctx, const uint8_t *data, size_t n)
{
    (void)ctx;
    fwrite(data, 1, n, stdout);
}

static const ts_channel_info ch[1] = {{"x", "", 1.0f}};
static const ts_sensor_info sensors[1] = {{0, TS_KIND_IMU, TS_I16, 1, 100.0f, "imu", ch, 0, 0, 0}};
static const ts_device_info info = {"log harness", TS_FIRMWARE_VERSION, "", 0, 0, TS_MAX_BODY, 1, sensors};
static const ts_hal hal = {NULL, out_write, NULL, NULL, NULL, NULL};

static void unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        if (in[0] == '\\' && in[1] == 'n') { out[n++] = '\n'; in++; }
        else if (in[0] == '\\' && in[1] == 't') { out[n++] = '\t'; in++; }
        else out[n++] = *in;
    }
    out[n] = 0;
}

int main(int argc, char **argv)
{
    static ts_device dev;
    char piece[1024];
    int i;
    ts_device_init(&dev, &info, &hal, NULL, 0);
    ts_tflm_log_begin(&dev, TS_LOG_ERROR);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--flush") == 0) {
            ts_tflm_log_flush();
            continue;
        }
        unescape(argv[i], piece, sizeof piece);
        ts_tflm_log_text(piece);
    }
    ts_tflm_log_flush();
    fprintf(stderr, "lines %u\n", (unsigned)ts_tflm_log_lines());
    return 0;
}
