/* Synthetic sensors of the emulated board: a 6-axis IMU and a microphone.
 *
 * Why synthetic: QEMU's MPS2 has no IMU or microphone. The signals are deterministic
 * functions of the sample index (plus a seeded noise generator), so a recording made
 * from the emulated board is reproducible, and they have the look of the real thing:
 * gravity on aZ with a "punch" every 2 s, a tone with a slow amplitude swell on the mic.
 */
#ifndef SYNTH_H
#define SYNTH_H

#include <stdint.h>

/* Sample n of the IMU at rate_hz: aX aY aZ (4 g full scale) gX gY gZ (2000 dps). */
void synth_imu(uint32_t n, uint32_t rate_hz, int16_t out[6]);
/* Sample n of the microphone at rate_hz (int16, full scale 32768). */
int16_t synth_mic(uint32_t n, uint32_t rate_hz);

#endif
