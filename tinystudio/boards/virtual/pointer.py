"""The mouse moved as the board: pointer acceleration as the accelerometer.

Why: a presenter without a board still wants to perform *any* gesture live (a model for
"left-right" and "circle" drawn with the mouse). The window sends pointer positions with
their time (``time.monotonic``, the same clock in every process on the machine); this
source samples the pointer track at the IMU rate a little behind real time (so samples
fall between two known positions), smooths it over about 50 ms (pointer events arrive at
60-120 Hz, a step per event) and differentiates twice. Screen right is the board's +X,
screen down its -Y, gravity stays on +Z as for a board lying flat; the gyroscope reads the
pointer's velocity as a tilt rate, so both halves of a six-axis model see motion.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from tinystudio.boards.virtual.sources import register_source
from tinystudio.devices.protocol import SensorInfo, SensorKind
from tinystudio.devices.units import channel_kind
from tinystudio.errors import DeviceError

#: Screen pixels per metre of board motion (a 0.25 mm pixel).
PX_PER_M = 4000.0
#: deg/s of gyroscope per px/s of pointer speed.
GYRO_PER_PX_S = 0.1
#: Samples are taken this far behind now, so the track around them is known.
LAG_S = 0.12
SMOOTH_S = 0.05
G = 9.80665


class PointerSource:
    """Accelerometer and gyroscope from a pointer track (``feed(t, x, y)``)."""

    classes: tuple[str, ...] = ()  # the presenter performs; any label is fine

    def __init__(self, info: SensorInfo, clock=time.monotonic) -> None:
        self.rate = info.rate_hz
        self.boundaries: list[int] = []
        self._clock = clock
        self._track: deque[tuple[float, float, float]] = deque(maxlen=2048)
        self._lock = threading.Lock()
        kinds = [channel_kind(c.name, c.unit) for c in info.channels]
        self._acc = [i for i, k in enumerate(kinds) if k == "accel"][:3]
        self._gyr = [i for i, k in enumerate(kinds) if k == "gyro"][:3]
        self._n = len(info.channels)
        self._hist = max(3, int(round(SMOOTH_S * self.rate)))
        self._t: float | None = None  # time of the next sample

    def perform(self, label: str | None) -> bool:
        return True

    def feed(self, t: float, x: float, y: float) -> None:
        with self._lock:
            if self._track and t < self._track[-1][0]:
                return  # out of order: keep the track monotonic
            self._track.append((float(t), float(x), float(y)))

    def _positions(self, times: np.ndarray) -> np.ndarray:
        with self._lock:
            track = np.array(self._track) if self._track else np.zeros((1, 3))
        if len(track) == 1:
            return np.repeat(track[:, 1:], len(times), axis=0)
        return np.stack([np.interp(times, track[:, 0], track[:, k]) for k in (1, 2)], axis=1)

    def read(self, n: int) -> np.ndarray:
        now = self._clock() - LAG_S
        if self._t is None or abs(self._t - now) > 1.0:
            self._t = now - n / self.rate  # first block, or the board was paused: catch up
        # A margin each side keeps the smoothing's and the derivatives' edges out of the
        # block (the track is known a little past it: samples lag real time).
        h = self._hist
        margin = 2 * h + 2
        times = self._t + (np.arange(-margin, n + margin) / self.rate)
        self._t += n / self.rate
        pos = self._positions(times)
        kernel = np.ones(h) / h
        smooth = np.stack([np.convolve(pos[:, k], kernel, mode="same") for k in (0, 1)], axis=1)
        vel = np.gradient(smooth, axis=0) * self.rate
        acc = np.gradient(vel, axis=0) * self.rate
        vel, acc = vel[margin:margin + n], acc[margin:margin + n]
        out = np.zeros((n, self._n))
        ax = [acc[:, 0] / PX_PER_M / G, -acc[:, 1] / PX_PER_M / G, np.ones(n)]
        for i, v in zip(self._acc, ax, strict=False):
            out[:, i] = v
        gy = [vel[:, 1] * GYRO_PER_PX_S, vel[:, 0] * GYRO_PER_PX_S, np.zeros(n)]
        for i, v in zip(self._gyr, gy, strict=False):
            out[:, i] = v
        return out


def _mouse(spec: dict, info: SensorInfo) -> PointerSource:
    if info.kind != SensorKind.IMU:
        raise DeviceError(f"the mouse stands in for the accelerometer; the {info.name} sensor cannot use it")
    return PointerSource(info)


register_source("mouse", _mouse)
