"""What a keyword model's Deploy display shows: "listening" until a detection, the detected
keyword for a hold time, then "listening" again.

Why: the raw top class of a keyword model flips every window and a 50 % "no" looks as sure
as anything. The page feeds each new INFERENCE result (once, in window order) to the
recognizer defined by the model's descriptor (deploy/recognize.py) and shows its decision.
Time is the board's: window index x stride, so a replayed file and a live board agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinystudio.deploy.recognize import Detection, RecognitionSettings, Recognizer

HOLD_MS = 1500.0  # a detection stays on screen this long (board time)


@dataclass(frozen=True)
class Shown:
    """The display's state: ``detection`` None means listening; ``best`` is the raw top
    class of the newest window (for the small print only)."""

    detection: Detection | None
    best: str = ""
    best_score: float = 0.0


class KeywordDisplay:
    def __init__(self, desc, hold_ms: float = HOLD_MS) -> None:
        self.settings = RecognitionSettings.for_descriptor(desc)
        self.recognizer = Recognizer(tuple(desc.labels), self.settings)
        self.stride_ms = 1000.0 * desc.stride / desc.rate_hz
        self.hold_ms = hold_ms
        self.labels = tuple(desc.labels)
        self._last_index: int | None = None
        self._detection: Detection | None = None
        self._now_ms = 0.0
        self._best = ("", 0.0)

    def feed(self, results) -> Shown:
        """``results``: the InferenceResults that arrived since the last call, in order; a window
        index going backwards means the board restarted its stream. Returns the state."""
        for r in results:
            if self._last_index is not None and r.window_index < self._last_index:
                self.recognizer.reset()  # the board restarted its stream
                self._detection = None
            elif self._last_index is not None and r.window_index == self._last_index:
                continue  # fed already
            self._last_index = r.window_index
            self._now_ms = r.window_index * self.stride_ms
            d = self.recognizer.update(self._now_ms, r.scores)
            if d is not None:
                self._detection = d
            if r.scores:
                self._best = (r.label, max(r.scores))
        return self.state()

    def state(self) -> Shown:
        d = self._detection
        if d is not None and self._now_ms - d.time_ms >= self.hold_ms:
            d = self._detection = None
        return Shown(d, *self._best)
