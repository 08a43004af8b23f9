"""What the virtual board's sensors show: sources that can be switched while it runs.

Why: a virtual board that cycles through fixed gestures whatever the user records makes
every take mislabeled by construction. Instead each sensor of the board is a
:class:`SensorSlot` with a fixed description (what HELLO announced: channels, rate,
scale) and a *source* behind it that can be replaced at any time without restarting the
board, so the flashed model survives a change of source. A source that knows classes
*performs* the one asked for: while the user records "punch", the board shows punches.

The interface a source implements (the microphone and camera sources plug in here too)::

    class MySource:
        classes: tuple[str, ...]          # what it can perform; () = it just plays
        boundaries: list[int]             # segment starts within the last block (text mode)
        def perform(self, label: str | None) -> bool: ...  # False: cannot perform that
        def read(self, n: int) -> np.ndarray: ...          # n samples, physical units

``read`` returns ``(n, channels)`` floats in the units of the slot's channels (g, deg/s,
full scale 1.0) at the slot's rate, or ``(n, h, w)`` pixel values for a camera; the slot
quantizes to the sensor's wire type. Factories are registered per kind with
:func:`register_source` and built from a small JSON-able spec (``{"kind": "example",
"name": "gestures"}``) by :func:`build_source`, which is what the control channel sends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from tinystudio.devices.protocol import SampleType, SensorInfo
from tinystudio.errors import DeviceError


class Source(Protocol):
    classes: tuple[str, ...]
    boundaries: list[int]

    def perform(self, label: str | None) -> bool: ...

    def read(self, n: int) -> np.ndarray: ...


#: kind -> factory(spec, info) for the sources a slot can take.
SourceFactory = Callable[[dict, SensorInfo], Source]
_FACTORIES: dict[str, SourceFactory] = {}


def register_source(kind: str, factory: SourceFactory) -> None:
    """Make ``{"kind": kind, ...}`` buildable (the camera and microphone sources use this)."""
    _FACTORIES[kind] = factory


def source_kinds() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def build_source(spec: dict, info: SensorInfo) -> Source:
    """The source a spec names, for a slot described by ``info``; DeviceError if unknown."""
    _load_builtin()
    kind = str(spec.get("kind", ""))
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise DeviceError(f"virtual board source {kind!r} is unknown; choose from {', '.join(sorted(_FACTORIES))}")
    return factory(spec, info)


def _load_builtin() -> None:
    # The built-in kinds register themselves on import (kept out of this module's imports
    # so a plug-in source module can import this one without a cycle).
    from tinystudio.boards.virtual import pointer, takes  # noqa: F401


class SyntheticSource:
    """Adapts a synthetic sensor (``sensors.GestureImu``, ``SyntheticMic``, ...) to a source:
    its raw values back to physical ones; a gesture IMU performs the gestures it knows."""

    def __init__(self, sensor: Any) -> None:
        self.sensor = sensor
        self._scale = np.array([c.scale for c in sensor.info.channels])
        known = getattr(sensor, "GESTURES", None)
        self.classes: tuple[str, ...] = tuple(known) if known else ()
        self.boundaries: list[int] = []

    def perform(self, label: str | None) -> bool:
        if not self.classes:
            return label is None
        if label is not None and label not in self.classes:
            return False
        self.sensor.gesture = label  # None: back to cycling through them all
        return True

    def read(self, n: int) -> np.ndarray:
        raw = self.sensor.generate(n)
        self.boundaries = list(self.sensor.boundaries)
        if self.sensor.info.sample_type == SampleType.U8:
            return raw
        return raw * self._scale


def _builtin(spec: dict, info: SensorInfo) -> Source:
    """The synthetic signals the board starts with, for a slot of any kind."""
    from tinystudio.boards.virtual import sensors as synthetic
    from tinystudio.devices.protocol import SensorKind

    seed = int(spec.get("seed", 0))
    if info.kind == SensorKind.IMU:
        return SyntheticSource(synthetic.GestureImu(info.rate_hz, seed=seed, sensor_id=info.sensor_id))
    if info.kind == SensorKind.MICROPHONE:
        return SyntheticSource(synthetic.SyntheticMic(info.rate_hz, seed=seed, sensor_id=info.sensor_id))
    if info.kind == SensorKind.CAMERA:
        return SyntheticSource(synthetic.SyntheticCamera(info.rate_hz, info.width, seed=seed, sensor_id=info.sensor_id))
    raise DeviceError(f"no built-in signal for the {info.name} sensor")


register_source("builtin", _builtin)


class SensorSlot:
    """One sensor of the board as the host sees it; the source behind it can change.

    Thread-safe: the control channel swaps sources on its own thread while the board's
    loop calls :meth:`generate`.
    """

    def __init__(self, info: SensorInfo, source: Source, name: str = "") -> None:
        self.info = info
        self.rate = info.rate_hz
        self.source = source
        self.source_name = name or type(source).__name__
        self.performing: str | None = None
        self.boundaries: list[int] = []
        self._lock = threading.Lock()
        self._scale = np.array([c.scale for c in info.channels]) if info.channels else np.ones(1)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.source.classes)

    def set_source(self, source: Source, name: str = "") -> bool:
        """Use ``source`` from the next block on; it keeps performing the current class if
        it can (True), else it rests (False)."""
        with self._lock:
            self.source, self.source_name = source, name or type(source).__name__
            ok = source.perform(self.performing)
            if not ok:
                self.performing = None
                source.perform(None)
            return ok

    def perform(self, label: str | None) -> bool:
        """Perform ``label`` (None: rest). False, and resting, if the source cannot."""
        with self._lock:
            ok = self.source.perform(label)
            self.performing = label if ok else None
            if not ok:
                self.source.perform(None)
            return ok

    def generate(self, n: int) -> np.ndarray:
        with self._lock:
            values = np.asarray(self.source.read(n))
            self.boundaries = list(self.source.boundaries)
        dtype = self.info.sample_type.dtype
        if self.info.sample_type == SampleType.U8:
            return np.clip(np.rint(values), 0, 255).astype(np.uint8)
        info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
        raw = np.rint(values / self._scale) if info is not None else values / self._scale
        if info is not None:
            raw = np.clip(raw, info.min, info.max)
        return raw.astype(dtype)


__all__ = ["SensorSlot", "Source", "SyntheticSource", "build_source", "register_source", "source_kinds"]
