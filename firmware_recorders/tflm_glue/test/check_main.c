/* Host driver for ts_tflm_check.c (tests/firmware/test_mcu_model_check.py).
 *
 * Why: the model check parses untrusted flatbuffers on the board; on the host it runs
 * under AddressSanitizer and UBSan, on real models and on thousands of mutations of them,
 * and its verdicts are compared with the Python op contract.
 *   check_main check MODEL WINDOW CHANNELS     -> "<status> <input_bytes> <output_bytes> <why>"
 *   check_main fuzz MODEL WINDOW CHANNELS N SEED -> "<accepted> <refused>" after N mutations
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts_tflm_check.h"

static uint8_t *load(const char *path, uint32_t *n)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint8_t *buf;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)size ? (size_t)size : 1u);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) size = 0;
    fclose(f);
    *n = (uint32_t)size;
    return buf;
}

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

int main(int argc, char **argv)
{
    ts_descriptor d;
    ts_tflm_model_info info;
    char why[128];
    uint32_t n = 0;
    uint8_t *model, st;
    if (argc < 5) return 2;
    model = load(argv[2], &n);
    if (!model) return 2;
    memset(&d, 0, sizeof d);
    d.frontend = TS_FRONTEND_RAW;
    d.window = (uint16_t)atoi(argv[3]);
    d.n_channels = (uint8_t)atoi(argv[4]);
    if (strcmp(argv[1], "check") == 0) {
        st = ts_tflm_check(model, n, &d, 9216u, 255u, &info, why, sizeof why);
        printf("%u %u %u %s\n", st, info.input_bytes, info.output_bytes, why);
    } else if (strcmp(argv[1], "fuzz") == 0 && argc >= 7) {
        long i, iters = atol(argv[5]);
        unsigned ok = 0, refused = 0;
        uint8_t *copy = malloc(n);
        rng_state = (uint32_t)atol(argv[6]) | 1u;
        for (i = 0; i < iters; i++) {
            uint32_t k, flips = 1u + rnd() % 8u, len = n;
            memcpy(copy, model, n);
            for (k = 0; k < flips; k++) {
                uint32_t pos = rnd() % (n < 512u ? n : 512u); /* tables and offsets are up front */
                copy[pos] = (uint8_t)(rnd() % 4u == 0 ? 0xFFu : rnd());
            }
            if (rnd() % 8u == 0) len = rnd() % n; /* truncated */
            /* an exact-size heap copy: ASan sees any read past the model */
            {
                uint8_t *exact = malloc(len ? len : 1u);
                memcpy(exact, copy, len);
                st = ts_tflm_check(exact, len, &d, 9216u, 255u, &info, why, sizeof why);
                free(exact);
            }
            if (st == TS_OK) ok++;
            else refused++;
        }
        printf("%u %u\n", ok, refused);
        free(copy);
    } else {
        return 2;
    }
    free(model);
    return 0;
}
