"""The TinyStudio wire protocol: frames, message types and the device-info message.

The spec for firmware authors is ``docs/protocol.md``; this module is its reference
implementation. Frames are COBS-encoded with a 0x00 delimiter so that a lost or
corrupted byte costs exactly one frame and the reader resynchronizes at the next
delimiter. Every frame carries a CRC-32 (the zlib/IEEE polynomial, the same one used for
model uploads, so a board needs one CRC routine) and a per-stream sequence number, so
the host counts lost frames exactly.

Frame before COBS encoding (all little-endian)::

    u8 type | u8 stream | u16 seq | body (0..MAX_BODY bytes) | u32 crc32(type..body)
"""

from __future__ import annotations

import enum
import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import NamedTuple

from cobs import cobs

from tinystudio.errors import DeviceError
from tinystudio.text_safety import name_problem

PROTOCOL_VERSION = 1
DELIMITER = b"\x00"
HEADER = struct.Struct("<BBH")
CRC = struct.Struct("<I")
HEADER_SIZE = HEADER.size
OVERHEAD = HEADER.size + CRC.size
#: Largest body a compliant board must accept; boards may announce a larger one in HELLO.
MAX_BODY = 1024
#: Largest encoded frame (COBS adds one byte per 254) the decoder keeps buffering before it
#: declares the data garbage and skips to the next delimiter.
MAX_ENCODED = MAX_BODY + OVERHEAD + (MAX_BODY + OVERHEAD) // 254 + 2
#: zlib.crc32(data + crc32(data).to_bytes(4, "little")) for any data.
CRC_RESIDUE = 0x2144DF1C
#: ``stream`` value of control messages that belong to no sensor.
NO_STREAM = 0xFF

# Limits on what a HELLO may declare (docs/protocol.md section 3.1). A board outside them
# is refused at connect with a message naming the board and the field: a rate of 0 or NaN
# breaks every time axis, a huge camera would allocate gigabytes, a name with control
# characters would end up in files.
MAX_RATE_HZ = 1_000_000.0
MAX_CAMERA_FPS = 1_000.0
MAX_CHANNELS = 64
MAX_CAMERA_CHANNELS = 4
MAX_CAMERA_SIDE = 2048
MAX_IMAGE_BYTES = 4 << 20
MAX_SENSORS = 16
MIN_MAX_BODY = 64
#: Characters of board name, firmware version and board id; sensor and channel names; units.
MAX_BOARD_TEXT = 64
MAX_NAME = 32
MAX_UNIT = 16


class MsgType(enum.IntEnum):
    """Message types. Host->board requests echo their ``seq`` in the reply."""

    HELLO = 0x01  # board -> host: device info (unsolicited at boot, or reply to GET_INFO)
    GET_INFO = 0x02  # host -> board
    PING = 0x03  # host -> board, body echoed in PONG
    PONG = 0x04  # board -> host
    START = 0x05  # host -> board: body u8 sensor id (0xFF: all sensors)
    STOP = 0x06  # host -> board: body u8 sensor id (0xFF: all sensors)
    ACK = 0x07  # board -> host: body u8 request type, u8 Status
    LOG = 0x08  # board -> host: body u8 LogLevel, utf-8 text
    ERROR = 0x09  # board -> host: body u16 error code, utf-8 text
    SAMPLES = 0x10  # board -> host: interleaved samples of one sensor
    CAMERA_CHUNK = 0x11  # board -> host: part of one camera image
    # Model upload, inference and parity (bodies specified in docs/protocol.md section 6).
    MODEL_BEGIN = 0x20
    MODEL_CHUNK = 0x21
    MODEL_ACK = 0x22
    MODEL_COMMIT = 0x23
    MODEL_STATUS = 0x24
    MODEL_ABORT = 0x25
    INFERENCE = 0x30
    RUN_INPUT = 0x31
    RUN_OUTPUT = 0x32
    FAULT = 0x7F  # host -> virtual board only: fault injection for tests


class Status(enum.IntEnum):
    OK = 0
    UNKNOWN_SENSOR = 1
    UNSUPPORTED = 2
    BAD_REQUEST = 3
    TOO_LARGE = 4
    CRC_MISMATCH = 5
    BUSY = 6
    NO_MODEL = 7
    MODEL_INVALID = 8
    INTERNAL = 9


class LogLevel(enum.IntEnum):
    DEBUG = 0
    INFO = 1
    WARNING = 2
    ERROR = 3


class SensorKind(enum.IntEnum):
    IMU = 1
    MICROPHONE = 2
    CAMERA = 3
    GENERIC = 4


class SampleType(enum.IntEnum):
    I8 = 1
    U8 = 2
    I16 = 3
    U16 = 4
    I32 = 5
    F32 = 6

    @property
    def dtype(self) -> str:
        return _DTYPES[self]

    @property
    def itemsize(self) -> int:
        return int(self.dtype[-1])


