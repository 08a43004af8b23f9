/* Host driver for ts_image_prepare: stdin "W H FORMAT OUT_W OUT_H OUT_C SCALE ZP" then
 * W*H*bpp raw bytes; stdout the out_h*out_w*out_c int8 values as raw bytes. */
#include <stdio.h>
#include <stdlib.h>

#include "ts_image.h"

int main(void)
{
    unsigned w, h, fmt, ow, oh, oc;
    float scale;
    int zp;
    if (scanf("%u %u %u %u %u %u %f %d", &w, &h, &fmt, &ow, &oh, &oc, &scale, &zp) != 8)
        return 2;
    getchar(); /* the newline after the header */
    size_t bpp = fmt == TS_IMG_GRAY8 ? 1 : 3;
    uint8_t *src = malloc((size_t)w * h * bpp);
    int8_t *dst = malloc((size_t)ow * oh * oc);
    if (!src || !dst || fread(src, bpp, (size_t)w * h, stdin) != (size_t)w * h) {
        free(src);
        free(dst);
        return 3;
    }
    int rc = ts_image_prepare(src, (uint16_t)w, (uint16_t)h, (uint8_t)fmt, (uint16_t)ow, (uint16_t)oh,
                              (uint8_t)oc, scale, zp, dst);
    if (rc == 0)
        fwrite(dst, 1, (size_t)ow * oh * oc, stdout);
    free(src);
    free(dst);
    return rc == 0 ? 0 : 4;
}
