"""Build and drive the C recorder core from pytest.

Why: the firmware core is tested where it is written -- as C, compiled with the system
compiler under AddressSanitizer and UBSan -- but driven from Python so the same tests can
hand it bytes made by the Python protocol implementation. ``make`` builds into a pytest
temp dir; the driver (firmware_recorders/common/test/driver.c) answers one line per
command on stdin.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "firmware_recorders" / "common"


def make(build: Path, *targets: str, timeout: float = 180) -> subprocess.CompletedProcess:
    if shutil.which("make") is None or shutil.which(os.environ.get("CC", "cc")) is None:
        raise AssertionError("the firmware tests need make and a C compiler; run scripts/install.sh")
    proc = subprocess.run(
        ["make", "-C", str(CORE), f"BUILD={build}", *targets],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if proc.returncode != 0:
        raise AssertionError(f"make {' '.join(targets)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def bits(x: float) -> str:
    """A float32 as the hex bit pattern the driver reads."""
    return f"0x{struct.unpack('<I', struct.pack('<f', x))[0]:08x}"


def hx(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data.hex() or "-"


def unhex(text: str) -> bytes:
    return b"" if text == "-" else bytes.fromhex(text)


class Driver:
    """A running driver process; ``cmd`` sends one command and returns its answer line."""

    def __init__(self, exe: Path) -> None:
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")  # fmt: skip
        self.proc = subprocess.Popen(
            [str(exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1, env=env,
        )  # fmt: skip

    def cmd(self, *tokens: object) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(" ".join(str(t) for t in tokens) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"C driver died on {tokens[0]!r}:\n{err}")
        return line.strip()

    def close(self) -> str:
        """Ends the driver; returns stderr (sanitizer reports) and checks the exit code."""
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        err = self.proc.stderr.read() if self.proc.stderr else ""
        assert self.proc.returncode == 0, f"C driver exited with {self.proc.returncode}:\n{err}"
        return err
