"""Proposing segments automatically, for the labeler to accept or adjust.

Motion (IMU): like the Arduino IMU_Capture sketch, which starts capturing when the sum
of absolute accelerations exceeds a threshold (2.5 g) and then takes a fixed number of
samples, with a pre-trigger margin so the onset is not cut. Audio: short-time energy in
frames, with hangover so a word is one segment. Proposals never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Proposal:
    start: int
    end: int
    score: float


def motion_activity(x: np.ndarray, channels: list[int] | None = None) -> np.ndarray:
    """Per-sample activity: sum of absolute values of the chosen channels (physical units)."""
    x = np.asarray(x, dtype=np.float64)
    if channels is not None:
        x = x[:, channels]
    return np.abs(x).sum(axis=1)


def threshold_segments(activity: np.ndarray, threshold: float, pre: int, length: int | None = None,
                       hold: int = 0, min_length: int = 1, n_total: int | None = None) -> list[Proposal]:
    """Segments where ``activity`` crosses ``threshold``.

    Fixed length (``length`` given): each trigger opens a segment of ``length`` samples
    starting ``pre`` samples before the crossing; the next trigger is sought after it ends.
    Variable length: the segment lasts while activity stays above threshold (bridging dips
    shorter than ``hold``), plus ``pre`` on both sides.
    """
    n = len(activity) if n_total is None else n_total
    above = np.asarray(activity) > threshold
    out: list[Proposal] = []
    i = 0
    idx = np.flatnonzero(above)
    while True:
        k = np.searchsorted(idx, i)
        if k >= len(idx):
            break
        trig = int(idx[k])
        start = max(0, trig - pre)
        if out and start < out[-1].end:
            start = out[-1].end
        if length is not None:
            end = min(n, start + length)
            if end - start < length:  # not enough data left for a full window
                break
        else:
            last = trig
            j = k
            while j + 1 < len(idx) and idx[j + 1] - last <= hold + 1:
                j += 1
                last = int(idx[j])
            end = min(n, last + 1 + pre)
        if end - start >= min_length:
            out.append(Proposal(start, end, float(np.max(activity[trig:end]))))
        i = end
    return out


def propose_motion(x: np.ndarray, rate_hz: float, threshold: float = 2.5, pre_s: float = 0.0,
                   length_s: float | None = 1.0, channels: list[int] | None = None) -> list[Proposal]:
    """IMU_Capture style: |aX|+|aY|+|aZ| (channels 0..2 by default) >= threshold g."""
    if channels is None and x.shape[1] >= 3:
        channels = [0, 1, 2]
    act = motion_activity(x, channels)
    length = None if length_s is None else max(1, round(length_s * rate_hz))
    return threshold_segments(act, threshold, round(pre_s * rate_hz), length,
                              hold=round(0.1 * rate_hz))


def frame_energy_db(x: np.ndarray, frame: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    n = len(x) // frame
    frames = x[: n * frame].reshape(n, frame)
    frames = frames - frames.mean(axis=1, keepdims=True)
    return 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)


def propose_voice(x: np.ndarray, rate_hz: float, threshold_db: float | None = None, frame_s: float = 0.02,
                  pre_s: float = 0.1, hangover_s: float = 0.2, min_s: float = 0.1,
                  length_s: float | None = None) -> list[Proposal]:
    """Energy-based voice activity on physical samples (full scale = 1.0).

    Default threshold: 12 dB above the 10th percentile frame energy (the noise floor), so
    it adapts to the room. With ``length_s``, segments get a fixed length (e.g. 1 s for
    keyword spotting) starting ``pre_s`` before the onset.
    """
    frame = max(1, round(frame_s * rate_hz))
    e = frame_energy_db(x, frame)
    if len(e) == 0:
        return []
    if threshold_db is None:
        threshold_db = float(np.percentile(e, 10)) + 12.0
    fixed = None if length_s is None else max(1, round(length_s / frame_s))
    frames = threshold_segments(e, threshold_db, round(pre_s / frame_s), fixed,
                                hold=round(hangover_s / frame_s), min_length=1)
    out = []
    n = len(x)
    for p in frames:
        start, end = p.start * frame, min(n, p.end * frame)
        if (end - start) >= min_s * rate_hz:
            out.append(Proposal(start, end, p.score))
    return out