_DTYPES = {
    SampleType.I8: "<i1",
    SampleType.U8: "<u1",
    SampleType.I16: "<i2",
    SampleType.U16: "<u2",
    SampleType.I32: "<i4",
    SampleType.F32: "<f4",
}


class PixelFormat(enum.IntEnum):
    GRAY8 = 0
    RGB565 = 1
    RGB888 = 2

    @property
    def bytes_per_pixel(self) -> int:
        return {PixelFormat.GRAY8: 1, PixelFormat.RGB565: 2, PixelFormat.RGB888: 3}[self]


class Frame(NamedTuple):
    type: int
    stream: int
    seq: int
    body: bytes


class ProtocolError(DeviceError, ValueError):
    """A frame body that does not parse as its type says.

    A board's fault, not the studio's: a DeviceError (one line, exit 3) that reaches a
    command uncaught is reported as such, never as an internal error with a crash report.
    Still a ValueError for the decoders' callers that catch it as one."""


# --------------------------------------------------------------------------- frames


def encode_frame(msg_type: int, stream: int, seq: int, body: bytes = b"") -> bytes:
    """Encode one frame, delimiter included."""
    if len(body) > 0xFFFF:
        raise ValueError(f"frame body of {len(body)} bytes is too large")
    raw = HEADER.pack(msg_type, stream, seq & 0xFFFF) + body
    raw += CRC.pack(zlib.crc32(raw))
    return cobs.encode(raw) + DELIMITER


class FrameDecoder:
    """Turns a byte stream into CRC-checked frames, resynchronizing at every delimiter.

    ``feed`` may be given any slicing of the stream; a partial frame waits for the rest.
    Damaged data is counted (``crc_errors``, ``framing_errors``) and skipped, never raised.
    """

    __slots__ = (
        "_tail",
        "crc_errors",
        "crc_errors_by_stream",
        "framing_errors",
        "frames",
        "bytes_in",
        "max_encoded",
    )

    def __init__(self, max_encoded: int = 1 << 16) -> None:
        self._tail = b""
        self.crc_errors = 0
        #: CRC failures by the (unverified) stream byte, so a session can attribute
        #: damage to a sensor; best effort, since that byte may itself be damaged.
        self.crc_errors_by_stream: dict[int, int] = {}
        self.framing_errors = 0
        self.frames = 0
        self.bytes_in = 0
        self.max_encoded = max_encoded

    def feed(self, data: bytes) -> list[Frame]:
        self.bytes_in += len(data)
        buf = self._tail + data if self._tail else bytes(data)
        parts = buf.split(DELIMITER)
        tail = parts.pop()
        if len(tail) > self.max_encoded:
            # No delimiter for longer than any legal frame: garbage. Drop it; the next
            # delimiter resynchronizes.
            self.framing_errors += 1
            tail = b""
        self._tail = tail
        out: list[Frame] = []
        append = out.append
        decode = cobs.decode
        crc32 = zlib.crc32
        unpack = HEADER.unpack_from
        new_frame = tuple.__new__
        for part in parts:
            if not part:
                continue
            try:
                raw = decode(part)
            except cobs.DecodeError:
                self.framing_errors += 1
                continue
            n = len(raw)
            if n < OVERHEAD:
                self.framing_errors += 1
                continue
            # CRC-32 over data + its own little-endian CRC leaves a constant residue, which
            # checks the frame without slicing it.
            if crc32(raw) != CRC_RESIDUE:
                self.crc_errors += 1
                by = self.crc_errors_by_stream
                by[raw[1]] = by.get(raw[1], 0) + 1
                continue
            t, s, q = unpack(raw)
            append(new_frame(Frame, (t, s, q, raw[4:-4])))
        self.frames += len(out)
        return out

    def reset(self) -> None:
        self._tail = b""


# ------------------------------------------------------------------ string helpers


def _pack_str(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > 255:
        raise ValueError(f"string {text[:20]!r}... is longer than 255 bytes")
    return bytes([len(data)]) + data


class _Reader:
    """Cursor over a message body; every read is bounds-checked."""

    __slots__ = ("data", "pos", "what")

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ProtocolError(f"{self.what}: body ends after {len(self.data)} bytes, needs more")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str):
        s = struct.Struct("<" + fmt)
        return s.unpack(self.take(s.size))

    def string(self) -> str:
        (n,) = self.unpack("B")
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"{self.what}: string is not UTF-8") from exc

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk


# ------------------------------------------------------------------- device info


@dataclass(frozen=True)
class ChannelInfo:
    name: str
    unit: str = ""
    #: Multiply a raw sample by this to get ``unit``.
    scale: float = 1.0


