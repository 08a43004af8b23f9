"""Crash-safe recording of one sensor stream into one HDF5 file.

Blocks from the board's reader thread are buffered and written as one block at a time
(never row by row) into a chunked, resizable dataset of an HDF5 file in SWMR mode, whose
on-disk structure is consistent at every instant. A small flusher thread flushes at
least every ``flush_interval`` seconds and then records the flushed row count in
``valid_samples``. A SIGKILL therefore loses at most about one flush interval; the file
is repaired the next time the project opens (see ``repair.py``). The file is registered
in the project (JSON) only by ``close()``.

A full disk must not cost what was recorded: before each write the free space is checked
against the block, and a reserve file (``<file>.reserve``) holds enough room to flush and
close the file; when space runs out, or a write fails, the recorder stops taking samples,
gives the reserve back, closes the file cleanly and :attr:`error` says why (the record
loop polls it and stops within a few tens of milliseconds). HDF5 never sees ENOSPC in the
normal case, which matters: after a failed write it keeps dirty metadata that it tries to
flush again at exit, and segfaults.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import h5py
import numpy as np

from tinystudio.dataset import schema
from tinystudio.dataset.diskspace import Reserve, free_bytes, is_disk_full, mb
from tinystudio.dataset.recording import (
    Recording,
    RecordingMeta,
    now_iso,
    rewrite_recording,
    write_header,
)
from tinystudio.dataset.repair import RecorderLock
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError

_KIND_NAMES = {1: "imu", 2: "microphone", 3: "camera", 4: "generic"}


def meta_from_sensor(sensor, device, subject=None, session=None) -> RecordingMeta:
    """RecordingMeta from protocol.SensorInfo / DeviceInfo (duck-typed)."""
    kind = _KIND_NAMES.get(int(sensor.kind), "generic")
    dtype = np.dtype(sensor.sample_type.dtype)
    names = [c.name for c in sensor.channels]
    units = [c.unit for c in sensor.channels]
    scale = [float(c.scale) for c in sensor.channels]
    extra = {}
    if kind == "camera":
        pf = getattr(sensor, "pixel_format", None)
        extra = {"width": int(sensor.width), "height": int(sensor.height),
                 "pixel_format": getattr(pf, "name", str(pf)).lower()}
    return RecordingMeta(
        sensor_kind=kind, channel_names=names, units=units, scale=scale, rate_hz=float(sensor.rate_hz),
        sample_type=schema.sample_type_name(dtype), sensor_name=sensor.name,
        board=getattr(device, "board_name", ""), board_id=getattr(device, "board_id", ""),
        firmware=getattr(device, "firmware_version", ""), subject=subject or "", session=session or "",
        source="recorded", extra=extra)


def expected_bytes(sensor, seconds: float) -> int:
    """Disk a recording of ``seconds`` needs at its peak: the file, plus the finished copy
    written next to it when it closes."""
    shape = Recorder._default_shape(sensor)
    row = int(np.prod(shape)) * np.dtype(sensor.sample_type.dtype).itemsize
    return int(2 * row * float(sensor.rate_hz) * seconds) + 512 * 1024


class Recorder:
    def __init__(self, project, sensor, device, label: str | None = None, subject: str | None = None,
                 session: str | None = None, flush_interval: float = 0.25, block_rows: int | None = None,
                 meta: RecordingMeta | None = None, sample_shape: tuple[int, ...] | None = None) -> None:
        self.project = project
        self.meta = meta or meta_from_sensor(sensor, device, subject, session)
        self.meta.start_time = now_iso()
        self.label = label or ""
        self.dtype = np.dtype(schema.SAMPLE_TYPES[self.meta.sample_type])
        self.sample_shape = sample_shape or self._default_shape(sensor)
        if self.meta.sensor_kind == "camera" and len(self.meta.channel_names) != self.sample_shape[-1]:
            # colour formats arrive as RGB888 whatever the HELLO listed: name what is stored
            names = ["gray"] if self.sample_shape[-1] == 1 else ["r", "g", "b"][: self.sample_shape[-1]]
            self.meta.channel_names, self.meta.units, self.meta.scale = names, [""] * len(names), [1.0] * len(names)
        if not self.meta.channel_names:
            raise DatasetError(f"sensor {self.meta.sensor_name or self.meta.sensor_kind!r}: the board "
                               "reports zero channels; there is nothing to record")
        stem = f"{self.label or self.meta.sensor_name or self.meta.sensor_kind}-{time.strftime('%Y%m%d-%H%M%S')}"
        self.id, self.path = project.new_recording_path(stem)
        self._lock = RecorderLock(self.path)
        self.flush_interval = flush_interval
        self._row_bytes = row_bytes = max(1, int(np.prod(self.sample_shape)) * self.dtype.itemsize)
        self._write_rows = block_rows or max(1, min(1 << 16, (256 * 1024) // row_bytes))
        self._chunk_rows = max(1, min(1 << 16, (64 * 1024) // row_bytes))
        chunk_bytes = self._chunk_rows * row_bytes
        #: Room kept for closing: one write block, one chunk, metadata and the project file.
        self._headroom = chunk_bytes + 128 * 1024
        self._reserve = Reserve(Path(str(self.path) + ".reserve"),
                                self._write_rows * row_bytes + self._headroom)
        try:
            self._f = h5py.File(self.path, "w", libver="latest")
            write_header(self._f, self.meta, schema.STATE_RECORDING)
            self._f.attrs["pending_label"] = self.label
            self._ds = self._f.create_dataset(
                "samples", shape=(0,) + self.sample_shape, maxshape=(None,) + self.sample_shape,
                dtype=self.dtype, chunks=(self._chunk_rows,) + self.sample_shape, fletcher32=True)
            self._valid = self._f.create_dataset("valid_samples", data=np.zeros(1, np.int64))
            self._f.swmr_mode = True
            self._f.flush()
        except BaseException as exc:
            self._reserve.release()
            with contextlib.suppress(Exception):
                self._f.close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            self._lock.release()
            if isinstance(exc, OSError | RuntimeError):
                raise DatasetError(f"{self.path}: cannot start recording ({exc})") from exc
            raise
        self._boundaries: list[int] = []
        self._buf: list[np.ndarray] = []
        self._buffered = 0
        self._written = 0
        self._lock_io = threading.Lock()
        self._stop = threading.Event()
        self._closed = False
        self._error: BaseException | None = None
        self._flusher = threading.Thread(target=self._flush_loop, name=f"recorder-{self.id}", daemon=True)
        self._flusher.start()

    @staticmethod
    def _default_shape(sensor) -> tuple[int, ...]:
        if int(sensor.kind) == 3:  # camera: one image per sample
            # Gray stays one channel; colour formats arrive from the session as RGB888.
            channels = 1 if sensor.pixel_format.bytes_per_pixel == 1 else 3
            return (int(sensor.height), int(sensor.width), channels)
        return (len(sensor.channels),)

    @property
    def n_samples(self) -> int:
        return self._written + self._buffered

    def mark_boundary(self) -> None:
        """A gesture ended here (a text board's blank line): close() cuts segments at it."""
        with self._lock_io:
            n = self._written + self._buffered
            if n and (not self._boundaries or self._boundaries[-1] != n):
                self._boundaries.append(n)

    def append(self, block: np.ndarray) -> None:
        """Queue a block of shape (n, channels); written in large blocks. Thread-safe."""
        block = np.asarray(block)
        if block.ndim == 1 and len(self.sample_shape) == 1:
            block = block.reshape(-1, self.sample_shape[0])
        if block.shape[1:] != self.sample_shape:
            if block.size % int(np.prod(self.sample_shape)) == 0:
                block = block.reshape((-1,) + self.sample_shape)
            else:
                raise DatasetError(f"recording {self.id}: block of shape {block.shape} does not match "
                                   f"samples of shape {self.sample_shape}")
        if block.dtype != self.dtype:
            block = block.astype(self.dtype)
        with self._lock_io:
            if self._closed:
                raise DatasetError(f"recording {self.id} is closed")
            if self._error is not None:  # stopped (disk full / I/O error): say so to the feeder
                raise DatasetError(str(self._error))
            self._buf.append(block)
            self._buffered += len(block)
            if self._buffered >= self._write_rows:
                self._write_buffer()
                if self._error is not None:
                    raise DatasetError(str(self._error))

    @property
    def error(self) -> DatasetError | None:
        """Why the recorder stopped taking samples (disk full, I/O error), else None."""
        return self._error

    def _fail(self, exc: BaseException) -> None:
        """Stop taking samples; give the reserve back so the file can still be closed."""
        if self._error is None:
            secs = self._written / self.meta.rate_hz if self.meta.rate_hz else 0.0
            cause = "the disk is full" if is_disk_full(exc) else f"writing failed ({exc})"
            self._error = DatasetError(
                f"{self.path}: {cause}: recording stopped after {self._written} samples "
                f"({secs:.2f} s), which are kept and readable; free some space")
            self._error.__cause__ = exc
        self._buf, self._buffered = [], 0
        self._reserve.release()

    def _write_buffer(self) -> None:
        if not self._buffered or self._error is not None:
            return
        data = self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf)
        self._buf = []
        self._buffered = 0
        free = free_bytes(self.path.parent)
        if free < data.nbytes + self._headroom:
            self._fail(OSError(28, f"No space left on device ({mb(free)} free, block needs "
                                   f"{mb(data.nbytes + self._headroom)})"))
            return
        n0 = self._written
        try:
            self._ds.resize(n0 + len(data), axis=0)
            self._ds[n0:] = data
            self._ds.flush()
        except (OSError, RuntimeError, ValueError) as exc:
            self._fail(exc)
            return
        self._written = n0 + len(data)

    def flush(self) -> None:
        """Write buffered rows and make them durable: data first, then the valid count."""
        with self._lock_io:
            if self._closed or self._error is not None:
                return
            self._write_buffer()
            if self._error is not None:
                return
            try:
                self._ds.flush()
                self._f.flush()
                self._valid[0] = self._written
                self._valid.flush()
                self._f.flush()
            except (OSError, RuntimeError) as exc:
                self._fail(exc)

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()
            if self._error is not None:
                return

    def close(self, rate_hz: float | None = None) -> Recording:
        """Finish the file, add the recording (and its label) to the project, save the project.

        ``rate_hz`` replaces the declared rate, for text boards whose rate is only known
        once it has been measured. After a failure (:attr:`error`) the samples written so
        far are still registered and readable, then the error is raised."""
        self._stop.set()
        self._flusher.join()
        with self._lock_io:
            if self._closed:
                return self.project.recording(self.id)
            self._write_buffer()
            if self._error is not None:
                self._reserve.release()
            try:
                self._valid[0] = self._written
                self._f.flush()
            except (OSError, RuntimeError) as exc:
                self._fail(exc)
            self._closed = True
            try:
                self._f.close()
            except (OSError, RuntimeError) as exc:  # never close twice: HDF5 would crash
                self._fail(exc)
        self._reserve.release()
        n = self._written
        edges = [0, *[b for b in self._boundaries if 0 < b < n], n]
        segments = ([Segment.new(a, b, self.label) for a, b in zip(edges, edges[1:], strict=False) if b > a]
                    if self.label and n > 0 else [])
        attrs = {"n_samples": n}
        if rate_hz:
            attrs["rate_hz"] = float(rate_hz)
        finished = True
        try:
            rewrite_recording(self.path, segments=segments, attrs=attrs)
        except DatasetError as exc:
            # No room for the finished copy: the file stays as written (state "recording",
            # its first valid_samples rows readable) and is finished at a later open.
            finished = False
            if self._error is None:
                self._error = exc
        self._lock.release()
        try:
            rec = self.project.add_recording(self.path)
            if not finished and segments:  # the labels go to the project file, the authority
                self.project.set_segments(self.id, segments)
            self.project.save(sync_recordings=finished)
        except DatasetError as exc:
            raise DatasetError(f"{self._error or exc}; the recording file {self.path.name} is kept "
                               "and is added to the project when it is next opened") from exc
        if self._error is not None:
            raise self._error
        return rec

    def discard(self) -> bool:
        """Close and delete the take if it holds no sample; True when it was deleted.

        Why: a START the board refused (or a board gone before its first sample) would
        otherwise leave an empty recording in the project for the user to delete by hand.
        A take with samples is never discarded: :meth:`close` keeps it."""
        with self._lock_io:
            if self._closed or self._written or self._buffered:
                return False
        self._stop.set()
        self._flusher.join()
        with self._lock_io:
            self._closed = True
            with contextlib.suppress(OSError, RuntimeError):
                self._f.close()
        self._reserve.release()
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._lock.release()
        return True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
