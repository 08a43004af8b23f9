/* See ts_image.h. The arithmetic follows numpy's in tinystudio/dsp/image.py exactly:
 * luma in float32 (((r * 0.299f) + g * 0.587f) + b * 0.114f), resize in double (numpy
 * promotes the float32 pixels against float64 weights), then float32 for quantization. */
#include "ts_image.h"

#include <math.h>

static void pixel(const uint8_t *src, uint16_t width, uint8_t format, uint32_t y, uint32_t x,
                  float rgb[3])
{
    uint32_t i = y * width + x;
    if (format == TS_IMG_GRAY8) {
        rgb[0] = rgb[1] = rgb[2] = (float)src[i];
    } else { /* RGB888 */
        rgb[0] = (float)src[3 * i];
        rgb[1] = (float)src[3 * i + 1];
        rgb[2] = (float)src[3 * i + 2];
    }
}

/* The value of channel c (or luma when gray) at source pixel (y, x). */
static double sample(const uint8_t *src, uint16_t width, uint8_t format, uint32_t y, uint32_t x,
                     uint8_t out_c, uint8_t c)
{
    float rgb[3];
    pixel(src, width, format, y, x, rgb);
    if (out_c == 3)
        return (double)rgb[c];
    if (format == TS_IMG_GRAY8)
        return (double)rgb[0];
    return (double)(rgb[0] * 0.299f + rgb[1] * 0.587f + rgb[2] * 0.114f);
}

/* Half-pixel-centre source coordinate of output index i, clipped as numpy.clip does. */
static double coord(uint32_t i, uint16_t in, uint16_t out)
{
    double v = ((double)i + 0.5) * (double)in / (double)out - 0.5;
    double hi = (double)in - 1.0;
    return v < 0.0 ? 0.0 : (v > hi ? hi : v);
}

static int8_t quantize(double v, float scale, int32_t zero_point)
{
    float x = (float)v / scale;
    float r = x < 0.0f ? -floorf(-x + 0.5f) : floorf(x + 0.5f);
    float q = r + (float)zero_point;
    return (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : (int32_t)q));
}

int ts_image_prepare(const uint8_t *src, uint16_t width, uint16_t height, uint8_t format,
                     uint16_t out_w, uint16_t out_h, uint8_t out_c, float scale, int32_t zero_point,
                     int8_t *dst)
{
    if (!src || !dst || !width || !height || !out_w || !out_h || (format != TS_IMG_GRAY8 && format != TS_IMG_RGB888) ||
        (out_c != 1 && out_c != 3) || !(scale > 0.0f))
        return -1;
    for (uint32_t oy = 0; oy < out_h; oy++) {
        double ys = coord(oy, height, out_h);
        uint32_t y0 = (uint32_t)floor(ys), y1 = y0 + 1 < height ? y0 + 1 : (uint32_t)height - 1;
        double wy = ys - (double)y0;
        for (uint32_t ox = 0; ox < out_w; ox++) {
            double xs = coord(ox, width, out_w);
            uint32_t x0 = (uint32_t)floor(xs), x1 = x0 + 1 < width ? x0 + 1 : (uint32_t)width - 1;
            double wx = xs - (double)x0;
            for (uint8_t c = 0; c < out_c; c++) {
                double top = sample(src, width, format, y0, x0, out_c, c) * (1.0 - wx) +
                             sample(src, width, format, y0, x1, out_c, c) * wx;
                double bottom = sample(src, width, format, y1, x0, out_c, c) * (1.0 - wx) +
                                sample(src, width, format, y1, x1, out_c, c) * wx;
                dst[(oy * out_w + ox) * out_c + c] = quantize(top * (1.0 - wy) + bottom * wy, scale,
                                                              zero_point);
            }
        }
    }
    return 0;
}
