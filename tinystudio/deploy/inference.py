"""The board's own predictions, live: INFERENCE frames turned into typed results.

The listener runs its callback on the session's reader thread and only appends to a
bounded history and a few counters, so a display can poll it on its own timer and a
command can summarize it at the end; nothing here blocks the reader.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import Frame, MsgType, ProtocolError


@dataclass(frozen=True)
class InferenceResult:
    window_index: int
    latency_us: int
    top_index: int
    scores: tuple[float, ...]  # probabilities: (raw - zero_point) * scale
    raw: tuple[int, ...]  # the int8 output tensor as the board sent it
    label: str
    seq: int = 0
    received: float = 0.0  # time.monotonic() on arrival


class InferenceListener:
    """Collects a board's INFERENCE messages; use as a context manager or call close()."""

    def __init__(
        self,
        session,
        labels: tuple[str, ...] | list[str] | None = None,
        history: int = 1024,
        on_result: Callable[[InferenceResult], None] | None = None,
    ) -> None:
        self.labels = tuple(labels or ())
        self.history: deque[InferenceResult] = deque(maxlen=history)
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.lost = 0
        self.malformed = 0
        self.latency_sum_us = 0
        self.on_result = on_result
        self._last_seq: int | None = None
        self._lock = threading.Lock()
        self._unsubscribe = session.subscribe_frames(self._on_frame, types=[MsgType.INFERENCE])

    def _label(self, index: int) -> str:
        return self.labels[index] if 0 <= index < len(self.labels) else f"class {index}"

    def _on_frame(self, frame: Frame) -> None:
        try:
            msg = mm.decode_inference(frame.body)
        except ProtocolError:
            self.malformed += 1
            return
        raw = tuple(int(b - 256 if b > 127 else b) for b in msg.scores)
        result = InferenceResult(
            msg.window_index, msg.latency_us, msg.top_index, tuple(msg.probabilities()), raw,
            self._label(msg.top_index), frame.seq, time.monotonic(),
        )  # fmt: skip
        with self._lock:
            if self._last_seq is not None:
                self.lost += (frame.seq - self._last_seq - 1) & 0xFFFF
            self._last_seq = frame.seq
            self.history.append(result)
            self.counts[result.label] += 1
            self.total += 1
            self.latency_sum_us += msg.latency_us
        if self.on_result is not None:
            self.on_result(result)

    @property
    def mean_latency_us(self) -> float:
        return self.latency_sum_us / self.total if self.total else 0.0

    def latest(self, n: int = 1) -> list[InferenceResult]:
        with self._lock:
            return list(self.history)[-n:]

    def summary(self) -> dict:
        with self._lock:
            return {
                "results": self.total,
                "counts": dict(self.counts),
                "mean_latency_us": round(self.mean_latency_us, 1),
                "lost": self.lost,
            }

    def close(self) -> None:
        self._unsubscribe()

    def __enter__(self) -> InferenceListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
