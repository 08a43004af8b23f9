"""The emulated board's startup code runs C++ constructors, as a port's C++ code may need.

Why: the recorder image once locked up at boot because a global with a constructor was
never constructed (the linker script dropped .init_array, startup.c ran no constructors,
and -nostartfiles left __dso_handle undefined). The TFLM glue no longer needs any, but a
port that links C++ may: this builds `make ctor-test` (startup.c + a C++ file with ordered
constructors, an init_priority one and a global with a destructor) and runs it in QEMU,
which prints its verdict on UART0 and exits through semihosting.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PORT = Path(__file__).resolve().parents[2] / "firmware_recorders" / "qemu_mps2"


def test_qemu_port_runs_cxx_constructors_in_order(tmp_path: Path) -> None:
    for tool in ("make", "arm-none-eabi-g++", "qemu-system-arm"):
        assert shutil.which(tool), f"{tool} is missing; run scripts/install.sh"
    build = subprocess.run(["make", "-C", str(PORT), f"BUILD={tmp_path}", "ctor-test"],
                           capture_output=True, text=True, timeout=180)  # fmt: skip
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    run = subprocess.run(
        ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "stdio",
         "-semihosting-config", "enable=on,target=native", "-kernel", str(tmp_path / "ctor_test.elf")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "ctors: ok" in run.stdout, f"constructors did not run as expected: {run.stdout!r} {run.stderr!r}"
    assert run.returncode == 0
