/* Synthetic IMU and microphone (see synth.h). Float math on the M4's FPU, no libm. */
#include "synth.h"

#define PI_F 3.14159265f

/* sin(2*pi*phase) for any phase (turns), Bhaskara I's approximation: within 0.2%. */
static float sin_turns(float phase)
{
    float x, num;
    int neg = 0;
    phase -= (float)(int32_t)phase;
    if (phase < 0) phase += 1.0f;
    if (phase >= 0.5f) {
        phase -= 0.5f;
        neg = 1;
    }
    x = phase * 2.0f * PI_F; /* 0..pi */
    num = 16.0f * x * (PI_F - x);
    x = num / (5.0f * PI_F * PI_F - 4.0f * x * (PI_F - x));
    return neg ? -x : x;
}

/* Small xorshift noise, seeded by the sample index: the same index, the same noise. */
static float noise(uint32_t n, uint32_t salt)
{
    uint32_t x = n * 2654435761u ^ salt;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return (float)(int32_t)(x & 0xFFFFu) / 32768.0f - 1.0f;
}

static int16_t clamp16(float v)
{
    if (v > 32767.0f) return 32767;
    if (v < -32768.0f) return -32768;
    return (int16_t)(v < 0 ? v - 0.5f : v + 0.5f);
}

void synth_imu(uint32_t n, uint32_t rate_hz, int16_t out[6])
{
    const float g = 32768.0f / 4.0f, dps = 32768.0f / 2000.0f;
    float t = (float)(n % (2u * rate_hz)) / (float)rate_hz; /* 0..2 s, one punch per cycle */
    float punch = t < 0.5f ? sin_turns(t) : 0.0f;          /* half a sine, 0.5 s */
    float wobble = sin_turns(t * 0.5f);
    int i;
    float v[6];
    v[0] = 2.5f * punch * g;
    v[1] = 0.1f * wobble * g;
    v[2] = (1.0f - 0.3f * punch) * g;
    v[3] = 40.0f * wobble * dps;
    v[4] = 300.0f * punch * dps;
    v[5] = -120.0f * punch * dps;
    for (i = 0; i < 6; i++) out[i] = clamp16(v[i] + 30.0f * noise(n, 0x9E37u + (uint32_t)i));
}

int16_t synth_mic(uint32_t n, uint32_t rate_hz)
{
    float t = (float)(n % rate_hz) / (float)rate_hz;            /* 1 s cycle */
    float tone = sin_turns((float)(n % (rate_hz / 10u)) * 440.0f / (float)rate_hz);
    float swell = 0.5f + 0.5f * sin_turns(t);
    return clamp16(6000.0f * swell * tone + 400.0f * noise(n, 0x51EDu));
}
