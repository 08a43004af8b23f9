"""Streaming keyword recognition: per-window scores -> detections that do not flicker.

Why: a keyword model scores every window; shown raw, the label flips between classes every
second and "no 50 %" looks as sure as anything. This is TFLM micro_speech's
RecognizeCommands idea, defined once with explicit parameters (docs/keywords.md): scores
averaged over the results of the last ``average_window_ms``, a detection when the best
averaged keyword reaches ``threshold`` with at least ``minimum_count`` results in the
window, then ``suppression_ms`` without another detection. Classes named like silence,
noise or unknown never fire: they mean "listening".

Time is the board's (window index x stride), not arrival time, so the host replaying a
file and a board streaming live give the same detections for the same windows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

#: Class names that mean "no keyword" (case-insensitive).
NOT_KEYWORDS = frozenset({"silence", "_silence_", "unknown", "_unknown_", "noise", "background",
                          "_background_noise_"})  # fmt: skip


@dataclass(frozen=True)
class RecognitionSettings:
    average_window_ms: float = 1000.0
    threshold: float = 0.7
    suppression_ms: float = 1500.0
    minimum_count: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0 or self.average_window_ms <= 0 or self.minimum_count < 1 \
                or self.suppression_ms < 0:
            raise ValueError(f"recognition settings out of range: {self}")

    @classmethod
    def for_descriptor(cls, desc) -> RecognitionSettings:
        """A model's settings: those its descriptor holds (``recognition``, written by
        ``tinystudio evaluate --continuous``), else defaults fitted to its stride: the
        minimum count never exceeds the results one averaging window can hold (a 500 ms
        stride gives 2 per second, so the default 3 would never fire)."""
        saved = dict(getattr(desc, "recognition", None) or {})
        base = cls()
        stride_ms = 1000.0 * desc.stride / desc.rate_hz if desc.rate_hz else 0.0
        fits = int(base.average_window_ms // stride_ms) if stride_ms > 0 else base.minimum_count
        base = cls(base.average_window_ms, base.threshold, base.suppression_ms,
                   max(1, min(base.minimum_count, fits)))
        names = ("average_window_ms", "threshold", "suppression_ms", "minimum_count")
        picked = {k: saved[k] for k in names if k in saved}
        if "minimum_count" in picked:
            picked["minimum_count"] = int(picked["minimum_count"])
        return cls(**{**{k: getattr(base, k) for k in names}, **picked})


@dataclass(frozen=True)
class Detection:
    label: str
    score: float  # averaged
    time_ms: float


class Recognizer:
    """Feed every window's scores in order; ``update`` returns a :class:`Detection` or None."""

    def __init__(self, labels: tuple[str, ...] | list[str], settings: RecognitionSettings | None = None) -> None:
        self.labels = tuple(labels)
        self.settings = settings or RecognitionSettings()
        self.keyword = np.array([lab.lower() not in NOT_KEYWORDS for lab in self.labels])
        self._recent: deque[tuple[float, np.ndarray]] = deque()
        self._last_detection_ms: float | None = None

    def reset(self) -> None:
        self._recent.clear()
        self._last_detection_ms = None

    def update(self, time_ms: float, scores) -> Detection | None:
        s = self.settings
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if scores.shape != (len(self.labels),):
            raise ValueError(f"{scores.size} scores for {len(self.labels)} labels")
        if self._recent and time_ms < self._recent[-1][0]:
            self.reset()  # time went backwards: a new stream
        self._recent.append((float(time_ms), scores))
        while self._recent and self._recent[0][0] <= time_ms - s.average_window_ms:
            self._recent.popleft()
        if len(self._recent) < s.minimum_count or not self.keyword.any():
            return None
        mean = np.mean([x for _, x in self._recent], axis=0)
        best = int(np.argmax(np.where(self.keyword, mean, -np.inf)))
        if mean[best] < s.threshold or int(np.argmax(mean)) != best:
            return None
        if self._last_detection_ms is not None and time_ms - self._last_detection_ms < s.suppression_ms:
            return None
        self._last_detection_ms = float(time_ms)
        return Detection(self.labels[best], float(mean[best]), float(time_ms))
