"""The host port (firmware_recorders/host_linux) and a glue that names no port.

Why: docs/porting.md promises that a new port links firmware_recorders/tflm_glue without
changing it. Two checks run in CI without TFLM: (1) no conditional in tflm_glue/src tests
a port, OS or architecture macro -- only the library choice (ARDUINO, ARDUINO_ARCH_ESP32,
ARDUINO_EXCLUDE_CODE), the glue's own TS_* switches and __cplusplus -- and no code line
names a port; (2) the host port builds from the glue's own files (its Makefile compiles
them from ../tflm_glue/src; the folder holds no copy) and answers GET_INFO on its pty.
The same port with a real TFLM: tests/firmware/test_host_tflm.py (opt-in).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLUE = ROOT / "firmware_recorders" / "tflm_glue" / "src"
HOST = ROOT / "firmware_recorders" / "host_linux"
ALLOWED = {"ARDUINO", "ARDUINO_ARCH_ESP32", "ARDUINO_EXCLUDE_CODE", "__cplusplus"}
PORT_NAMES = re.compile(r"qemu|mps2|an386|cmsdk|host_linux|__linux__|__APPLE__|_WIN32|__arm__|__ARM_|"
                        r"__x86_64__|__xtensa__|nrf52|samd|nano33|wio_terminal|esp32_devkitc", re.I)  # fmt: skip


def _code(path: Path) -> str:
    """The file without its comments (comments may point at a port as an example)."""
    text = path.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def test_the_glue_tests_no_port_os_or_architecture_macro() -> None:
    files = sorted(GLUE.glob("*.[ch]*"))
    assert any(f.name == "ts_tflm.cpp" for f in files)
    bad = []
    for f in files:
        code = _code(f)
        for line in code.splitlines():
            if PORT_NAMES.search(line):
                bad.append(f"{f.name}: {line.strip()}")
            m = re.match(r"\s*#\s*(if|ifdef|ifndef|elif)\b(.*)", line)
            if not m:
                continue
            names = set(re.findall(r"[A-Za-z_]\w*", m.group(2))) - {"defined"}
            guard = m.group(1) == "ifndef" and names and next(iter(names)).endswith("_H")
            for name in names:
                if not (name in ALLOWED or name.startswith("TS_") or guard):
                    bad.append(f"{f.name}: #{m.group(1)} tests {name}")
    assert not bad, "the TFLM glue must name no port (docs/porting.md, section 6):\n" + "\n".join(bad)


def test_the_host_port_compiles_the_glue_from_its_own_folder() -> None:
    assert not list(HOST.glob("ts_*")), "host_linux/ must not hold copies of glue or core files"
    make = (HOST / "Makefile").read_text()
    assert "GLUE := ../tflm_glue/src" in make and "CORE := ../common/src" in make
    for src in ("$(GLUE)/ts_tflm.cpp", "$(GLUE)/ts_tflm_log.c", "$(GLUE)/ts_tflm_check.c"):
        assert src in make, src


def test_the_host_port_answers_get_info_on_its_pty(tmp_path: Path) -> None:
    from tinystudio.boards.host_port import HostBoard, build_host_board
    from tinystudio.devices.session import BoardSession

    for tool in ("make", "cc"):
        assert shutil.which(tool), f"{tool} is missing; run scripts/install.sh"
    binary = build_host_board(tmp_path)
    with HostBoard(binary).start(timeout=10) as board:
        assert board.port.startswith("/dev/pts/")
        session = BoardSession.open(board.port, mode="binary", reconnect=False)
        try:
            info = session.info
            assert info.board_name == "TinyStudio host board (Linux process)"
            assert [s.name for s in info.sensors] == ["imu"] and info.model_slot_bytes == 65536
        finally:
            session.close()
        assert board.running
    assert not board.running
