"""``tinystudio ports``: serial ports and the boards their USB ids suggest."""

from __future__ import annotations

import argparse
import json

NAME = "ports"
HELP = "List serial ports and recognize boards by USB id."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument(
        "--boards", action="store_true", help="list the known board profiles instead of ports"
    )


def _fmt_kib(n: int) -> str:
    return f"{n // 1024} KiB" if n < 1 << 20 else f"{n / (1 << 20):g} MiB"


def run(args: argparse.Namespace) -> int:
    from tinystudio.devices.registry import list_ports, load_profiles

    if args.boards:
        profiles = load_profiles()
        if args.json:
            print(json.dumps([p.to_dict() for p in profiles], indent=2))
            return 0
        for p in profiles:
            ids = " ".join(f"{v}:{d}" for v, d in p.usb_ids) or "-"
            print(
                f"{p.id:20s} {p.name:34s} flash {_fmt_kib(p.flash_bytes):>8s}  RAM {_fmt_kib(p.ram_bytes):>8s}"
                f"  slot {_fmt_kib(p.model_slot_bytes):>8s}  usb {ids}"
            )
        return 0
    ports = list_ports()
    if args.json:
        print(json.dumps([p.to_dict() for p in ports], indent=2))
        return 0
    if not ports:
        print("no serial ports found; plug in a board, or run `tinystudio sim` for a virtual one")
        return 0
    for p in ports:
        usb = f"{p.vid:04x}:{p.pid:04x}" if p.vid is not None and p.pid is not None else "-"
        if p.board is None:
            board = ""
        elif p.ambiguous:
            board = f"maybe {p.board.name} (USB id shared: {', '.join(p.candidates)}; HELLO decides)"
        else:
            board = p.board.name
        print(f"{p.device:20s} {usb:10s} {p.description[:40]:40s} {board}")
    return 0
