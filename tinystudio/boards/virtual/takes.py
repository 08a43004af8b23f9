"""A source that performs real takes: the example project's, or the user's own earlier ones.

Why: a model trained on what the virtual board showed must meet the same kind of signal
when the board performs live, and a presenter wants the board to do *the class being
recorded*. Asked to perform "punch", the source plays the punch takes one after another,
in a fresh random order each round (so two recordings of a class are never the same
samples), with a short rest between takes as a person pauses between gestures; asked to
rest, it holds still at the takes' resting posture. Transitions are ramped, so a switch
never shows as a spike (which auto-segment would take for a gesture).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinystudio.boards.virtual.sources import register_source
from tinystudio.devices.protocol import SensorInfo, SensorKind
from tinystudio.errors import DeviceError

#: Pause between two takes of a class (a person resetting between gestures).
REST_S = 0.45
#: How long a change of what is performed takes to blend in.
RAMP_S = 0.12
#: Sensor noise added while resting or ramping, per channel unit (g, deg/s).
NOISE = {"g": 0.008, "deg/s": 0.4}

#: The example projects whose takes ship with TinyStudio: name -> resource folder.
EXAMPLE_TAKES = {"gestures": "gestures_punch_flex"}


class TakesSource:
    """Performs labeled takes (``{label: [array (n, channels)]}``, at the slot's rate)."""

    def __init__(self, takes: dict[str, list[np.ndarray]], rate_hz: float, units: list[str], seed: int = 0) -> None:
        takes = {k: [np.asarray(t, dtype=np.float64) for t in v if len(t)] for k, v in takes.items()}
        takes = {k: v for k, v in takes.items() if v}
        if not takes:
            raise DeviceError("the virtual board source holds no takes; record or import labeled takes first")
        self.takes = takes
        self.classes = tuple(sorted(takes))
        self.rate = float(rate_hz)
        self.boundaries: list[int] = []
        self._rng = np.random.default_rng(seed)
        self._noise = np.array([NOISE.get(u, 0.0) for u in units])
        self._order: dict[str, list[int]] = {}
        first = np.stack([t[0] for v in takes.values() for t in v])
        self.rest = np.median(first, axis=0)
        self.rest[[u == "deg/s" for u in units]] = 0.0  # at rest the gyroscope reads zero
        self.label: str | None = None
        self._last = self.rest.copy()
        self._pending = np.zeros((0, len(self.rest)))
        self._starts: list[int] = []  # offsets into _pending where a take begins

    # ------------------------------------------------------------------ control
    def perform(self, label: str | None) -> bool:
        if label is not None and label not in self.takes:
            return False
        if label != self.label:
            self.label = label
            self._pending = self._pending[:0]
            self._starts = []
        return True

    def _next_take(self, label: str) -> np.ndarray:
        order = self._order.get(label)
        if not order:
            order = list(self._rng.permutation(len(self.takes[label])))
            self._order[label] = order
        return self.takes[label][order.pop()]

    def _ramp(self, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
        w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, max(1, n)))[:, None]
        return start + (end - start) * w

    def _extend(self) -> None:
        """Queue the next piece: a rest then a take, or (resting) a tenth of a second still."""
        ramp = max(1, int(round(RAMP_S * self.rate)))
        if self.label is None:
            hold = max(1, int(round(0.1 * self.rate)))
            piece = np.vstack([self._ramp(self._last, self.rest, ramp), np.repeat(self.rest[None], hold, 0)])
            piece = piece + self._rng.normal(0.0, 1.0, piece.shape) * self._noise
        else:
            take = self._next_take(self.label)  # played as recorded: it has its own noise
            rest = max(ramp, int(round(REST_S * self.rate)))
            into = self._ramp(self._last, take[0], rest)
            into[:-1] += self._rng.normal(0.0, 1.0, (rest - 1, len(self.rest))) * self._noise
            piece = np.vstack([into[:-1], take])
            self._starts.append(len(self._pending) + rest - 1)
        self._last = piece[-1].copy()
        self._pending = np.vstack([self._pending, piece])

    def read(self, n: int) -> np.ndarray:
        while len(self._pending) < n:
            self._extend()
        out, self._pending = self._pending[:n], self._pending[n:]
        self.boundaries = [s for s in self._starts if 0 < s < n]
        self._starts = [s - n for s in self._starts if s >= n]
        return out


