"""Bodies of the model-upload, inference and parity messages (docs/protocol.md sections 6-8).

Kept in ``devices`` beside the frame codec because both ends use them: the host's
deploy layer encodes requests and decodes replies, the virtual board does the reverse.
Every decoder checks lengths and raises :class:`~tinystudio.devices.protocol.ProtocolError`
with the message name, never an IndexError. The binary descriptor (section 6.1) is the
board's view of a model package: sensor, front end, window, quantization, the per-channel
multiply-add that turns a raw sample into the int8 input, and the labels.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field

from tinystudio.devices.protocol import ProtocolError, Status, _pack_str, _Reader

DESCRIPTOR_VERSION = 1
MODEL_BEGIN_HEADER = struct.Struct("<IIHH")
CHUNK_HEADER = struct.Struct("<I")
MODEL_ACK = struct.Struct("<IBI")
MODEL_STATUS_HEADER = struct.Struct("<BIIIH")
INFERENCE_HEADER = struct.Struct("<IIBB")
INFERENCE_TAIL = struct.Struct("<fb")
RUN_INPUT_HEADER = struct.Struct("<II")
RUN_OUTPUT_HEADER = struct.Struct("<BI")
FAULT = struct.Struct("<BH")


class Frontend(enum.IntEnum):
    RAW = 0
    MICRO_SPEECH = 1
    IMAGE = 2
    MICROFRONTEND = 3  # TFLM's audio microfrontend (tinystudio/dsp/microfrontend.py)


class FaultKind(enum.IntEnum):
    """Virtual-board fault injection (section 8)."""

    DROP_CHUNKS = 1
    CORRUPT_CHUNKS = 2
    CLOSE_PORT = 3
    CORRUPT_OUTGOING = 4


# ------------------------------------------------------------------ descriptor (6.1)


@dataclass(frozen=True)
class BoardDescriptor:
    """What a board needs to run a model on its own sensor stream."""

    sensor_id: int
    frontend: Frontend
    n_channels: int
    window: int  # time steps: samples (RAW), feature frames (MICRO_SPEECH), 1 (IMAGE)
    stride: int
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    labels: tuple[str, ...]
    #: RAW only: q = clamp(round(v * mul[c] + add[c]), -128, 127) per channel c.
    mul: tuple[float, ...] = field(default_factory=tuple)
    add: tuple[float, ...] = field(default_factory=tuple)
    version: int = DESCRIPTOR_VERSION


def encode_descriptor(d: BoardDescriptor) -> bytes:
    affine = d.frontend == Frontend.RAW
    if affine and (len(d.mul) != d.n_channels or len(d.add) != d.n_channels):
        raise ValueError(
            f"RAW descriptor needs {d.n_channels} mul/add pairs, got {len(d.mul)}/{len(d.add)}"
        )
    if len(d.labels) > 255:
        raise ValueError(f"{len(d.labels)} labels; a descriptor holds at most 255")
    out = bytearray(
        struct.pack(
            "<BBBBHHfbfb",
            d.version,
            d.sensor_id,
            d.frontend,
            d.n_channels,
            d.window,
            d.stride,
            d.input_scale,
            d.input_zero_point,
            d.output_scale,
            d.output_zero_point,
        )
    )
    if affine:
        for m, a in zip(d.mul, d.add, strict=True):
            out += struct.pack("<ff", m, a)
    out.append(len(d.labels))
    for label in d.labels:
        out += _pack_str(label)
    return bytes(out)


def decode_descriptor(body: bytes) -> BoardDescriptor:
    r = _Reader(body, "model descriptor")
    version, sid, fe, nch, window, stride, in_s, in_zp, out_s, out_zp = r.unpack("BBBBHHfbfb")
    if version != DESCRIPTOR_VERSION:
        raise ProtocolError(f"model descriptor version {version}, expected {DESCRIPTOR_VERSION}")
    try:
        frontend = Frontend(fe)
    except ValueError:
        raise ProtocolError(f"model descriptor: unknown front end {fe}") from None
    mul: list[float] = []
    add: list[float] = []
    if frontend == Frontend.RAW:
        for _ in range(nch):
            m, a = r.unpack("ff")
            mul.append(m)
            add.append(a)
    (n_labels,) = r.unpack("B")
    labels = tuple(r.string() for _ in range(n_labels))
    if window < 1 or stride < 1 or nch < 1:
        raise ProtocolError(
            f"model descriptor: window {window}, stride {stride}, channels {nch} must be >= 1"
        )
    return BoardDescriptor(
        sid, frontend, nch, window, stride, in_s, in_zp, out_s, out_zp, labels,
        tuple(mul), tuple(add), version,
    )  # fmt: skip


# ----------------------------------------------------------------- upload (section 6)


@dataclass(frozen=True)
class ModelBegin:
    total_bytes: int
    model_crc32: int
    chunk_bytes: int
    descriptor: bytes


def encode_model_begin(m: ModelBegin) -> bytes:
    return (
        MODEL_BEGIN_HEADER.pack(m.total_bytes, m.model_crc32, m.chunk_bytes, len(m.descriptor))
        + m.descriptor
    )


def decode_model_begin(body: bytes) -> ModelBegin:
    r = _Reader(body, "MODEL_BEGIN")
    total, crc, chunk, n = r.unpack("IIHH")
    return ModelBegin(total, crc, chunk, r.take(n))


def encode_model_chunk(offset: int, data: bytes) -> bytes:
    return CHUNK_HEADER.pack(offset) + data


def decode_model_chunk(body: bytes) -> tuple[int, bytes]:
    if len(body) < CHUNK_HEADER.size:
        raise ProtocolError(f"MODEL_CHUNK: {len(body)} bytes is shorter than its offset")
    (offset,) = CHUNK_HEADER.unpack_from(body)
    return offset, body[CHUNK_HEADER.size :]


@dataclass(frozen=True)
class ModelAck:
    next_offset: int
    status: Status
    slot_bytes: int


def encode_model_ack(a: ModelAck) -> bytes:
    return MODEL_ACK.pack(a.next_offset, a.status, a.slot_bytes)


def decode_model_ack(body: bytes) -> ModelAck:
    r = _Reader(body, "MODEL_ACK")
    off, status, slot = r.unpack("IBI")
    return ModelAck(off, _status(status, "MODEL_ACK"), slot)


@dataclass(frozen=True)
class ModelStatus:
    status: Status
    model_bytes: int = 0
    model_crc32: int = 0
    arena_used_bytes: int = 0
    descriptor: bytes = b""


def encode_model_status(s: ModelStatus) -> bytes:
    return (
        MODEL_STATUS_HEADER.pack(
            s.status, s.model_bytes, s.model_crc32, s.arena_used_bytes, len(s.descriptor)
        )
        + s.descriptor
    )


def decode_model_status(body: bytes) -> ModelStatus:
    r = _Reader(body, "MODEL_STATUS")
    status, size, crc, arena, n = r.unpack("BIIIH")
    return ModelStatus(_status(status, "MODEL_STATUS"), size, crc, arena, r.take(n))


# --------------------------------------------------------- inference, parity (7), fault (8)


@dataclass(frozen=True)
class Inference:
    window_index: int
    latency_us: int
    top_index: int
    scores: bytes  # the raw int8 output tensor
    output_scale: float
    output_zero_point: int

    def probabilities(self) -> list[float]:
        raw = struct.unpack(f"<{len(self.scores)}b", self.scores)
        return [(v - self.output_zero_point) * self.output_scale for v in raw]


def encode_inference(i: Inference) -> bytes:
    return (
        INFERENCE_HEADER.pack(i.window_index, i.latency_us, i.top_index, len(i.scores))
        + i.scores
        + INFERENCE_TAIL.pack(i.output_scale, i.output_zero_point)
    )


def decode_inference(body: bytes) -> Inference:
    r = _Reader(body, "INFERENCE")
    window, latency, top, n = r.unpack("IIBB")
    scores = r.take(n)
    scale, zp = r.unpack("fb")
    return Inference(window, latency, top, scores, scale, zp)


@dataclass(frozen=True)
class RunInput:
    offset: int
    total: int
    data: bytes


def encode_run_input(m: RunInput) -> bytes:
    return RUN_INPUT_HEADER.pack(m.offset, m.total) + m.data


def decode_run_input(body: bytes) -> RunInput:
    r = _Reader(body, "RUN_INPUT")
    offset, total = r.unpack("II")
    return RunInput(offset, total, r.rest())


@dataclass(frozen=True)
class RunOutput:
    status: Status
    latency_us: int
    output: bytes


def encode_run_output(m: RunOutput) -> bytes:
    return RUN_OUTPUT_HEADER.pack(m.status, m.latency_us) + m.output


def decode_run_output(body: bytes) -> RunOutput:
    r = _Reader(body, "RUN_OUTPUT")
    status, latency = r.unpack("BI")
    return RunOutput(_status(status, "RUN_OUTPUT"), latency, r.rest())


def encode_fault(kind: FaultKind, count: int = 1) -> bytes:
    return FAULT.pack(kind, count)


def decode_fault(body: bytes) -> tuple[FaultKind, int]:
    r = _Reader(body, "FAULT")
    kind, count = r.unpack("BH")
    try:
        return FaultKind(kind), count
    except ValueError:
        raise ProtocolError(f"FAULT: unknown fault {kind}") from None


def _status(value: int, what: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise ProtocolError(f"{what}: unknown status {value}") from None
