"""Every board sketch and the TFLM glue compile against the core's real headers.

The Arduino, sensor and TFLM APIs are declaration-only stand-ins (tests/firmware/
arduino_stubs, see its README): CI cannot install board packages. This catches a sketch
that calls the core wrongly (a renamed function, a wrong ts_hal layout) and plain C++
mistakes; building for the real boards is described in each folder's README.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FW = Path(__file__).resolve().parents[2] / "firmware_recorders"
STUBS = Path(__file__).resolve().parent / "arduino_stubs"
BOARDS = {
    "nano33ble_sense": [],
    "esp32_devkitc": ["-DARDUINO_ARCH_ESP32"],
    "wio_terminal": [],
    "esp32_camera": ["-DARDUINO_ARCH_ESP32"],
}


def _cxx(source: Path, *flags: str) -> None:
    cxx = shutil.which("g++") or shutil.which("clang++")
    assert cxx, "a C++ compiler (g++) is needed; run scripts/install.sh"
    cmd = [cxx, "-std=gnu++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
           "-x", "c++", f"-I{STUBS}", f"-I{FW / 'common' / 'src'}", f"-I{FW / 'tflm_glue' / 'src'}",
           *flags, str(source)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{source.name} does not compile:\n{proc.stderr}"


def test_every_board_folder_has_sketch_readme_and_platformio() -> None:
    folders = {p.name for p in FW.iterdir() if p.is_dir() and (p / f"{p.name}.ino").exists()}
    assert folders == set(BOARDS)
    for name in BOARDS:
        readme = (FW / name / "README.md").read_text(encoding="utf-8")
        for must in ("arduino-cli compile", "arduino-cli upload", "pio run", "HELLO", "| id |", "Hz"):
            assert must in readme, f"{name}/README.md lacks {must!r}"
        assert (FW / name / "platformio.ini").exists()


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_sketch_compiles_against_core_headers(board: str) -> None:
    _cxx(FW / board / f"{board}.ino", *BOARDS[board])


@pytest.mark.parametrize("flags", [[], ["-DARDUINO_ARCH_ESP32"]])
def test_tflm_glue_compiles_against_core_headers(flags: list[str]) -> None:
    _cxx(FW / "tflm_glue" / "src" / "ts_tflm.cpp", *flags)
