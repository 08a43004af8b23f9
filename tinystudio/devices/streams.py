"""Per-sensor bookkeeping inside a board session: sequence gaps, rate, ring buffer.

The reader thread hands each sensor the bodies of all its frames from one read call;
the sensor joins them and decodes them with one ``np.frombuffer``, so the cost per frame
is a few Python operations, not an array allocation. Each body is checked on its own
before it is queued (:meth:`SensorStream.accept`): a body that is not a whole number of
samples is dropped and counted, so it can never shift the samples of the frames after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinystudio.devices.protocol import CameraChunk, SensorInfo, SensorKind
from tinystudio.devices.rate import RateEstimator
from tinystudio.devices.ring import RingBuffer

#: Sequence jumps larger than this are a board restart, not lost frames.
_MAX_GAP = 0x8000
#: Largest live ring buffer per sensor: a fast sensor keeps fewer seconds, never gigabytes.
RING_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class SampleBlock:
    """Samples of one sensor from one read of the port, as the board sent them.

    ``samples`` has shape (n, channels) in the sensor's raw dtype (camera: (n, H, W) or
    (n, H, W, 3) images). ``first_index`` numbers samples since the session started.
    ``boundary`` is True when a text-mode board printed a blank line before this block's
    first sample (IMU_Capture marks the end of a gesture this way).
    """

    sensor_id: int
    samples: np.ndarray
    host_time: float
    first_index: int
    boundary: bool = False


@dataclass(frozen=True)
class SensorStats:
    samples: int
    frames: int
    lost_frames: int
    crc_errors: int
    malformed_frames: int
    rate_hz: float | None
    declared_rate_hz: float | None


class SensorStream:
    """State of one sensor of a connected board."""

    def __init__(self, info: SensorInfo, ring_seconds: float, declared: bool = True) -> None:
        self.info = info
        self.declared = declared
        self.next_seq: int | None = None
        self.frames = 0
        self.lost_frames = 0
        self.crc_errors = 0
        self.malformed = 0
        self.samples = 0
        self.rate = RateEstimator()
        self.pending: list[bytes] = []
        if info.kind == SensorKind.CAMERA:
            bpp = info.pixel_format.bytes_per_pixel
            shape = (info.height, info.width) + ((bpp,) if bpp > 1 else ())
            images = max(2, int(ring_seconds * max(info.rate_hz, 1)))
            images = min(images, max(2, RING_MAX_BYTES // max(1, info.frame_bytes)))
            self.ring = RingBuffer(images, shape, np.uint8)
            self._image = bytearray(info.frame_bytes)
            self._image_id: int | None = None
            self._image_filled = 0
        else:
            capacity = max(1024, int(ring_seconds * max(info.rate_hz, 1)))
            capacity = min(capacity, max(1024, RING_MAX_BYTES // max(1, info.frame_bytes)))
            self.ring = RingBuffer(capacity, (info.n_channels,), np.dtype(info.sample_type.dtype))
        self._dtype = np.dtype(info.sample_type.dtype)
        self._sample_bytes = info.frame_bytes if info.kind != SensorKind.CAMERA else 0

    def accept(self, body: bytes) -> bool:
        """Queue one SAMPLES body if it holds a whole number (>= 1) of samples; otherwise
        count it as malformed and drop it (camera sensors send CAMERA_CHUNK, not SAMPLES)."""
        width = self._sample_bytes
        if not width or not body or len(body) % width:
            self.malformed += 1
            return False
        self.pending.append(body)
        return True

    def note_seq(self, seq: int) -> None:
        expected = self.next_seq
        if expected is not None and seq != expected:
            gap = (seq - expected) & 0xFFFF
            if gap < _MAX_GAP:
                self.lost_frames += gap
        self.next_seq = (seq + 1) & 0xFFFF
        self.frames += 1

    def restart(self) -> None:
        """Forget the sequence after START: a board may restart counting from 0."""
        self.next_seq = None

    def take_pending(self) -> np.ndarray | None:
        """Decode the frame bodies gathered since the last call into one sample array."""
        if not self.pending:
            return None
        data = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.pending.clear()
        width = self.info.frame_bytes
        usable = len(data) - len(data) % width
        if usable != len(data):
            self.malformed += 1
            data = data[:usable]
        if not usable:
            return None
        return np.frombuffer(data, dtype=self._dtype).reshape(-1, self.info.n_channels)

    def add_camera_chunk(self, chunk: CameraChunk) -> np.ndarray | None:
        """Assemble chunks into an image; returns it when complete, drops incomplete ones."""
        info = self.info
        if (info.kind != SensorKind.CAMERA or chunk.width != info.width or chunk.height != info.height
                or chunk.pixel_format != info.pixel_format):
            self.malformed += 1  # not the geometry the board declared in HELLO
            self._image_id = None
            return None
        if chunk.offset == 0:
            self._image_id = chunk.image_id
            self._image_filled = 0
        if chunk.image_id != self._image_id or chunk.offset != self._image_filled:
            self._image_id = None  # a chunk went missing: this image is lost
            return None
        end = chunk.offset + len(chunk.data)
        if end > len(self._image):
            self.malformed += 1
            self._image_id = None
            return None
        self._image[chunk.offset : end] = chunk.data
        self._image_filled = end
        if end < len(self._image):
            return None
        self._image_id = None
        return np.frombuffer(bytes(self._image), dtype=np.uint8).reshape(
            (1, *self.ring._data.shape[1:])
        )

    def stats(self) -> SensorStats:
        return SensorStats(
            samples=self.samples,
            frames=self.frames,
            lost_frames=self.lost_frames,
            crc_errors=self.crc_errors,
            malformed_frames=self.malformed,
            rate_hz=self.rate.rate_hz,
            declared_rate_hz=self.info.rate_hz if self.declared else None,
        )
