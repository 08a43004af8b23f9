/* TFLM's log text as LOG frames (see ts_tflm_log.h). */
#include "ts_tflm_log.h"

static ts_device *g_dev;
static uint8_t g_level = TS_LOG_ERROR;
static char g_line[TS_TFLM_LOG_LINE + 1];
static size_t g_len;
static uint32_t g_lines;

void ts_tflm_log_begin(ts_device *dev, uint8_t level)
{
    g_dev = dev;
    g_level = level;
    g_len = 0;
}

void ts_tflm_log_flush(void)
{
    size_t n = g_len;
    while (n > 0 && (g_line[n - 1] == ' ' || g_line[n - 1] == '\r')) n--;
    g_len = 0;
    if (n == 0 || g_dev == 0) return;
    g_line[n] = 0;
    ts_device_log(g_dev, g_level, g_line);
    g_lines++;
}

void ts_tflm_log_text(const char *text)
{
    if (text == 0) return;
    for (; *text; text++) {
        char c = *text;
        if (c == '\n') {
            ts_tflm_log_flush();
            continue;
        }
        /* Control bytes other than tab become spaces: a LOG frame carries one line of text. */
        if ((unsigned char)c < 0x20) c = ' ';
        if (g_len == TS_TFLM_LOG_LINE) ts_tflm_log_flush();
        g_line[g_len++] = c;
    }
}

uint32_t ts_tflm_log_lines(void)
{
    return g_lines;
}
