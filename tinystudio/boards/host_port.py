"""The host port: the recorder firmware as an x86-64 Linux process on a pty.

Why: it is the second port of the TFLM glue (``firmware_recorders/host_linux``, see
docs/porting.md, "The host port"). It links ``firmware_recorders/common`` and
``firmware_recorders/tflm_glue`` unchanged with TFLM built for the host, and offers its
link on a pseudo-terminal, so the studio talks to it exactly as to the emulated board or a
board on a cable. The firmware prints ``TinyStudio host board: serial on /dev/pts/N``;
:class:`HostBoard` is :class:`McuBoard` with that process instead of QEMU.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tinystudio.boards.emulated import McuBoard, check_tflm_dir, default_build_dir
from tinystudio.errors import DeviceError

PORT_DIR = Path(__file__).resolve().parents[2] / "firmware_recorders" / "host_linux"
_PTY_LINE = re.compile(r"TinyStudio host board: serial on (\S+)")


def build_host_board(build_dir: Path | None = None, tflm_dir: Path | str | None = None) -> Path:
    """``make`` the host firmware (incremental); with ``tflm_dir``, linked with TFLM built
    for the host by TFLM's Makefile (its first build takes minutes)."""
    if not (PORT_DIR / "Makefile").exists():
        raise DeviceError(f"firmware source {PORT_DIR} is missing; run from a TinyStudio checkout")
    for tool in ("make", "cc", "g++"):
        if shutil.which(tool) is None:
            raise DeviceError(f"{tool} is missing, needed to build the host board; install the Debian packages build-essential make")
    extra = [f"TFLM_DIR={check_tflm_dir(tflm_dir)}", f"TFLM_PYTHON={sys.executable}"] if tflm_dir else ["TFLM_DIR="]  # fmt: skip  # never make's environment
    build = Path(build_dir) if build_dir else default_build_dir().parent / ("host_linux-tflm" if tflm_dir else "host_linux")
    build.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["make", "-C", str(PORT_DIR), f"BUILD={build.resolve()}", *extra],
                          capture_output=True, text=True, timeout=3600 if tflm_dir else 300)  # fmt: skip
    if proc.returncode != 0:
        raise DeviceError(f"building the host board failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return build.resolve() / "host_board"


class HostBoard(McuBoard):
    """A running host firmware process; ``port`` is its pty. Started and stopped as
    :class:`McuBoard` (``start`` returns once it has answered GET_INFO)."""

    pty_line = _PTY_LINE
    program = "host board"

    def command(self) -> list[str]:
        return [str(self.elf)]
