"""Flash and RAM of the emulated board's image, printed in every CI log beside the core's budget.

The image is the whole recorder as a board runs it (core + the glue's model check + the
port), linked with --gc-sections; the link map tells what each part costs. The core's
share must stay within the same 6 KB budget as tests/firmware/test_cortex_m4_size.py.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

CORE_FLASH_BUDGET = 6 * 1024
RAM_BYTES = 256 * 1024  # mps2_an386.ld
CORE = {"ts_device.o", "ts_messages.o", "ts_model_slot.o", "ts_window.o", "ts_wire.o"}
# An input section in the map: name (maybe on its own line), address, size, object file.
_SECTION = re.compile(r"^ (\.(?:text|rodata|data|bss)\S*)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+\.o\)?)$", re.M)


def _parts(map_text: str) -> dict[str, dict[str, int]]:
    linked = map_text.split("Linker script and memory map", 1)[1]  # skip the discarded sections
    parts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for name, size, obj in _SECTION.findall(linked):
        base = Path(obj).name
        group = ("libc" if ".a(" in obj else "core" if base in CORE else
                 "glue check" if base == "ts_tflm_check.o" else "port")
        kind = "bss" if name.startswith(".bss") else "data" if name.startswith(".data") else "flash"
        parts[group][kind] += int(size, 16)
    return parts


def test_emulated_image_size(mcu_image: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = subprocess.run(["arm-none-eabi-size", str(mcu_image)], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    parts = _parts((mcu_image.parent / "qemu_mps2.map").read_text())
    core_flash = parts["core"]["flash"] + parts["core"]["data"]
    with capsys.disabled():
        print("\nEmulated board image (firmware_recorders/qemu_mps2, QEMU mps2-an386, Cortex-M4, -Os):")
        for line in out.splitlines():
            print("  " + line.replace(str(mcu_image.parent) + "/", ""))
        print(f"  flash (text + data) = {text + data} bytes; RAM (data + bss) = {data + bss} of {RAM_BYTES} "
              f"bytes (2 x 64 KB model slot, 8 KB UART ring, ts_device)")
        for group in ("core", "glue check", "port", "libc"):
            g = parts[group]
            print(f"  {group:>10}: flash {g['flash'] + g['data']:6d}  RAM {g['data'] + g['bss']:6d}")
        print(f"  the core linked in this image: {core_flash} bytes of flash, budget {CORE_FLASH_BUDGET}")
    assert set(parts) >= {"core", "glue check", "port"}
    assert 1000 < core_flash <= CORE_FLASH_BUDGET
    assert parts["glue check"]["flash"] > 500  # the model check is in the image, not gc'ed away
    assert data + bss <= RAM_BYTES - 8 * 1024  # the linker script keeps 8 KB of stack
    assert text + data < 64 * 1024
