"""Shared bits of the deploy commands: opening the board, a progress bar on stderr."""

from __future__ import annotations

import sys
import time


def add_port_arguments(parser) -> None:
    parser.add_argument("--port", required=True,
                        help="serial port of the board, e.g. /dev/ttyACM0 or the PORT printed by `tinystudio sim`")
    parser.add_argument("--baud", type=int, default=None,
                        help="baud rate of the link (default 115200); link efficiency is computed against it")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def open_board(args):
    """A binary-protocol session that does not reconnect: an unplug ends the command."""
    from tinystudio.devices.session import BoardSession
    from tinystudio.errors import DeviceError

    session = BoardSession.open(args.port, args.baud, mode="binary", reconnect=False)
    if session.mode != "binary":
        session.close()
        raise DeviceError(f"{args.port} prints text; model upload needs the TinyStudio recorder firmware")
    return session


class ProgressBar:
    """``[#####.....]  52%  9.8/18.8 KB`` redrawn in place on stderr, at most 20 times a second."""

    def __init__(self, what: str, unit: str = "KB", scale: float = 1024.0, enabled: bool = True) -> None:
        self.what, self.unit, self.scale = what, unit, scale
        self.enabled = enabled and sys.stderr is not None
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.05 and done < total):
            return
        self._last = now
        frac = done / total if total else 1.0
        bar = "#" * int(frac * 30)
        print(f"\r{self.what} [{bar:<30}] {frac * 100:5.1f}%  {done / self.scale:.1f}/{total / self.scale:.1f} "
              f"{self.unit}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr, flush=True)
