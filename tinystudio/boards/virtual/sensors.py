"""Synthetic sensors of the virtual board: an IMU doing gestures, a microphone, a camera.

The signals are made to be *learnable*: each IMU gesture has its own unmistakable shape
(a punch is a sharp forward spike, a wave a side-to-side swing, a circle two axes in
quadrature), with gravity and sensor noise on top, so a model trained on recordings of
the virtual board reaches high accuracy and a live-inference demo works without a board.

Every sensor produces raw values exactly as firmware would send them (int16 with a
per-channel scale, GRAY8 images), one block at a time via ``generate(n)``; the blocks
carry no timing, the board paces them. ``boundaries`` lists, for the last block, the
indices before which a new segment (gesture) started, which text mode prints as blank
lines.
"""

from __future__ import annotations

import numpy as np

from tinystudio.devices.protocol import ChannelInfo, PixelFormat, SampleType, SensorInfo, SensorKind

IMU_ID, MIC_ID, CAMERA_ID = 0, 1, 2
ACCEL_SCALE = 1.0 / 4096.0  # +-8 g in int16
GYRO_SCALE = 1.0 / 16.4  # +-2000 deg/s in int16
GESTURES = ("idle", "wave", "circle", "punch")


def imu_info(rate_hz: float, sensor_id: int = IMU_ID) -> SensorInfo:
    chans = tuple(ChannelInfo(n, "g", ACCEL_SCALE) for n in ("aX", "aY", "aZ")) + tuple(
        ChannelInfo(n, "deg/s", GYRO_SCALE) for n in ("gX", "gY", "gZ")
    )
    return SensorInfo(sensor_id, SensorKind.IMU, "imu", SampleType.I16, float(rate_hz), chans)


