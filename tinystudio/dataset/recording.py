"""One HDF5 file per recording: self-describing, readable with only h5py and numpy.

Layout (see docs/dataset-format.md): ``/samples`` (n, channels) in the sensor's raw type
(camera: (n, H, W, C) uint8), root attributes describing sensor, board and subject, and
``/segments/{id,start,end,label}``. Files are never edited in place once complete:
:func:`rewrite_recording` writes a fresh copy and renames it over the old one, so a crash
while labels are synced leaves either the old or the new file, never a broken one.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from tinystudio.dataset import schema, validate
from tinystudio.dataset.diskspace import ensure_free, is_disk_full
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError
from tinystudio.text_safety import name_problem


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
        self._check_names()
        if not self.uuid:
            self.uuid = str(uuid.uuid4())
        if not self.start_time:
            self.start_time = now_iso()


    def _check_names(self) -> None:
        """Refuse a name a CSV header, C string or terminal would misread (text_safety)."""
        fields = [("channel name", n) for n in self.channel_names] + [("unit", u) for u in self.units]
        fields += [("sensor name", self.sensor_name), ("subject", self.subject), ("session", self.session)]
        for what, value in fields:
            problem = name_problem(str(value))
            if problem:
                origin = f" from {self.source}" if self.source else ""
                raise DatasetError(f"{what} {str(value)!r}{origin} {problem}; rename it (in the file's "
                                   "header, the board's firmware or the option that set it)")


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


def read_file_segments(path: Path) -> list[Segment]:
    """The segments stored in a recording file (an unreadable file has none)."""
    try:
        with open_h5(path) as f:
            return read_segments(f)
    except (DatasetError, KeyError, TypeError, ValueError, OSError):
        return []


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(path: Path) -> Path:
    """A temp name next to ``path`` unique to this process and thread, so two writers never
    share one (the project's open removes old ones: ``*.h5.*.tmp``)."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


@contextlib.contextmanager
def _replacing(path: Path, need: int):
    """Yield a temp path; on success fsync and rename it over ``path``, on any error remove
    it and turn a full disk or an I/O error into one clear message."""
    ensure_free(path.parent, need, f"writing {path.name}")
    tmp = temp_path(path)
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if is_disk_full(exc):
            raise DatasetError(f"{path}: the disk filled up while writing it; nothing was changed. "
                               "Free some space and try again") from exc
        if isinstance(exc, (OSError, RuntimeError)) and not isinstance(exc, DatasetError):
            raise DatasetError(f"{path}: could not be written ({exc})") from exc
        raise


@contextlib.contextmanager
def create_h5(tmp: Path, **kw):
    """``h5py.File(tmp, "w")`` that survives a full disk.

    When a write fails, HDF5 keeps the dirty metadata and tries to write it again when the
    file is closed; if that fails too the file stays open inside the library and the
    process segfaults at exit (or at a second close). So everything is flushed inside the
    block, and on any error the temp file is first truncated to zero (giving its space
    back) so that the one close succeeds; the caller then removes the file."""
    # v1.8 object headers carry checksums of their own, so damaged metadata (an attribute
    # such as rate_hz) is detected too; HDF5 1.8 (2008) and later read them.
    kw.setdefault("libver", ("v108", "v108"))
    f = h5py.File(tmp, "w", **kw)
    try:
        yield f
        f.flush()
    except BaseException:
        with contextlib.suppress(OSError):
            os.truncate(tmp, 0)
        with contextlib.suppress(Exception):
            f.close()
        raise
    f.close()


def _chunk_rows(row_bytes: int) -> int:
    return max(1, (256 * 1024) // max(1, row_bytes))


def write_recording(path: Path, samples: np.ndarray, meta: RecordingMeta, segments: list[Segment]) -> None:
    """Write a complete recording atomically (temp file, fsync, rename)."""
    path = Path(path)
    samples = np.ascontiguousarray(samples)
    with _replacing(path, samples.nbytes + 64 * 1024) as tmp, create_h5(tmp) as f:
        write_header(f, meta, schema.STATE_COMPLETE)
        rows = max(1, min(len(samples), _chunk_rows(samples[0:1].nbytes or 1)))
        maxshape = (None,) + samples.shape[1:]
        f.create_dataset("samples", data=samples, maxshape=maxshape, chunks=(rows,) + samples.shape[1:],
                         fletcher32=True)
        f.attrs["n_samples"] = len(samples)
        write_segments(f, segments)


def rewrite_recording(path: Path, segments: list[Segment] | None = None, attrs: dict | None = None,
                      n_samples: int | None = None, source_swmr: bool = False,
                      source: Path | None = None) -> None:
    """Copy a recording (``source``, default ``path`` itself) into a fresh file with new
    segments/attributes, then rename it to ``path``. The copy carries Fletcher-32 checksums
    and is verified chunk by chunk as it is read, so damage in the source is an error."""
    path = Path(path)
    src_path = Path(source or path)
    need = src_path.stat().st_size + 64 * 1024 if src_path.exists() else 0
    with _replacing(path, need) as tmp, open_h5(src_path, source_swmr) as src, create_h5(tmp) as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        data = src["samples"]
        n = data.shape[0] if n_samples is None else min(n_samples, data.shape[0])
        if "valid_samples" in src:
            n = min(n, int(src["valid_samples"][0]))
        rows = data.chunks[0] if data.chunks else _chunk_rows(data[0:1].nbytes if len(data) else 1)
        out = dst.create_dataset("samples", shape=(n,) + data.shape[1:], maxshape=(None,) + data.shape[1:],
                                 dtype=data.dtype, chunks=(max(1, rows),) + data.shape[1:], fletcher32=True)
        step = max(rows, 1 << 16)
        for i in range(0, n, step):
            out[i : min(n, i + step)] = read_rows(src_path, data, i, min(n, i + step))
        dst.attrs["n_samples"] = n
        dst.attrs["state"] = schema.STATE_COMPLETE
        for key, value in (attrs or {}).items():
            dst.attrs[key] = value
        write_segments(dst, read_segments(src) if segments is None else segments)


def read_rows(path: Path, ds: h5py.Dataset, start: int, stop: int) -> np.ndarray:
    """``ds[start:stop]``; a checksum mismatch or an unreadable chunk is a clear error."""
    try:
        return ds[start:stop]
    except (OSError, RuntimeError) as exc:
        text = str(exc)
        checksum = "Fletcher32" in text or "checksum" in text.lower() or (
            "filter returned failure" in text and ds.fletcher32)  # the only filter we use
        what = ("a checksum does not match (the file was damaged on disk)" if checksum
                else f"HDF5 cannot read it ({text.splitlines()[0] if text else type(exc).__name__})")
        raise DatasetError(f"{path}: samples {start}..{stop} are damaged: {what}; restore the file "
                           "from a backup or delete this recording") from exc


class NewerSchemaError(DatasetError):
    """A file written by a newer TinyStudio: left alone, never moved or rewritten."""


def check_header(path: Path, attrs) -> None:
    """Refuse files that are not recordings or come from a newer schema."""
    try:
        list(attrs.keys())  # damaged metadata fails here, with the reason
    except (RuntimeError, OSError, KeyError) as exc:
        raise DatasetError(f"{path}: the file's metadata is damaged ({exc}); restore the file from a "
                           "backup or delete this recording") from exc
    fmt = validate.text(attrs.get("format", ""))
    if fmt != schema.RECORDING_FORMAT:
        raise DatasetError(f"{path}: HDF5 file is not a TinyStudio recording (format attribute is {fmt!r})")
    raw = attrs.get("schema_version", 0)
    try:
        version = int(np.asarray(raw).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise DatasetError(f"{path}: attribute 'schema_version' is {raw!r}, not a version number") from None
    if version > schema.SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path}: recording uses dataset schema version {version}, this TinyStudio reads up to "
            f"{schema.SCHEMA_VERSION}; update TinyStudio to open it"
        )


def open_h5(path: Path, swmr: bool = False) -> h5py.File:
    """Open for reading, turning HDF5's errors into a message that names the file."""
    from tinystudio.dataset.safe_open import check_h5_self_contained, check_regular

    path = Path(path)
    check_regular(path, "recording")  # a FIFO would block HDF5's open; a link leads elsewhere
    try:
        f = h5py.File(path, "r", swmr=True, libver="latest") if swmr else h5py.File(path, "r")
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: recording file is missing") from exc
    except OSError as exc:
        try:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                magic = fh.read(8)
        except OSError as exc2:
            raise DatasetError(f"{path}: recording cannot be read ({exc2.strerror or exc2})") from exc
        if magic != b"\x89HDF\r\n\x1a\n":
            raise DatasetError(
                f"{path}: not an HDF5 file (byte 0 starts with {magic[:8]!r}, {size} bytes); "
                "remove it or import the original data") from exc
        raise DatasetError(f"{path}: HDF5 file cannot be opened ({exc})") from exc
    try:
        check_h5_self_contained(path, f)
    except DatasetError:
        f.close()
        raise
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        f.close()
        raise DatasetError(f"{path}: the file's structure is damaged ({exc}); restore the file from "
                           "a backup or delete this recording") from exc
    return f


def _attr_str(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class Recording:
    """Read access to one recording file. Cheap: reads attributes once, samples on demand."""

    def __init__(self, path: Path, segments: list[Segment] | None = None, swmr: bool = False) -> None:
        self.path = Path(path)
        self._swmr = swmr
        with open_h5(self.path, swmr) as f:
            try:
                self._load(f)
            except DatasetError:
                raise
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, OSError, RuntimeError) as exc:
                raise DatasetError(f"{self.path}: malformed recording ({type(exc).__name__}: {exc})") from exc
        self.id = self.path.stem
        self.segments: list[Segment] = list(self.file_segments if segments is None else segments)

    def _load(self, f: h5py.File) -> None:
        a = f.attrs
        check_header(self.path, a)
        h = validate.check_attrs(self.path, a)
        self.uuid = _attr_str(a.get("uuid", ""))
        self.state = h["state"]
        self.sensor_kind = h["sensor_kind"]
        self.sensor_name = _attr_str(a.get("sensor_name", ""))
        self.channel_names = h["channel_names"]
        self.units = h["units"]
        self.scale = h["scale"]
        self.rate_hz = h["rate_hz"]
        self.sample_type = h["sample_type"]
        self.attrs = {k: (_attr_str(v) if isinstance(v, (str, bytes)) else v) for k, v in a.items()}
        ds, self.n_samples = validate.check_samples(self.path, f, h)
        self.shape = ds.shape
        self.dtype = ds.dtype
        self.checksummed = bool(ds.fletcher32)
        self.file_segments = [Segment(*t) for t in validate.check_segments(self.path, f, self.n_samples)]

    #: The fields a header carries (:meth:`header`), enough to rebuild the object unopened.
    HEADER_FIELDS = ("uuid", "state", "sensor_kind", "sensor_name", "channel_names", "units", "scale",
                     "rate_hz", "sample_type", "attrs", "n_samples", "shape", "dtype", "checksummed")

    def header(self) -> dict:
        """What this recording says about itself (no samples): what the project index keeps."""
        h = {k: getattr(self, k) for k in self.HEADER_FIELDS}
        h["shape"] = [int(x) for x in self.shape]
        h["dtype"] = self.dtype.str
        h["file_segments"] = [s.to_json() for s in self.file_segments]
        return h

    @classmethod
    def from_header(cls, path: Path, header: dict, swmr: bool = False) -> Recording:
        """A recording described by a header from the project index, without opening the
        file (it is opened when samples are read). The index checked the file's signature."""
        rec = cls.__new__(cls)
        rec.path = Path(path)
        rec._swmr = swmr
        for k in cls.HEADER_FIELDS:
            setattr(rec, k, header[k])
        rec.file_segments = [Segment.from_json(d) for d in header["file_segments"]]
        rec.id = rec.path.stem
        rec.segments = list(rec.file_segments)
        return rec

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
            return read_rows(self.path, f["samples"], start, stop) if stop > start else f["samples"][0:0]

    def read_physical(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        raw = self.read(start, stop)
        if self.sensor_kind == "camera":
            return raw.astype(np.float32)
        return (raw.astype(np.float64) * self.scale).astype(np.float32)

    def __repr__(self) -> str:
        return f"Recording({self.id!r}, {self.sensor_kind}, {self.n_samples} x {self.channel_names} @ {self.rate_hz} Hz)"