def resample(x: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
    """Linear resampling of (n, channels) rows; unchanged when the rates agree."""
    if abs(from_hz - to_hz) < 1e-9 or len(x) < 2:
        return np.asarray(x, dtype=np.float64)
    t_in = np.arange(len(x)) / from_hz
    t_out = np.arange(int(len(x) * to_hz / from_hz)) / to_hz
    return np.stack([np.interp(t_out, t_in, x[:, c]) for c in range(x.shape[1])], axis=1)


def fit_channels(x: np.ndarray, names: list[str], units: list[str], info: SensorInfo) -> np.ndarray:
    """A take's channels in the slot's order and units: accelerometer in g, gyroscope in
    deg/s; a channel the take lacks reads zero (a phone export has no gyroscope)."""
    from tinystudio.devices.units import TO_G, channel_kind, normalize_unit

    out = np.zeros((len(x), len(info.channels)))
    kinds = [channel_kind(n, u) for n, u in zip(names, units, strict=False)]
    for want in ("accel", "gyro"):
        src = [i for i, k in enumerate(kinds) if k == want][:3]
        dst = [j for j, c in enumerate(info.channels) if channel_kind(c.name, c.unit) == want][:3]
        for i, j in zip(src, dst, strict=False):
            unit = normalize_unit(units[i]) if i < len(units) else ""
            factor = TO_G.get(unit, 1.0) if want == "accel" else (57.29578 if unit == "rad/s" else 1.0)
            out[:, j] = x[:, i] * factor
    if not any(k in ("accel", "gyro") for k in kinds) and x.shape[1] == len(info.channels):
        out[:] = x  # unnamed columns in the slot's own order
    return out


def example_takes(name: str, info: SensorInfo) -> dict[str, list[np.ndarray]]:
    """The takes of a shipped example: one CSV per class, takes separated by blank lines."""
    from tinystudio.devices.text_table import read_table
    from tinystudio.resources import resource_path

    folder = EXAMPLE_TAKES.get(name)
    if folder is None:
        raise DeviceError(f"no example takes called {name!r}; choose from {', '.join(EXAMPLE_TAKES)}")
    takes: dict[str, list[np.ndarray]] = {}
    for csv in sorted(resource_path("examples", folder).glob("*.csv")):
        table = read_table(csv.read_text(encoding="utf-8"), str(csv))
        data = fit_channels(table.values, table.names, table.units, info)
        rate = table.timing.rate_hz if table.timing is not None else 119.0
        takes[csv.stem] = [resample(data[a:b], rate, info.rate_hz) for a, b in table.blocks if b - a > 1]
    return takes


def project_takes(path: str | Path, info: SensorInfo) -> dict[str, list[np.ndarray]]:
    """The labeled segments of a project's motion recordings, one take per segment."""
    from tinystudio.dataset.project import Project
    from tinystudio.devices.units import looks_imu

    try:
        project = Project.open(Path(path))
    except Exception as exc:  # noqa: BLE001 - any unreadable project is one message
        raise DeviceError(f"the virtual board cannot read the takes of {path}: {exc}") from None
    takes: dict[str, list[np.ndarray]] = {}
    for rec in project.recordings():
        names, units = list(rec.channel_names), list(rec.units)
        if not rec.segments or not looks_imu(names, units):
            continue
        data = fit_channels(rec.read_physical(), names, units, info)
        for seg in rec.segments:
            if seg.label and seg.end - seg.start > 1:
                takes.setdefault(seg.label, []).append(resample(data[seg.start:seg.end], rec.rate_hz, info.rate_hz))
    return takes


def _imu_only(info: SensorInfo, what: str) -> None:
    if info.kind != SensorKind.IMU:
        raise DeviceError(f"{what} are motion takes; the {info.name} sensor cannot play them")


def _example(spec: dict, info: SensorInfo) -> TakesSource:
    _imu_only(info, "example takes")
    name = str(spec.get("name", "gestures"))
    return TakesSource(example_takes(name, info), info.rate_hz, [c.unit for c in info.channels], int(spec.get("seed", 0)))


def _project(spec: dict, info: SensorInfo) -> TakesSource:
    _imu_only(info, "a project's takes")
    path = spec.get("path")
    if not path:
        raise DeviceError("the 'takes' source needs the project folder whose takes it performs")
    takes = project_takes(path, info)
    if not takes:
        raise DeviceError(f"{path} holds no labeled motion takes yet; record and label some first")
    return TakesSource(takes, info.rate_hz, [c.unit for c in info.channels], int(spec.get("seed", 0)))


register_source("example", _example)
register_source("takes", _project)
