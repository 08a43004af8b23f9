"""The camera's live image, at the board's resolution scaled to fit, with rate and drops.

Drawn only when a new frame has arrived (the ring's total moved). The caption gives the
resolution and pixel format from HELLO, the frame rate measured here over the last
seconds of arrivals, and the frames lost on the link (sequence gaps) when the page
passes the stream, so a stalling camera is visible at a glance.
"""

from __future__ import annotations

import time
from collections import deque

from tinystudio.ui.widgets.frame_view import FrameView


class CameraView(FrameView):
    def __init__(self, title: str = "camera", parent=None, sensor=None) -> None:
        super().__init__("waiting for frames", parent=parent, min_size=120)
        self.setMinimumSize(160, 150)
        self.setToolTip(title)
        self.sensor = sensor
        self._last_total = -1
        self._arrivals: deque[tuple[float, int]] = deque(maxlen=64)

    def fps(self) -> float | None:
        """Frames per second over the arrivals of the last ~3 s (None before two)."""
        if len(self._arrivals) < 2:
            return None
        (t0, n0), (t1, n1) = self._arrivals[0], self._arrivals[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else None

    def update_from(self, ring, stream=None) -> bool:
        total = ring.total
        if total == self._last_total or total == 0:
            return False
        self._last_total = total
        now = time.monotonic()
        self._arrivals.append((now, total))
        while len(self._arrivals) > 2 and now - self._arrivals[0][0] > 3.0:
            self._arrivals.popleft()
        self.show_frame(ring.latest(1)[0])
        self.caption.setText(self._describe(stream))
        return True

    def _describe(self, stream) -> str:
        h, w = self.shown.shape[:2]
        fmt = self.sensor.pixel_format.name.lower() if self.sensor is not None else ""
        rate = self.fps()
        parts = [f"{w}x{h} {fmt}".strip(), f"{rate:.1f} fps" if rate else "-- fps"]
        if stream is not None:
            parts.append(f"{stream.lost_frames} lost")
        return " · ".join(parts)
