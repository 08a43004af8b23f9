/* The image front end, as tinystudio/dsp/image.py defines it (crop none, BT.601 luma,
 * bilinear resize with half-pixel centres, round half away from zero, clamp): the board
 * turns a camera frame into the model's int8 input exactly as the host trains on it.
 * Portable C99; no allocation. tests/firmware/test_image_frontend.py checks it bit for
 * bit against the Python definition on synthetic frames. */
#ifndef TS_IMAGE_H
#define TS_IMAGE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { TS_IMG_GRAY8 = 0, TS_IMG_RGB565 = 1, TS_IMG_RGB888 = 2 }; /* as protocol PixelFormat */

/* src: width x height pixels, GRAY8 or RGB888 (RGB565 is refused: the host has no
 * definition of it to match). dst: out_h x out_w x
 * out_c int8 (out_c 1 = gray, 3 = colour), q = round(v / scale) + zero_point.
 * Returns 0, or -1 for a bad argument (nothing written). */
int ts_image_prepare(const uint8_t *src, uint16_t width, uint16_t height, uint8_t format,
                     uint16_t out_w, uint16_t out_h, uint8_t out_c, float scale, int32_t zero_point,
                     int8_t *dst);

#ifdef __cplusplus
}
#endif

#endif
