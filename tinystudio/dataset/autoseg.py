"""Proposing segments automatically, for the labeler to accept or adjust.

Motion (IMU): like the Arduino IMU_Capture sketch, which starts capturing when the sum
of absolute accelerations exceeds a threshold and then takes a fixed number of samples,
with a pre-trigger margin so the onset is not cut. Unlike the sketch, the threshold is
applied to *motion*: accelerations in g (m/s2 and milli-g converted, from the channel
units or, failing those, from gravity's magnitude), with gravity separated by a
high-pass (the signal minus its 2-second moving average) so a device lying still at any
orientation reads 0 g. IMU_Capture's 2.5 g with gravity is about 1.5 g of motion.
Audio: short-time energy in frames, with hangover so a word is one segment. Proposals
never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinystudio.devices.units import TO_G, accel_channels, normalize_unit

#: Default motion threshold, g with gravity removed (IMU_Capture's 2.5 g minus 1 g).
MOTION_THRESHOLD_G = 1.5
#: Window of the moving average taken as gravity (longer than a gesture).
GRAVITY_WINDOW_S = 2.0


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


@dataclass(frozen=True)
class MotionInput:
    """Which channels were taken as the accelerometer, in which unit, and why."""

    channels: list[int]
    unit: str
    unit_from: str  # "units", "gravity magnitude", "assumed"


def remove_gravity(x: np.ndarray, rate_hz: float, window_s: float = GRAVITY_WINDOW_S) -> np.ndarray:
    """High-pass: each axis minus its centred moving average (edges held)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return x
    w = max(3, int(round(window_s * rate_hz)) | 1)
    pad = w // 2
    xp = np.pad(x, ((pad, pad), (0, 0)), mode="edge")
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), xp]), axis=0)
    return x - (c[w:] - c[:-w]) / w


def accel_in_g(x: np.ndarray, names: list[str] | None = None, units: list[str] | None = None,
               channels: list[int] | None = None) -> tuple[np.ndarray, MotionInput]:
    """The accelerometer axes of ``x`` in g, and how they were chosen.

    Channels: given, else the named accelerometer axes (``aX``, ``accX``, ``Acceleration
    x``; a magnitude channel is left out), else the first three. Unit: from the channel
    units (g, mg, m/s2), else from gravity: a median magnitude near 9.8 means m/s2."""
    x = np.asarray(x, dtype=np.float64)
    unit, unit_from = "", "assumed"
    if channels is None and names is not None:
        found = accel_channels(names, units or [""] * len(names))
        axes = [(i, f) for i, f in found if names[i].strip()[-1:].lower() in "xyz"] or found
        if axes:
            channels = [i for i, _ in axes[:3]]
    if channels is None:
        channels = list(range(min(3, x.shape[1])))
    if units:
        known = {normalize_unit(units[i]) for i in channels if i < len(units)}
        if len(known) == 1 and (u := known.pop()) in TO_G:
            unit, unit_from = u, "units"
    a = x[:, channels]
    if not unit:
        norm = float(np.median(np.linalg.norm(a, axis=1))) if len(a) else 0.0
        unit, unit_from = ("m/s2", "gravity magnitude") if 6.0 < norm < 14.0 else ("g", "assumed")
    return a * TO_G[unit], MotionInput(channels, unit, unit_from)


def propose_motion(x: np.ndarray, rate_hz: float, threshold: float | None = None, pre_s: float = 0.0,
                   length_s: float | None = 1.0, channels: list[int] | None = None,
                   names: list[str] | None = None, units: list[str] | None = None) -> list[Proposal]:
    """Motion segments: |ax|+|ay|+|az| of the gravity-free acceleration >= ``threshold`` g."""
    a, _ = accel_in_g(x, names, units, channels)
    act = motion_activity(remove_gravity(a, rate_hz))
    length = None if length_s is None else max(1, round(length_s * rate_hz))
    return threshold_segments(act, MOTION_THRESHOLD_G if threshold is None else threshold,
                              round(pre_s * rate_hz), length, hold=round(0.1 * rate_hz))


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
