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
ARDUINO = ["-DARDUINO=10819"]
BOARDS = {
    "nano33ble_sense": [*ARDUINO, "-DARDUINO_EXCLUDE_CODE"],
    "esp32_devkitc": [*ARDUINO, "-DARDUINO_ARCH_ESP32"],
    "wio_terminal": [*ARDUINO, "-DARDUINO_EXCLUDE_CODE"],
    "esp32_camera": [*ARDUINO, "-DARDUINO_ARCH_ESP32"],
}
#: The TFLM libraries the glue is built with (ts_tflm_ops.h) and their build flags.
GLUE_BUILDS = {
    "upstream": [],  # a tflite-micro checkout, cortex_m_generic (the emulated board)
    "upstream-own-debuglog": ["-DTS_TFLM_DEBUGLOG_DEFINE"],
    "chirale": [*ARDUINO, "-DARDUINO_EXCLUDE_CODE"],
    "esp32": [*ARDUINO, "-DARDUINO_ARCH_ESP32"],
}


def _cxx(source: Path, *flags: str, obj: Path | None = None) -> None:
    cxx = shutil.which("g++") or shutil.which("clang++")
    assert cxx, "a C++ compiler (g++) is needed; run scripts/install.sh"
    mode = ["-c", "-o", str(obj)] if obj else ["-fsyntax-only"]
    cmd = [cxx, "-std=gnu++17", *mode, "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
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


@pytest.mark.parametrize("library", sorted(GLUE_BUILDS))
def test_tflm_glue_compiles_and_needs_no_static_constructor(library: str, tmp_path: Path) -> None:
    """Each library's API (stubs: no ErrorReporter upstream, ESP32 1.0.0's without SUM) and
    a port without constructor support: no .init_array, no __dso_handle, no atexit."""
    obj = tmp_path / "ts_tflm.o"
    _cxx(FW / "tflm_glue" / "src" / "ts_tflm.cpp", *GLUE_BUILDS[library], obj=obj)
    heads = subprocess.run(["objdump", "-h", str(obj)], capture_output=True, text=True, check=True).stdout
    assert ".init_array" not in heads and ".ctors" not in heads, f"{library}: the glue has a static constructor"
    syms = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
    for needs in ("__dso_handle", "atexit", "__cxa_guard"):
        assert needs not in syms, f"{library}: the glue needs {needs}"
    log_route = {"upstream": " U RegisterDebugLogCallback", "upstream-own-debuglog": " T DebugLog",
                 "chirale": " T DebugLog", "esp32": " U funopen"}[library]  # fmt: skip
    assert log_route in syms, f"{library}: TFLM's log text is not routed to the LOG sink ({log_route.strip()})"


def test_chirale_build_without_exclude_flag_is_refused() -> None:
    """Chirale's own DebugLog is Serial.print onto the link: the glue insists it is excluded."""
    cxx = shutil.which("g++")
    assert cxx
    proc = subprocess.run(
        [cxx, "-std=gnu++17", "-fsyntax-only", "-x", "c++", f"-I{STUBS}", f"-I{FW / 'common' / 'src'}",
         f"-I{FW / 'tflm_glue' / 'src'}", *ARDUINO, str(FW / "tflm_glue" / "src" / "ts_tflm.cpp")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0 and "ARDUINO_EXCLUDE_CODE" in proc.stderr


def test_glue_includes_arduino_headers_only_under_arduino() -> None:
    """Preprocess the glue for a non-Arduino port with an empty include path for Arduino:
    any Arduino header it pulls in (even through another header) is reported."""
    cxx = shutil.which("g++")
    assert cxx
    arduino_only = {"Arduino.h", "Chirale_TensorFlowLite.h", "TensorFlowLite_ESP32.h", "Wire.h", "HardwareSerial.h"}
    for src in sorted((FW / "tflm_glue" / "src").glob("*.c*")):
        lang = "c++" if src.suffix == ".cpp" else "c"
        proc = subprocess.run(
            [cxx, "-x", lang, "-M", "-MG", f"-I{STUBS}", f"-I{FW / 'common' / 'src'}",
             f"-I{FW / 'tflm_glue' / 'src'}", str(src)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        deps = {Path(d).name for d in proc.stdout.replace("\\\n", " ").split()[1:]}
        assert not deps & arduino_only, f"{src.name} includes {sorted(deps & arduino_only)} outside ARDUINO"