@dataclass(frozen=True)
class SensorInfo:
    sensor_id: int
    kind: SensorKind
    name: str
    sample_type: SampleType
    rate_hz: float
    channels: tuple[ChannelInfo, ...]
    #: Camera only: image geometry and pixel format. ``rate_hz`` is then frames per second.
    width: int = 0
    height: int = 0
    pixel_format: PixelFormat = PixelFormat.GRAY8

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    @property
    def frame_bytes(self) -> int:
        """Bytes of one sample (all channels), or of one camera image."""
        if self.kind == SensorKind.CAMERA:
            return self.width * self.height * self.pixel_format.bytes_per_pixel
        return self.n_channels * self.sample_type.itemsize


@dataclass(frozen=True)
class DeviceInfo:
    board_name: str
    firmware_version: str
    board_id: str = ""
    protocol_version: int = PROTOCOL_VERSION
    model_slot_bytes: int = 0
    arena_bytes: int = 0
    max_body: int = MAX_BODY
    sensors: tuple[SensorInfo, ...] = field(default_factory=tuple)

    def sensor(self, key: int | str) -> SensorInfo:
        for s in self.sensors:
            if (
                s.sensor_id == key
                or s.name == key
                or (isinstance(key, str) and s.kind.name.lower() == key.lower())
            ):
                return s
        names = ", ".join(s.name for s in self.sensors) or "none"
        raise KeyError(f"board {self.board_name!r} has no sensor {key!r} (it has: {names})")


def encode_hello(info: DeviceInfo) -> bytes:
    out = bytearray()
    out += struct.pack("<B", info.protocol_version)
    out += _pack_str(info.board_name) + _pack_str(info.firmware_version) + _pack_str(info.board_id)
    out += struct.pack(
        "<IIHB", info.model_slot_bytes, info.arena_bytes, info.max_body, len(info.sensors)
    )
    for s in info.sensors:
        out += struct.pack("<BBBBf", s.sensor_id, s.kind, s.sample_type, s.n_channels, s.rate_hz)
        out += _pack_str(s.name)
        for c in s.channels:
            out += _pack_str(c.name) + _pack_str(c.unit) + struct.pack("<f", c.scale)
        if s.kind == SensorKind.CAMERA:
            out += struct.pack("<HHB", s.width, s.height, s.pixel_format)
    return bytes(out)


def decode_hello(body: bytes) -> DeviceInfo:
    r = _Reader(body, "HELLO")
    (version,) = r.unpack("B")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"board speaks protocol version {version}, this TinyStudio speaks {PROTOCOL_VERSION}; "
            "update the board's recorder firmware or TinyStudio"
        )
    board_name, firmware, board_id = r.string(), r.string(), r.string()
    slot, arena, max_body, n = r.unpack("IIHB")
    sensors = []
    for _ in range(n):
        sid, kind, stype, nch, rate = r.unpack("BBBBf")
        try:
            kind_e, stype_e = SensorKind(kind), SampleType(stype)
        except ValueError as exc:
            raise ProtocolError(
                f"HELLO: sensor {sid} has unknown kind or sample type ({exc})"
            ) from exc
        name = r.string()
        chans = []
        for _ in range(nch):
            cname, unit = r.string(), r.string()
            (scale,) = r.unpack("f")
            chans.append(ChannelInfo(cname, unit, scale))
        width = height = 0
        pix = PixelFormat.GRAY8
        if kind_e == SensorKind.CAMERA:
            width, height, p = r.unpack("HHB")
            try:
                pix = PixelFormat(p)
            except ValueError:
                raise ProtocolError(f"HELLO from {board_name[:MAX_BOARD_TEXT]!r}: sensor {sid} "
                                    f"has unknown pixel format {p}") from None
        sensors.append(
            SensorInfo(sid, kind_e, name, stype_e, rate, tuple(chans), width, height, pix)
        )
    info = DeviceInfo(
        board_name, firmware, board_id, version, slot, arena, max_body, tuple(sensors)
    )
    check_device_info(info)
    return info


