/* Host throughput of the C core's frame encoder and decoder (benchmarks/bench_firmware_core.py).
 * usage: bench N_FRAMES BODY_BYTES -> one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "TinyStudioRecorder.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t frames = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
    size_t body_len = argc > 2 ? strtoul(argv[2], NULL, 0) : 24;
    static uint8_t body[TS_MAX_BODY], rx[TS_ENCODED_MAX(TS_MAX_BODY)];
    size_t per = TS_ENCODED_MAX(body_len), i, len = 0, got = 0;
    uint8_t *stream = malloc(frames * per);
    ts_decoder d;
    ts_frame f;
    double t0, t_enc, t_dec;
    if (!stream || body_len > TS_MAX_BODY) return 1;
    for (i = 0; i < body_len; i++) body[i] = (uint8_t)(i * 37u);
    t0 = now();
    for (i = 0; i < frames; i++)
        len += ts_frame_encode(stream + len, per, TS_SAMPLES, 0, (uint16_t)i, body, body_len);
    t_enc = now() - t0;
    ts_decoder_init(&d, rx, sizeof rx);
    t0 = now();
    for (i = 0; i < len; i++) got += (size_t)ts_decoder_feed(&d, stream[i], &f);
    t_dec = now() - t0;
    printf("{\"frames\": %zu, \"body_bytes\": %zu, \"stream_bytes\": %zu, \"decoded\": %zu, "
           "\"encode_frames_per_s\": %.0f, \"decode_frames_per_s\": %.0f, \"decode_mb_per_s\": %.2f}\n",
           frames, body_len, len, got, (double)frames / t_enc, (double)frames / t_dec,
           (double)len / t_dec / 1e6);
    free(stream);
    return got == frames ? 0 : 2;
}
