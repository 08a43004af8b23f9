"""Independent Python encoders for protocol.md sections 6-7, written from the document.

Why: the cross-language vectors for model upload, inference and parity must come from
the spec, not from the C code under test. These few ``struct.pack`` lines follow the
tables in docs/protocol.md literally; test_vectors.py also checks them against the host's
own implementation (tinystudio.devices.model_messages) so all three agree.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


def pack_str(text: str) -> bytes:
    data = text.encode("utf-8")
    assert len(data) <= 255
    return bytes([len(data)]) + data


@dataclass(frozen=True)
class Descriptor:
    sensor_id: int
    frontend: int  # 0 RAW, 1 MICRO_SPEECH, 2 IMAGE
    n_channels: int
    window: int
    stride: int
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    labels: tuple[str, ...]
    mul: tuple[float, ...] = field(default_factory=tuple)
    add: tuple[float, ...] = field(default_factory=tuple)
    version: int = 1


def descriptor(d: Descriptor) -> bytes:
    out = struct.pack("<BBBBHH", d.version, d.sensor_id, d.frontend, d.n_channels, d.window, d.stride)
    out += struct.pack("<fb", d.input_scale, d.input_zero_point)
    out += struct.pack("<fb", d.output_scale, d.output_zero_point)
    if d.frontend == 0:
        for m, a in zip(d.mul, d.add, strict=True):
            out += struct.pack("<ff", m, a)
    out += bytes([len(d.labels)]) + b"".join(pack_str(s) for s in d.labels)
    return out


def model_begin(total: int, crc: int, chunk_bytes: int, desc: bytes) -> bytes:
    return struct.pack("<IIHH", total, crc, chunk_bytes, len(desc)) + desc


def model_chunk(offset: int, data: bytes) -> bytes:
    return struct.pack("<I", offset) + data


def model_ack(next_offset: int, status: int, slot_bytes: int) -> bytes:
    return struct.pack("<IBI", next_offset, status, slot_bytes)


def model_status(status: int, model_bytes: int, crc: int, arena: int, desc: bytes) -> bytes:
    return struct.pack("<BIIIH", status, model_bytes, crc, arena, len(desc)) + desc


def inference(window_index: int, latency_us: int, scores: bytes, scale: float, zp: int) -> bytes:
    raw = struct.unpack(f"<{len(scores)}b", scores)
    top = max(range(len(raw)), key=lambda i: (raw[i], -i)) if raw else 0
    return (
        struct.pack("<IIBB", window_index, latency_us, top, len(scores))
        + scores
        + struct.pack("<fb", scale, zp)
    )


def run_input(offset: int, total: int, data: bytes) -> bytes:
    return struct.pack("<II", offset, total) + data


def run_output(status: int, latency_us: int, output: bytes) -> bytes:
    return struct.pack("<BI", status, latency_us) + output


def quantize(v: float) -> int:
    """q = clamp(round(v), -128, 127), rounding half away from zero (C's roundf)."""
    if v != v:
        return 0
    r = int(abs(v) + 0.5)
    r = r if v >= 0 else -r
    return max(-128, min(127, r))


def windows(d: Descriptor, samples: list[list[int]]) -> list[bytes]:
    """RAW windows over int16 samples exactly as section 6.1 describes, in float32."""
    import numpy as np

    mul = np.asarray(d.mul, dtype=np.float32)
    add = np.asarray(d.add, dtype=np.float32)
    q = [
        [quantize(float(np.float32(np.float32(v) * mul[c]) + add[c])) for c, v in enumerate(s)]
        for s in samples
    ]
    out, start = [], 0
    while start + d.window <= len(q):
        out.append(struct.pack(f"<{d.window * d.n_channels}b", *sum(q[start : start + d.window], [])))
        start += d.stride
    return out