def _text_problem(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"is {len(text)} characters long (at most {limit})"
    return name_problem(text)


def check_device_info(info: DeviceInfo) -> None:
    """Raise ProtocolError naming the board and the field when ``info`` breaks a limit."""
    board = info.board_name[:MAX_BOARD_TEXT]

    def fail(where: str, problem: str) -> None:
        raise ProtocolError(f"HELLO from {board!r}: {where} {problem}; fix the board's recorder firmware")

    for field_name, text in (("board_name", info.board_name), ("firmware_version", info.firmware_version),
                             ("board_id", info.board_id)):
        problem = _text_problem(text, MAX_BOARD_TEXT)
        if problem:
            fail(field_name, problem)
    if info.max_body < MIN_MAX_BODY:
        fail("max_body", f"is {info.max_body} bytes (at least {MIN_MAX_BODY})")
    if len(info.sensors) > MAX_SENSORS:
        fail("n_sensors", f"is {len(info.sensors)} (at most {MAX_SENSORS})")
    seen: set[int] = set()
    for s in info.sensors:
        where = f"sensor {s.sensor_id} ({s.name[:MAX_NAME]!r})"
        if s.sensor_id == NO_STREAM or s.sensor_id in seen:
            fail(where, "sensor_id is reserved (255) or used twice")
        seen.add(s.sensor_id)
        problem = _text_problem(s.name, MAX_NAME)
        if problem:
            fail(f"{where} name", problem)
        camera = s.kind == SensorKind.CAMERA
        top = MAX_CAMERA_CHANNELS if camera else MAX_CHANNELS
        if not 1 <= s.n_channels <= top:
            fail(f"{where} n_channels", f"is {s.n_channels}; a sensor has 1 to {top} channels")
        rate_top = MAX_CAMERA_FPS if camera else MAX_RATE_HZ
        if not (math.isfinite(s.rate_hz) and 0 < s.rate_hz <= rate_top):
            fail(f"{where} rate_hz", f"is {s.rate_hz}; it must be a finite number above 0 and at most {rate_top:g}")
        for i, c in enumerate(s.channels):
            for what, text, limit in (("name", c.name, MAX_NAME), ("unit", c.unit, MAX_UNIT)):
                problem = _text_problem(text, limit)
                if problem:
                    fail(f"{where} channel {i} {what}", problem)
            if not math.isfinite(c.scale) or c.scale == 0:
                fail(f"{where} channel {i} ({c.name[:MAX_NAME]!r}) scale", f"is {c.scale}; it must be finite and not 0")
        if camera:
            if not (1 <= s.width <= MAX_CAMERA_SIDE and 1 <= s.height <= MAX_CAMERA_SIDE):
                fail(f"{where} image size", f"is {s.width} x {s.height}; each side must be 1 to {MAX_CAMERA_SIDE}")
            if s.frame_bytes > MAX_IMAGE_BYTES:
                fail(f"{where} image size", f"is {s.frame_bytes} bytes (at most {MAX_IMAGE_BYTES})")


# ----------------------------------------------------------------- small messages

CAMERA_HEADER = struct.Struct("<HHHBBI")  # image id, width, height, pixel format, reserved, offset


@dataclass(frozen=True)
class CameraChunk:
    image_id: int
    width: int
    height: int
    pixel_format: PixelFormat
    offset: int
    data: bytes


def encode_camera_chunk(chunk: CameraChunk) -> bytes:
    return (
        CAMERA_HEADER.pack(
            chunk.image_id, chunk.width, chunk.height, chunk.pixel_format, 0, chunk.offset
        )
        + chunk.data
    )


def decode_camera_chunk(body: bytes) -> CameraChunk:
    if len(body) < CAMERA_HEADER.size:
        raise ProtocolError(f"CAMERA_CHUNK: {len(body)} bytes is shorter than its header")
    image_id, w, h, fmt, _, offset = CAMERA_HEADER.unpack_from(body)
    return CameraChunk(image_id, w, h, _enum(PixelFormat, fmt, "CAMERA_CHUNK pixel format"), offset,
                       body[CAMERA_HEADER.size :])


def _enum(cls, value: int, what: str):
    """``cls(value)``; an unknown value from a board is a ProtocolError (found by tests/fuzz)."""
    try:
        return cls(value)
    except ValueError:
        raise ProtocolError(f"{what} {value} is not one this TinyStudio knows") from None


def encode_ack(request: MsgType, status: Status = Status.OK) -> bytes:
    return struct.pack("<BB", request, status)


def decode_ack(body: bytes) -> tuple[int, Status]:
    r = _Reader(body, "ACK")
    req, status = r.unpack("BB")
    return req, _enum(Status, status, "ACK status")


def encode_log(level: LogLevel, text: str) -> bytes:
    return bytes([level]) + text.encode("utf-8")[: MAX_BODY - 1]


def decode_log(body: bytes) -> tuple[LogLevel, str]:
    if not body:
        raise ProtocolError("LOG: empty body")
    return LogLevel(min(body[0], 3)), body[1:].decode("utf-8", "replace")


def encode_error(code: int, text: str) -> bytes:
    return struct.pack("<H", code) + text.encode("utf-8")[: MAX_BODY - 2]


def decode_error(body: bytes) -> tuple[int, str]:
    r = _Reader(body, "ERROR")
    (code,) = r.unpack("H")
    return code, r.rest().decode("utf-8", "replace")


def samples_per_frame(sensor: SensorInfo, max_body: int = MAX_BODY) -> int:
    """How many whole samples of ``sensor`` fit in one SAMPLES body."""
    return max(1, max_body // sensor.frame_bytes)