def _gesture(name: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accelerometer (g, gravity excluded) and gyroscope (deg/s) of one gesture at times t (s)."""
    n = len(t)
    acc = np.zeros((n, 3))
    gyr = np.zeros((n, 3))
    if name == "wave":  # side to side, 2.5 Hz, hand rolling with it
        w = 2 * np.pi * 2.5
        acc[:, 1] = 1.5 * np.sin(w * t)
        gyr[:, 0] = 220.0 * np.cos(w * t)
        gyr[:, 2] = 60.0 * np.sin(w * t)
    elif name == "circle":  # drawing a vertical circle once per 0.8 s
        w = 2 * np.pi / 0.8
        acc[:, 0] = 0.9 * np.cos(w * t)
        acc[:, 2] = 0.9 * np.sin(w * t)
        gyr[:, 1] = 180.0 + 30.0 * np.sin(w * t)
    elif name == "punch":  # fast forward thrust, stop, pull back: once per second
        ph = np.mod(t, 1.0)
        acc[:, 0] = 4.5 * np.exp(-(((ph - 0.25) / 0.04) ** 2)) - 3.0 * np.exp(-(((ph - 0.38) / 0.05) ** 2))
        acc[:, 0] -= 0.8 * np.exp(-(((ph - 0.65) / 0.08) ** 2))
        gyr[:, 1] = -350.0 * np.exp(-(((ph - 0.3) / 0.06) ** 2))
    elif name != "idle":
        raise ValueError(f"unknown gesture {name!r}; choose from {', '.join(GESTURES)}")
    return acc, gyr


class GestureImu:
    """Six-axis IMU cycling through gestures (``gesture=None``) or repeating one."""

    #: What it can perform when asked (see ``sources.SyntheticSource``).
    GESTURES = GESTURES

    def __init__(
        self,
        rate_hz: float = 119.0,
        gesture: str | None = None,
        seconds_per_gesture: float = 2.0,
        seed: int = 0,
        sensor_id: int = IMU_ID,
    ) -> None:
        if gesture is not None and gesture not in GESTURES:
            raise ValueError(f"unknown gesture {gesture!r}; choose from {', '.join(GESTURES)}")
        self.info = imu_info(rate_hz, sensor_id)
        self.rate = float(rate_hz)
        self.gesture = gesture
        self.per_gesture = max(1, int(round(seconds_per_gesture * self.rate)))
        self.index = 0
        self.boundaries: list[int] = []
        self._rng = np.random.default_rng(seed)
        # A slowly varying orientation so gravity is not always on one axis.
        self._tilt = self._rng.uniform(-0.3, 0.3, size=2)

    def label_at(self, index: int) -> str:
        if self.gesture is not None:
            return self.gesture
        return GESTURES[(index // self.per_gesture) % len(GESTURES)]

    def generate(self, n: int) -> np.ndarray:
        idx = np.arange(self.index, self.index + n)
        seg = idx // self.per_gesture
        self.boundaries = [int(i) for i in np.nonzero(idx % self.per_gesture == 0)[0] if idx[i] > 0]
        out_acc = np.empty((n, 3))
        out_gyr = np.empty((n, 3))
        for s in np.unique(seg):
            m = seg == s
            name = self.label_at(int(s) * self.per_gesture)
            t = (idx[m] - s * self.per_gesture) / self.rate
            a, g = _gesture(name, t)
            out_acc[m], out_gyr[m] = a, g
        tx, ty = self._tilt
        gravity = np.array([np.sin(tx), np.sin(ty) * np.cos(tx), np.cos(tx) * np.cos(ty)])
        out_acc += gravity + self._rng.normal(0, 0.012, (n, 3))
        out_gyr += self._rng.normal(0, 0.6, (n, 3))
        self.index += n
        raw = np.empty((n, 6), dtype="<i2")
        raw[:, :3] = np.clip(np.rint(out_acc / ACCEL_SCALE), -32768, 32767)
        raw[:, 3:] = np.clip(np.rint(out_gyr / GYRO_SCALE), -32768, 32767)
        return raw


class SyntheticMic:
    """16 kHz int16 microphone: one-second scenes of quiet, a two-tone chirp and a 'word'."""

    SCENES = ("silence", "tone", "word")

    def __init__(self, rate_hz: float = 16000.0, seed: int = 0, sensor_id: int = MIC_ID) -> None:
        self.info = SensorInfo(
            sensor_id,
            SensorKind.MICROPHONE,
            "mic",
            SampleType.I16,
            float(rate_hz),
            (ChannelInfo("mic", "", 1.0 / 32768.0),),
        )
        self.rate = float(rate_hz)
        self.index = 0
        self.boundaries: list[int] = []
        self._rng = np.random.default_rng(seed + 1)
        self._per_scene = max(1, int(self.rate))

    def generate(self, n: int) -> np.ndarray:
        idx = np.arange(self.index, self.index + n)
        t = idx / self.rate
        scene = (idx // self._per_scene) % len(self.SCENES)
        local = (idx % self._per_scene) / self.rate
        x = self._rng.normal(0, 0.01, n)
        tone = scene == 1
        x[tone] += 0.3 * np.sin(2 * np.pi * (440 + 600 * local[tone]) * t[tone])
        word = scene == 2
        env = np.sin(np.pi * np.clip((local[word] - 0.2) / 0.6, 0, 1)) ** 2
        x[word] += env * (0.25 * np.sin(2 * np.pi * 180 * t[word]) + 0.15 * np.sin(2 * np.pi * 900 * t[word]))
        self.boundaries = [int(i) for i in np.nonzero(idx % self._per_scene == 0)[0] if idx[i] > 0]
        self.index += n
        return np.clip(np.rint(x * 32767), -32768, 32767).astype("<i2").reshape(n, 1)


class SyntheticCamera:
    """Small GRAY8 camera: a bright disc circling over a gradient, with sensor noise."""

    def __init__(self, fps: float = 10.0, size: int = 96, seed: int = 0, sensor_id: int = CAMERA_ID) -> None:
        if not 8 <= size <= 96:
            raise ValueError(f"camera size {size} must be 8..96 pixels")
        self.info = SensorInfo(
            sensor_id,
            SensorKind.CAMERA,
            "camera",
            SampleType.U8,
            float(fps),
            (ChannelInfo("gray", "", 1.0),),
            width=size,
            height=size,
            pixel_format=PixelFormat.GRAY8,
        )
        self.rate = float(fps)
        self.index = 0
        self.boundaries: list[int] = []
        self._rng = np.random.default_rng(seed + 2)
        yy, xx = np.mgrid[0:size, 0:size]
        self._yy, self._xx = yy, xx
        self._background = (40 + 60 * xx / size).astype(np.float64)

    def generate(self, n: int) -> np.ndarray:
        size = self.info.width
        out = np.empty((n, size, size), dtype=np.uint8)
        for k in range(n):
            a = 2 * np.pi * (self.index + k) / (self.rate * 3)
            cx = size / 2 + size / 4 * np.cos(a)
            cy = size / 2 + size / 4 * np.sin(a)
            disc = ((self._xx - cx) ** 2 + (self._yy - cy) ** 2) < (size / 8) ** 2
            img = self._background + 150 * disc + self._rng.normal(0, 3, (size, size))
            out[k] = np.clip(img, 0, 255)
        self.index += n
        return out
