"""Cutting sensor streams into fixed-length model windows.

Training, host inference and the board all cut windows the same way: a window is
``length`` consecutive samples, the next one starts ``stride`` samples later. Lengths
may be given in milliseconds; they are converted once, here, with one rounding rule, so
the descriptor sent to the board always carries whole samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WindowSpec:
    """Window length and stride in samples (the board's unit)."""

    length: int
    stride: int

    def __post_init__(self) -> None:
        if self.length < 1 or self.stride < 1:
            raise ValueError(f"window length and stride must be >= 1 sample, got {self}")

    @classmethod
    def from_ms(cls, length_ms: float, stride_ms: float, rate_hz: float) -> WindowSpec:
        """Milliseconds -> samples, rounding to the nearest sample (at least one)."""
        return cls(
            length=max(1, int(round(length_ms * rate_hz / 1000.0))),
            stride=max(1, int(round(stride_ms * rate_hz / 1000.0))),
        )

    def length_ms(self, rate_hz: float) -> float:
        return 1000.0 * self.length / rate_hz

    def stride_ms(self, rate_hz: float) -> float:
        return 1000.0 * self.stride / rate_hz


def window_starts(n_samples: int, spec: WindowSpec) -> list[int]:
    """Start indices of every full window inside ``n_samples`` samples."""
    if n_samples < spec.length:
        return []
    return list(range(0, n_samples - spec.length + 1, spec.stride))


def segment_window_starts(
    seg_start: int, seg_end: int, recording_len: int, spec: WindowSpec
) -> list[int]:
    """Window starts for a labeled segment ``[seg_start, seg_end)`` of a recording.

    A segment at least one window long gives every full window inside it. A shorter
    segment (a brief gesture labeled tightly) gives one window centred on it, shifted to
    stay inside the recording, so short labels still count. Returns ``[]`` only if the
    recording itself is shorter than a window.
    """
    if recording_len < spec.length:
        return []
    seg_start = max(0, seg_start)
    seg_end = min(recording_len, seg_end)
    if seg_end - seg_start >= spec.length:
        return [seg_start + s for s in window_starts(seg_end - seg_start, spec)]
    centre = (seg_start + seg_end) // 2
    start = centre - spec.length // 2
    return [min(max(0, start), recording_len - spec.length)]


def cut_windows(samples: np.ndarray, spec: WindowSpec) -> np.ndarray:
    """All full windows of a ``(n, channels)`` array as ``(n_windows, length, channels)``."""
    starts = window_starts(len(samples), spec)
    if not starts:
        return np.zeros((0, spec.length) + samples.shape[1:], dtype=samples.dtype)
    return np.stack([samples[s : s + spec.length] for s in starts])
