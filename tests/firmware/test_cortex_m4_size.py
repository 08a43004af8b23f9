"""Cross-compile the core for Cortex-M4 (warnings are errors) and keep it within 6 KB.

The size table is printed to the terminal even without -s, so CI logs show it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from c_core import make

FLASH_BUDGET = 6 * 1024


def test_core_fits_cortex_m4_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert shutil.which("arm-none-eabi-gcc"), (
        "arm-none-eabi-gcc is missing: run scripts/install.sh (gcc-arm-none-eabi, libnewlib-arm-none-eabi)"
    )
    out = make(tmp_path, "arm-size").stdout
    table = [line for line in out.splitlines() if line.strip() and (line.lstrip()[0].isdigit() or "text" in line)]
    totals = next(line for line in table if "(TOTALS)" in line)
    text, data, bss = (int(x) for x in totals.split()[:3])
    with capsys.disabled():
        print("\nTinyStudio recorder core, arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os (hard float):")
        for line in table:
            print("  " + line.replace(str(tmp_path) + "/arm/", ""))
        print(f"  flash (text + data) = {text + data} bytes of the {FLASH_BUDGET}-byte budget; bss = {bss}")
    assert len(table) >= 6  # header, one line per source file, totals
    assert 1000 < text + data <= FLASH_BUDGET
    assert bss == 0  # the core keeps no hidden static state; boards own all buffers
