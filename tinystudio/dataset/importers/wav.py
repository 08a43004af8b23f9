"""A small RIFF/WAVE reader and writer.

The standard ``wave`` module reads neither float nor (portably) 24-bit files, and says
little about truncation. This one handles PCM 8/16/24/32-bit integers and 32/64-bit
float, any channel count and rate, WAVE_FORMAT_EXTENSIBLE, and reports the byte offset
where a damaged file stops making sense. Samples are kept losslessly in the nearest
numpy type (8-bit unsigned -> int8 by subtracting 128, 24-bit -> int32) with a scale to
full scale 1.0; the original bit depth is kept so export writes the same format back.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinystudio.errors import DatasetError

PCM, IEEE_FLOAT, EXTENSIBLE = 1, 3, 0xFFFE


@dataclass
class WavData:
    samples: np.ndarray  # (n, channels)
    rate: int
    bits: int
    is_float: bool

    @property
    def scale(self) -> float:
        return 1.0 if self.is_float else 1.0 / (1 << (self.bits - 1))


def read_wav(path: Path) -> WavData:
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 12:
        raise DatasetError(f"{path}: {len(data)} bytes is too short for a WAV file (offset 0)")
    if data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise DatasetError(f"{path}: not a RIFF/WAVE file (offset 0: {data[0:4]!r}, offset 8: {data[8:12]!r})")
    pos = 12
    fmt = None
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + size > len(data):
                raise DatasetError(f"{path}: 'fmt ' chunk at offset {pos} is truncated")
            tag, ch, rate, _, align, bits = struct.unpack_from("<HHIIHH", data, body)
            if tag == EXTENSIBLE and size >= 40:
                (tag,) = struct.unpack_from("<H", data, body + 24)
            fmt = (tag, ch, rate, align, bits)
        elif cid == b"data":
            if fmt is None:
                raise DatasetError(f"{path}: 'data' chunk at offset {pos} comes before any 'fmt ' chunk")
            if body + size > len(data):
                raise DatasetError(
                    f"{path}: truncated: 'data' chunk at offset {pos} declares {size} bytes, "
                    f"but the file ends after {len(data) - body} (at offset {len(data)})")
            return _decode(path, data[body : body + size], *fmt, offset=body)
        pos = body + size + (size & 1)
    if fmt is None:
        raise DatasetError(f"{path}: no 'fmt ' chunk (file ends at offset {len(data)})")
    raise DatasetError(f"{path}: no 'data' chunk (truncated at offset {len(data)})")


def _decode(path, raw: bytes, tag, ch, rate, align, bits, offset) -> WavData:
    if ch < 1 or rate < 1:
        raise DatasetError(f"{path}: 'fmt ' says {ch} channels at {rate} Hz")
    width = bits // 8
    if width * ch != align or bits % 8:
        raise DatasetError(f"{path}: unsupported layout: {bits}-bit samples, {ch} channels, block {align} bytes")
    usable = len(raw) - len(raw) % align
    if usable != len(raw):
        raise DatasetError(f"{path}: truncated: data ends mid-sample at offset {offset + usable}")
    n = usable // align
    if tag == IEEE_FLOAT and bits in (32, 64):
        x = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").reshape(n, ch)
        return WavData(x.copy(), rate, bits, True)
    if tag != PCM:
        raise DatasetError(f"{path}: WAV format tag {tag:#x} is not supported (PCM or IEEE float only)")
    if bits == 8:
        x = (np.frombuffer(raw, np.uint8).astype(np.int16) - 128).astype(np.int8)
    elif bits == 16:
        x = np.frombuffer(raw, "<i2")
    elif bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        x = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(x >= 1 << 23, x - (1 << 24), x).astype(np.int32)
    elif bits == 32:
        x = np.frombuffer(raw, "<i4")
    else:
        raise DatasetError(f"{path}: {bits}-bit integer WAV is not supported (8, 16, 24, 32)")
    return WavData(np.ascontiguousarray(x.reshape(n, ch)), rate, bits, False)


def write_wav(path: Path, samples: np.ndarray, rate: int, bits: int | None = None) -> None:
    """Write samples in the format their dtype implies (int8 -> 8-bit unsigned, int32 with
    ``bits=24`` -> 24-bit, float -> IEEE float)."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[:, None]
    n, ch = x.shape
    kind = x.dtype.kind
    if kind == "f":
        bits = x.dtype.itemsize * 8
        tag = IEEE_FLOAT
        raw = x.astype("<f4" if bits == 32 else "<f8").tobytes()
    else:
        bits = bits or x.dtype.itemsize * 8
        tag = PCM
        if bits == 8:
            raw = (x.astype(np.int16) + 128).astype(np.uint8).tobytes()
        elif bits == 16:
            raw = x.astype("<i2").tobytes()
        elif bits == 24:
            v = x.astype(np.int64).reshape(-1) & 0xFFFFFF
            raw = np.stack([v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF], axis=1).astype(np.uint8).tobytes()
        elif bits == 32:
            raw = x.astype("<i4").tobytes()
        else:
            raise ValueError(f"cannot write {bits}-bit WAV")
    align = ch * bits // 8
    fmt = struct.pack("<HHIIHH", tag, ch, int(rate), int(rate) * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(raw)) + raw
    if len(raw) & 1:
        body += b"\x00"
    Path(path).write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
