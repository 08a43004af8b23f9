"""The emulated board: the recorder firmware as Cortex-M4 machine code under QEMU.

Why: the virtual board (``tinystudio sim``) is Python speaking the protocol; it cannot
show that the C firmware works on a microcontroller. This starts the real port
(``firmware_recorders/qemu_mps2``, built with ``arm-none-eabi-gcc``) in
``qemu-system-arm -M mps2-an386`` with its UART on a pty, so every command and the
window talk to firmware the same way they talk to a board on a cable. What is emulated
and what is not: docs/emulated-board.md.

With a tflite-micro checkout (``tflm_dir``) the image links the TFLM glue and a real TFLM
built for Cortex-M4 (reference or CMSIS-NN kernels): models run as machine code. With
``icount`` QEMU counts instructions (``-icount shift=0``: 1 ns of virtual time per
instruction), so the latency the board reports is instructions / 1000.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from tinystudio.errors import DeviceError

PORT_DIR = Path(__file__).resolve().parents[2] / "firmware_recorders" / "qemu_mps2"
QEMU = "qemu-system-arm"
MACHINE = "mps2-an386"
_PTY_LINE = re.compile(r"char device redirected to (\S+)")
_PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm make"
_TFLM_PACKAGES = "libstdc++-arm-none-eabi-newlib"
KERNELS = ("reference", "cmsis_nn")


def default_build_dir() -> Path:
    """Per-user cache: the source tree may be read-only (an installed checkout)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinystudio" / "qemu_mps2"


