"""A virtual board that prints text lines, like the sketches people already have.

``imu_capture`` style mimics the Arduino IMU_Capture sketch: a header line of channel
names, one sample per line with three decimals, and after each gesture a blank line and
a pause (the sketch waits for the next movement). ``plotter`` style mimics a Serial
Plotter sketch: tab-separated values, no header, no pauses. Lines are paced by the
monotonic clock like the binary board's samples, so the rate a host measures is exact.

IMU_Capture waits for the port to be opened (``while (!Serial);``), then prints its
header. A pty cannot tell when the host opens it, and pyserial discards what was printed
before, so in that style the board starts (header first) when the host first sends
anything (TinyStudio's connect sends GET_INFO), or after ``wait_host_s`` for passive
readers; it prints the header again when a host talks to it after a silence.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from tinystudio.boards.virtual.board import MAX_BEHIND_S, PtyBoard
from tinystudio.devices.protocol import SensorKind
from tinystudio.errors import DeviceError

STYLES = ("imu_capture", "plotter")
_QUIET_S = 2.0


class TextVirtualBoard(PtyBoard):
    def __init__(
        self,
        sensor: Any,
        *,
        style: str = "imu_capture",
        baud: int | None = None,
        pause_s: float = 0.3,
        wait_host_s: float = 5.0,
        tx_queue_bytes: int | None = None,
    ) -> None:
        if style not in STYLES:
            raise DeviceError(f"unknown text style {style!r}; choose from {', '.join(STYLES)}")
        if sensor.info.kind == SensorKind.CAMERA:
            raise DeviceError(
                "a text board prints samples, not camera images: use --sensors imu or mic, or --replay a CSV"
            )
        super().__init__(baud, tx_queue_bytes)
        # Serial.print blocks when the link is full, so a text sketch slows down rather
        # than losing lines: pause printing while the TX queue is full.
        self.gate_bytes = self.link.tx_queue_bytes // 2
        self.sensor = sensor
        self.style = style
        self.pause_s = pause_s if style == "imu_capture" else 0.0
        self.rate = float(sensor.info.rate_hz)
        info = sensor.info
        self.names = [c.name for c in info.channels]
        self._scales = np.array([c.scale for c in info.channels])
        self._integers = info.kind == SensorKind.MICROPHONE
        decimals = getattr(sensor, "decimals", None) or [3] * len(self.names)
        sep = "," if style == "imu_capture" else "\t"
        if self._integers:
            self._fmt = sep.join(["{:d}"] * len(self.names))
        else:
            self._fmt = sep.join(f"{{:.{d}f}}" for d in decimals)
        self._t0 = 0.0
        self.emitted = 0
        self.segments = 0
        self._rows: list[tuple] = []
        self._starts: list[bool] = []
        self._last_input = -1e9
        self.wait_host_s = wait_host_s if style == "imu_capture" else 0.0
        self._started = False

    def _header(self) -> None:
        if self.style == "imu_capture":
            self.link.queue((",".join(self.names) + "\n").encode())

    def boot(self, now: float) -> None:
        self._boot_t = now
        if self.wait_host_s <= 0:
            self._begin(now)

    def _begin(self, now: float) -> None:
        self._started = True
        self._t0 = now
        self._header()

    def on_input(self, data: bytes) -> None:
        now = time.monotonic()
        if not self._started:
            self._begin(now)  # the host opened the port: setup() goes on
        elif now - self._last_input > _QUIET_S:
            self._header()  # a host reconnected: print the names again
        self._last_input = now

    def _refill(self, n: int) -> None:
        block = self.sensor.generate(n)
        if self._integers:
            rows = [tuple(int(v) for v in r) for r in block]
        else:
            phys = self.sensor.physical(block) if hasattr(self.sensor, "physical") else block * self._scales
            rows = [tuple(r) for r in phys.tolist()]
        starts = [False] * n
        for b in self.sensor.boundaries:
            starts[b] = True
        self._rows += rows
        self._starts += starts

    def tick(self, now: float) -> None:
        if not self._started:
            if now - self._boot_t < self.wait_host_s:
                return
            self._begin(now)
        due = int((now - self._t0) * self.rate) - self.emitted
        if due > self.rate * MAX_BEHIND_S:  # blocked for long: the sketch's next loop() starts late
            self._t0 = now - (self.emitted + 1) / self.rate
            due = 1
        if due <= 0:
            return
        if len(self._rows) < due:
            self._refill(due - len(self._rows))
        take = due
        boundary = False
        if self.style == "imu_capture":
            for i in range(due):
                if self._starts[i]:
                    take, boundary = i, True
                    break
        fmt = self._fmt.format
        text = "".join(fmt(*r) + "\n" for r in self._rows[:take])
        if boundary:
            text += "\n"
            self._starts[take] = False
            self._t0 += self.pause_s
            self.segments += 1
        if text:
            self.link.queue(text.encode())
        del self._rows[:take]
        del self._starts[:take]
        self.emitted += take
