"""Training-time augmentation, seeded by the trainer's random generator.

IMU windows (already normalized, shape ``(n, length, channels)``) get additive noise, a
per-window gain and a small time shift. Audio is augmented in the waveform domain before
the front end (noise mixed in at a random level, a time shift), because that is what
changes between two utterances of the same word; the spectrogram is never warped.
"""

from __future__ import annotations

import numpy as np


def shift_time(x: np.ndarray, shift: int) -> np.ndarray:
    """Shift along axis 0 by ``shift`` samples, repeating the edge sample into the gap."""
    if shift == 0:
        return x
    if shift > 0:
        return np.concatenate([np.repeat(x[:1], shift, axis=0), x[:-shift]])
    return np.concatenate([x[-shift:], np.repeat(x[-1:], -shift, axis=0)])


def augment_imu(batch: np.ndarray, rng: np.random.Generator, noise: float = 0.05,
                scale: float = 0.1, max_shift: float = 0.1) -> np.ndarray:
    """Noise, gain and time shift for a batch of normalized IMU windows."""
    out = np.empty_like(batch)
    length = batch.shape[1]
    limit = int(max_shift * length)
    for i, w in enumerate(batch):
        gain = 1.0 + rng.uniform(-scale, scale)
        shifted = shift_time(w, int(rng.integers(-limit, limit + 1)) if limit else 0)
        out[i] = shifted * gain + rng.normal(0.0, noise, size=w.shape)
    return out.astype(batch.dtype)


def augment_audio(samples: np.ndarray, rng: np.random.Generator, noises: list[np.ndarray],
                  max_shift: int = 1600, max_noise_level: float = 0.3) -> np.ndarray:
    """One augmented copy of an int16 clip: time-shifted, with a background noise mixed in.

    ``noises`` are int16 clips of background sound (the project's own noise/silence
    recordings when it has them); without any, white noise at a random low level is used.
    """
    x = np.asarray(samples, dtype=np.float32)
    shift = int(rng.integers(-max_shift, max_shift + 1))
    x = np.roll(x, shift)
    if shift > 0:
        x[:shift] = 0
    elif shift < 0:
        x[shift:] = 0
    level = rng.uniform(0.0, max_noise_level)
    if noises:
        noise = np.asarray(noises[int(rng.integers(len(noises)))], dtype=np.float32)
        if len(noise) < len(x):
            noise = np.resize(noise, len(x))
        start = int(rng.integers(0, len(noise) - len(x) + 1))
        noise = noise[start : start + len(x)]
        ref = max(float(np.std(x)), 1.0)
        noise = noise / max(float(np.std(noise)), 1.0) * ref
    else:
        noise = rng.normal(0.0, max(float(np.std(x)), 100.0), size=len(x)).astype(np.float32)
    return np.clip(np.round(x + level * noise), -32768, 32767).astype(np.int16)