def _need(tool: str, what: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise DeviceError(f"{tool} is missing, needed to {what}; install the Debian packages {_PACKAGES}")
    return path


def _die_with_parent() -> None:
    """In the QEMU child (Linux): SIGTERM it when the process that started it dies, so a
    killed `sim --mcu` or test run leaves no emulator running. The kernel ties this to the
    *thread* that forked: call :meth:`McuBoard.start` from a thread that outlives the
    board (the main thread, as the command and the tests do), not a short-lived worker."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def check_tflm_dir(tflm_dir: Path | str) -> Path:
    """A tflite-micro checkout, or a DeviceError saying how to get one."""
    path = Path(tflm_dir).expanduser()
    if not (path / "tensorflow" / "lite" / "micro" / "tools" / "make" / "Makefile").exists():
        raise DeviceError(f"{path} is not a tflite-micro checkout (no tensorflow/lite/micro/tools/make/Makefile); "
                          "see docs/emulated-board.md, section \"Real inference\"")
    return path.resolve()


def build_image(build_dir: Path | None = None, imu_rate: int = 119, mic_rate: int = 16000,
                tflm_dir: Path | str | None = None, kernels: str = "reference") -> Path:
    """``make`` the firmware image (incremental: a no-op when it is up to date); with
    ``tflm_dir``, the image with TFLM (its first build compiles TFLM: minutes)."""
    if not (PORT_DIR / "Makefile").exists():
        raise DeviceError(f"firmware source {PORT_DIR} is missing; run from a TinyStudio checkout")
    for name, rate in (("IMU", imu_rate), ("microphone", mic_rate)):
        if not 1 <= int(rate) <= 2_000_000 or int(rate) != rate:
            raise DeviceError(f"{name} rate {rate} must be a whole number of Hz, 1..2000000")
    _need("make", "build the emulated board")
    _need("arm-none-eabi-gcc", "build the emulated board")
    extra: list[str] = ["TFLM_DIR="]  # not make's environment: TFLM only when asked for
    timeout = 300
    if tflm_dir is not None:
        if kernels not in KERNELS:
            raise DeviceError(f"kernels {kernels!r}: choose {' or '.join(KERNELS)}")
        _need("arm-none-eabi-g++", "build the emulated board with TFLM")
        if not _has_libstdcxx():
            raise DeviceError(f"arm-none-eabi-g++ has no C++ library (<new>); install the Debian package {_TFLM_PACKAGES}")
        extra = [f"TFLM_DIR={check_tflm_dir(tflm_dir)}", f"KERNELS={kernels}", f"TFLM_PYTHON={sys.executable}"]
        timeout = 3600  # TFLM's first build on a small machine
    build = Path(build_dir) if build_dir else default_build_dir() / ("tflm-" + kernels if tflm_dir else "")
    build.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["make", "-C", str(PORT_DIR), f"BUILD={build.resolve()}",
         f"IMU_RATE_HZ={int(imu_rate)}", f"MIC_RATE_HZ={int(mic_rate)}",
         f"PYTHON={sys.executable}", *extra],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if proc.returncode != 0:
        raise DeviceError(f"building the emulated board failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return build.resolve() / "qemu_mps2.elf"


def _has_libstdcxx() -> bool:
    proc = subprocess.run(["arm-none-eabi-g++", "-x", "c++", "-E", "-"], input="#include <new>\n",
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    return proc.returncode == 0


class McuBoard:
    """A running ``qemu-system-arm`` with the firmware; ``port`` is its UART's pty.

    ``start`` returns once the firmware has answered GET_INFO on the pty, so a caller
    that prints ``PORT`` hands out a board that is up. ``stop`` ends QEMU (SIGTERM, then
    SIGKILL after a grace period) and is safe to call twice.
    """

    def __init__(self, elf: Path, icount: bool = False) -> None:
        self.elf = Path(elf)
        #: QEMU counts instructions: 1 ns of virtual time each, so latency_us = instructions / 1000.
        self.icount = icount
        self.port = ""
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []
        self._pty_seen = threading.Event()

    #: The line the process prints with its serial port's path (group 1), and its name.
    pty_line = _PTY_LINE
    program = QEMU

    def command(self) -> list[str]:
        """What runs the firmware (a port running as a host process overrides this)."""
        qemu = _need(QEMU, "run the emulated board")
        return [qemu, "-M", MACHINE, "-nographic", "-monitor", "none", "-serial", "pty",
                *(["-icount", "shift=0"] if self.icount else []), "-kernel", str(self.elf)]  # fmt: skip

    def start(self, timeout: float = 15.0) -> McuBoard:
        command = self.command()
        if not self.elf.exists():
            raise DeviceError(f"firmware image {self.elf} does not exist; build it first")
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        threading.Thread(target=self._pump, name="qemu-output", daemon=True).start()
        try:
            if not self._pty_seen.wait(timeout):
                raise DeviceError(f"{self.program} printed no pty within {timeout:.0f} s: {' '.join(self.output)[-500:]}")
            self._probe(max(2.0, timeout - 1.0))
        except BaseException:
            self.stop()
            raise
        return self

    def _pump(self) -> None:
        """Reads QEMU's output (the pty name, errors) so its pipe never fills."""
        assert self.proc is not None and self.proc.stdout is not None
        with contextlib.suppress(OSError, ValueError):  # stop() closed the pipe
            for line in self.proc.stdout:
                self.output.append(line.rstrip())
                del self.output[:-50]
                m = self.pty_line.search(line)
                if m and not self.port:
                    self.port = m.group(1)
                    self._pty_seen.set()
        self._pty_seen.set()  # QEMU ended: wake start()

    def _probe(self, timeout: float) -> None:
        """GET_INFO until HELLO: QEMU (and the host port) forward bytes only once the pty is opened."""
        from tinystudio.devices.handshake import handshake
        from tinystudio.devices.transport import SerialTransport

        if not self.port:
            raise DeviceError(f"{self.program} exited: {' '.join(self.output)[-500:]}")
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise DeviceError(f"{self.program} exited with {self.proc.returncode}: {' '.join(self.output)[-500:]}")
            transport = SerialTransport(self.port)
            try:
                handshake(transport, mode="binary", timeout=min(3.0, max(0.5, deadline - time.monotonic())))
                return
            except DeviceError as exc:
                last = exc
            finally:
                transport.close()
        raise DeviceError(f"the emulated board on {self.port} did not answer GET_INFO ({last})")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 3.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(grace)
        if self.proc.stdout is not None:
            with contextlib.suppress(OSError):
                self.proc.stdout.close()
        return self.proc.returncode

    def __enter__(self) -> McuBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_mcu_board(build_dir: Path | None = None, imu_rate: int = 119, mic_rate: int = 16000,
                    timeout: float = 15.0, tflm_dir: Path | str | None = None, kernels: str = "reference",
                    icount: bool = False) -> McuBoard:
    """Build if needed and start the emulated board; the caller stops it."""
    elf = build_image(build_dir, imu_rate, mic_rate, tflm_dir, kernels)
    return McuBoard(elf, icount=icount).start(timeout if tflm_dir is None else max(timeout, 30.0))
