"""One HDF5 file per recording: self-describing, readable with only h5py and numpy.

Layout (see docs/dataset-format.md): ``/samples`` (n, channels) in the sensor's raw type
(camera: (n, H, W, C) uint8), root attributes describing sensor, board and subject, and
``/segments/{id,start,end,label}``. Files are never edited in place once complete:
:func:`rewrite_recording` writes a fresh copy and renames it over the old one, so a crash
while labels are synced leaves either the old or the new file, never a broken one.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from tinystudio.dataset import schema
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError


@dataclass
class RecordingMeta:
    """Everything a recording says about itself besides samples and segments."""

    sensor_kind: str
    channel_names: list[str]
    rate_hz: float
    sample_type: str
    scale: list[float] | None = None
    units: list[str] | None = None
    sensor_name: str = ""
    board: str = ""
    board_id: str = ""
    firmware: str = ""
    start_time: str = ""
    subject: str = ""
    session: str = ""
    source: str = ""
    uuid: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.sensor_kind not in schema.SENSOR_KINDS:
            raise ValueError(f"sensor kind {self.sensor_kind!r} is not one of {schema.SENSOR_KINDS}")
        n = len(self.channel_names)
        self.scale = [float(s) for s in (self.scale if self.scale is not None else [1.0] * n)]
        self.units = [str(u) for u in (self.units if self.units is not None else [""] * n)]
        if len(self.scale) != n or len(self.units) != n:
            raise ValueError("scale and units need one entry per channel")
        if not self.uuid:
            self.uuid = str(uuid.uuid4())
        if not self.start_time:
            self.start_time = now_iso()


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def write_header(f: h5py.File, meta: RecordingMeta, state: str) -> None:
    a = f.attrs
    a["format"] = schema.RECORDING_FORMAT
    a["schema_version"] = schema.SCHEMA_VERSION
    a["uuid"] = meta.uuid
    a["state"] = state
    a["sensor_kind"] = meta.sensor_kind
    a["sensor_name"] = meta.sensor_name
    a["channel_names"] = np.array(meta.channel_names, dtype=h5py.string_dtype())
    a["units"] = np.array(meta.units, dtype=h5py.string_dtype())
    a["scale"] = np.asarray(meta.scale, dtype=np.float64)
    a["rate_hz"] = float(meta.rate_hz)
    a["sample_type"] = meta.sample_type
    for key in ("board", "board_id", "firmware", "start_time", "subject", "session", "source"):
        a[key] = getattr(meta, key)
    for key, value in meta.extra.items():
        a[key] = value


def write_segments(f: h5py.File, segments: list[Segment]) -> None:
    if "segments" in f:
        del f["segments"]
    g = f.create_group("segments")
    g.create_dataset("id", data=np.array([s.id for s in segments], dtype=h5py.string_dtype()))
    g.create_dataset("start", data=np.array([s.start for s in segments], dtype=np.int64))
    g.create_dataset("end", data=np.array([s.end for s in segments], dtype=np.int64))
    g.create_dataset("label", data=np.array([s.label for s in segments], dtype=h5py.string_dtype()))


def read_segments(f: h5py.File) -> list[Segment]:
    if "segments" not in f:
        return []
    g = f["segments"]
    ids = g["id"].asstr()[:]
    labels = g["label"].asstr()[:]
    return [Segment(str(i), int(s), int(e), str(lab)) for i, s, e, lab in zip(ids, g["start"][:], g["end"][:], labels, strict=True)]


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_recording(path: Path, samples: np.ndarray, meta: RecordingMeta, segments: list[Segment]) -> None:
    """Write a complete recording atomically (temp file, fsync, rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    samples = np.ascontiguousarray(samples)
    with h5py.File(tmp, "w") as f:
        write_header(f, meta, schema.STATE_COMPLETE)
        chunk_rows = max(1, min(len(samples), max(1, (256 * 1024) // max(1, samples[0:1].nbytes or 1))))
        maxshape = (None,) + samples.shape[1:]
        f.create_dataset("samples", data=samples, maxshape=maxshape, chunks=(chunk_rows,) + samples.shape[1:])
        f.attrs["n_samples"] = len(samples)
        write_segments(f, segments)
    _fsync_path(tmp)
    os.replace(tmp, path)


def rewrite_recording(path: Path, segments: list[Segment] | None = None, attrs: dict | None = None,
                      n_samples: int | None = None, source_swmr: bool = False,
                      source: Path | None = None) -> None:
    """Copy a recording (``source``, default ``path`` itself) into a fresh file with new
    segments/attributes, then rename it to ``path``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    kw = {"swmr": True, "libver": "latest"} if source_swmr else {}
    with h5py.File(source or path, "r", **kw) as src, h5py.File(tmp, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        data = src["samples"]
        n = data.shape[0] if n_samples is None else min(n_samples, data.shape[0])
        if "valid_samples" in src:
            n = min(n, int(src["valid_samples"][0]))
        rows = data.chunks[0] if data.chunks else 4096
        out = dst.create_dataset("samples", shape=(n,) + data.shape[1:], maxshape=(None,) + data.shape[1:],
                                 dtype=data.dtype, chunks=(rows,) + data.shape[1:])
        step = max(rows, 1 << 16)
        for i in range(0, n, step):
            out[i : min(n, i + step)] = data[i : min(n, i + step)]
        dst.attrs["n_samples"] = n
        dst.attrs["state"] = schema.STATE_COMPLETE
        for key, value in (attrs or {}).items():
            dst.attrs[key] = value
        write_segments(dst, read_segments(src) if segments is None else segments)
    _fsync_path(tmp)
    os.replace(tmp, path)


def check_header(path: Path, attrs) -> None:
    """Refuse files that are not recordings or come from a newer schema."""
    fmt = attrs.get("format")
    if fmt != schema.RECORDING_FORMAT:
        raise DatasetError(f"{path}: HDF5 file is not a TinyStudio recording (format attribute is {fmt!r})")
    version = int(attrs.get("schema_version", 0))
    if version > schema.SCHEMA_VERSION:
        raise DatasetError(
            f"{path}: recording uses dataset schema version {version}, this TinyStudio reads up to "
            f"{schema.SCHEMA_VERSION}; update TinyStudio to open it"
        )


def open_h5(path: Path, swmr: bool = False) -> h5py.File:
    """Open for reading, turning HDF5's errors into a message that names the file."""
    path = Path(path)
    try:
        if swmr:
            return h5py.File(path, "r", swmr=True, libver="latest")
        return h5py.File(path, "r")
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: recording file is missing") from exc
    except OSError as exc:
        size = path.stat().st_size if path.exists() else 0
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if magic != b"\x89HDF\r\n\x1a\n":
            raise DatasetError(
                f"{path}: not an HDF5 file (byte 0 starts with {magic[:8]!r}, {size} bytes); "
                "remove it or import the original data") from exc
        raise DatasetError(f"{path}: HDF5 file cannot be opened ({exc})") from exc


def _attr_str(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class Recording:
    """Read access to one recording file. Cheap: reads attributes once, samples on demand."""

    def __init__(self, path: Path, segments: list[Segment] | None = None, swmr: bool = False) -> None:
        self.path = Path(path)
        self._swmr = swmr
        with open_h5(self.path, swmr) as f:
            a = f.attrs
            check_header(self.path, a)
            self.uuid = _attr_str(a.get("uuid", ""))
            self.state = _attr_str(a.get("state", schema.STATE_COMPLETE))
            self.sensor_kind = _attr_str(a["sensor_kind"])
            self.sensor_name = _attr_str(a.get("sensor_name", ""))
            self.channel_names = [_attr_str(x) for x in a["channel_names"]]
            self.units = [_attr_str(x) for x in a.get("units", [""] * len(self.channel_names))]
            self.scale = np.asarray(a.get("scale", np.ones(len(self.channel_names))), dtype=np.float64)
            self.rate_hz = float(a["rate_hz"])
            self.sample_type = _attr_str(a.get("sample_type", ""))
            self.attrs = {k: (_attr_str(v) if isinstance(v, (str, bytes)) else v) for k, v in a.items()}
            if "samples" not in f:
                raise DatasetError(f"{self.path}: recording has no 'samples' dataset")
            ds = f["samples"]
            self.shape = ds.shape
            self.dtype = ds.dtype
            n = ds.shape[0]
            if "valid_samples" in f:
                n = min(n, int(f["valid_samples"][0]))
            self.n_samples = n
            self.file_segments = read_segments(f)
        self.id = self.path.stem
        self.segments: list[Segment] = list(self.file_segments if segments is None else segments)

    @property
    def seconds(self) -> float:
        return self.n_samples / self.rate_hz if self.rate_hz else 0.0

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        stop = self.n_samples if stop is None else min(int(stop), self.n_samples)
        start = max(0, int(start))
        with open_h5(self.path, self._swmr) as f:
            return f["samples"][start:stop] if stop > start else f["samples"][0:0]

    def read_physical(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        raw = self.read(start, stop)
        if self.sensor_kind == "camera":
            return raw.astype(np.float32)
        return (raw.astype(np.float64) * self.scale).astype(np.float32)

    def __repr__(self) -> str:
        return f"Recording({self.id!r}, {self.sensor_kind}, {self.n_samples} x {self.channel_names} @ {self.rate_hz} Hz)"
