"""`tinystudio stream`: connect to a board, stream for a while, report what arrived."""

from __future__ import annotations

import json
import sys
import time

from tinystudio.commands import _numbers as numbers

NAME = "stream"
HELP = "Stream from a board (or a text-printing board) and report rates, samples and losses."


def add_arguments(parser) -> None:
    parser.add_argument(
        "--port",
        required=True,
        help="serial port, e.g. /dev/ttyACM0 or the PORT printed by `tinystudio sim`",
    )
    parser.add_argument("--baud", type=numbers.positive_int, default=None, help="baud rate (default 115200)")
    parser.add_argument("--seconds", type=numbers.positive, default=5.0, help="how long to stream")
    parser.add_argument("--mode", choices=["auto", "binary", "text"], default="auto")
    parser.add_argument(
        "--rate", type=numbers.positive, default=None, help="text mode: override the detected sample rate"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")


def summary(session) -> dict:
    sensors = []
    for _sid, st in session.streams.items():
        s = st.stats()
        rate = s.rate_hz
        if session.mode == "text" and session.text_parser is not None:
            rate = session.text_parser.rate_hz
        sensors.append(
            {
                "name": st.info.name,
                "kind": st.info.kind.name.lower(),
                "channels": st.info.n_channels,
                "channel_names": st.info.channel_names,
                "rate_hz": round(rate, 3) if rate else None,
                "declared_rate_hz": s.declared_rate_hz,
                "samples": s.samples,
                "lost_frames": s.lost_frames,
                "crc_errors": s.crc_errors,
            }
        )
    return {
        "board": session.info.board_name,
        "mode": session.mode,
        "sensors": sensors,
        "segments": session.segments,
    }


def _status_line(session) -> str:
    parts = []
    for st in session.streams.values():
        s = st.stats()
        rate = f"{s.rate_hz:.1f} Hz" if s.rate_hz else "-- Hz"
        parts.append(f"{st.info.name}: {s.samples} samples {rate} lost {s.lost_frames}")
    return f"{session.info.board_name} [{session.mode}] " + " | ".join(parts)


def run(args) -> int:
    from tinystudio.devices.session import BoardSession, ConnectionState
    from tinystudio.errors import DeviceError

    session = BoardSession.open(args.port, args.baud, mode=args.mode, reconnect=False)
    try:
        if args.rate and session.text_parser is not None:
            session.text_parser.rate_override = args.rate
        session.start()
        deadline = time.monotonic() + args.seconds
        next_status = 0.0
        while time.monotonic() < deadline:
            if session.state != ConnectionState.CONNECTED:
                raise DeviceError(f"{session.state_message}; stopped after streaming")
            if not args.json and time.monotonic() >= next_status and sys.stderr.isatty():
                print("\r" + _status_line(session)[:160], end="", file=sys.stderr, flush=True)
                next_status = time.monotonic() + 0.5
            time.sleep(0.02)
        session.stop()
        result = summary(session)
    finally:
        session.close()
    if args.json:
        print(json.dumps(result))
    else:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        for s in result["sensors"]:
            print(
                f"{s['name']} ({s['kind']}, {s['channels']} ch {','.join(s['channel_names'])}): "
                f"{s['samples']} samples, {s['rate_hz']} Hz measured"
                + (f" / {s['declared_rate_hz']} Hz declared" if s["declared_rate_hz"] else "")
                + f", {s['lost_frames']} lost frames, {s['crc_errors']} CRC errors"
            )
    return 0
