"""Identify what is on the other end of a port: a TinyStudio board or a text printer.

The host sends GET_INFO and listens. A HELLO frame means a binary TinyStudio board;
printable lines mean a board printing CSV (Serial Plotter, IMU_Capture, Edge Impulse
forwarder style). Silence or noise ends in a message that says which, and what to check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tinystudio.devices import protocol as p
from tinystudio.errors import DeviceError

_RESEND_S = 0.5
_TEXT_MIN_LINES = 3


@dataclass
class Handshake:
    mode: str  # "binary" | "text"
    info: p.DeviceInfo
    decoder: p.FrameDecoder
    text_parser: object | None = None
    leftover_frames: list[p.Frame] = field(default_factory=list)
    leftover_text: bytes = b""


def _units(parser, n: int) -> list[str]:
    units = list(getattr(parser, "channel_units", []) or [])
    return units if len(units) == n else [""] * n


def text_device_info(port: str, parser) -> p.DeviceInfo:
    """A DeviceInfo for a text board: one sensor, channels named by its header if any."""
    names = list(parser.channel_names) or [f"ch{i}" for i in range(parser.n_channels or 0)]
    kind = p.SensorKind.IMU if len(names) in (3, 6, 9) else p.SensorKind.GENERIC
    sensor = p.SensorInfo(
        sensor_id=0,
        kind=kind,
        name="text",
        sample_type=p.SampleType.F32,
        rate_hz=float(parser.rate_hz or 0.0),
        channels=tuple(p.ChannelInfo(n, u) for n, u in zip(names, _units(parser, len(names)), strict=True)),
    )
    return p.DeviceInfo(board_name=f"Text stream on {port}", firmware_version="", sensors=(sensor,))


def handshake(transport, mode: str = "auto", timeout: float = 3.0) -> Handshake:
    from tinystudio.devices.text_stream import TextStreamParser, looks_like_text

    decoder = p.FrameDecoder()
    raw = bytearray()
    frames: list[p.Frame] = []
    t0 = time.monotonic()
    last_ask = -1.0
    while True:
        now = time.monotonic()
        if now - t0 > timeout:
            break
        if mode != "text" and now - last_ask >= _RESEND_S:
            transport.write(p.encode_frame(p.MsgType.GET_INFO, p.NO_STREAM, 0))
            last_ask = now
        data = transport.read()
        if not data:
            continue
        if len(raw) < 1 << 16:
            raw += data
        if mode != "text":
            for f in decoder.feed(data):
                if f.type == p.MsgType.HELLO:
                    try:
                        info = p.decode_hello(f.body)
                    except p.ProtocolError as exc:
                        raise DeviceError(
                            f"board on {transport.port} sent a malformed HELLO: {exc}"
                        ) from exc
                    return Handshake("binary", info, decoder, leftover_frames=frames)
                frames.append(f)
        if mode != "binary" and raw.count(b"\n") >= _TEXT_MIN_LINES and looks_like_text(bytes(raw)):
            parser = TextStreamParser()
            parser.feed(bytes(raw), now)
            if parser.n_channels:
                info = text_device_info(transport.port, parser)
                # Replay what we already saw so the first samples are not lost.
                fresh = TextStreamParser()
                return Handshake("text", info, decoder, text_parser=fresh, leftover_text=bytes(raw))
    if not raw:
        raise DeviceError(
            f"no data from {transport.port} in {timeout:.0f} s: the board sends nothing. Check that it "
            f"runs a TinyStudio recorder sketch or prints CSV lines, and that its baud rate is "
            f"{transport.baud} (--baud)"
        )
    if mode != "binary" and raw.count(b"\n") >= _TEXT_MIN_LINES and looks_like_text(bytes(raw)):
        from tinystudio.devices.text_stream import MAX_COLUMNS, MAX_LINE

        raise DeviceError(
            f"{transport.port} prints text lines, but no {_TEXT_MIN_LINES} lines agree on a number of "
            f"values from 1 to {MAX_COLUMNS} (lines of at most {MAX_LINE} bytes): check the sketch's "
            "output in a serial monitor"
        )
    raise DeviceError(
        f"{transport.port} sent {len(raw)} bytes in {timeout:.0f} s that are neither TinyStudio "
        f"frames nor text lines ({decoder.crc_errors + decoder.framing_errors} damaged frames): "
        f"check the baud rate ({transport.baud}, --baud) and the sketch on the board"
    )
