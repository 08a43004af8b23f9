"""The virtual board's process is the sandbox of the models uploaded to it (issue 24):
its address space and core files are limited, and a load that runs out of memory is
answered MODEL_INVALID with the previous model kept."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tinystudio.boards.virtual.limits import BOARD_ADDRESS_SPACE


def _limits(pid: int) -> dict[str, str]:
    rows = {}
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]:
        name = line[:26].strip()
        rows[name] = line[26:47].strip()
    return rows


def test_the_virtual_board_process_runs_under_limits():
    proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "sim"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().startswith("PORT ")
        limits = _limits(proc.pid)
        assert limits["Max address space"] == str(BOARD_ADDRESS_SPACE)
        assert limits["Max core file size"] == "0"
    finally:
        proc.terminate()
        proc.wait(10)


CHILD = r"""
import zlib
from tinystudio.boards.virtual.limits import limit_board_process
from tinystudio.boards.virtual.model_slot import ModelSlot
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import Status

vm = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) * 1024
limit_board_process(vm + 256 * 1024**2)

def loader(data, desc):
    if data.startswith(b"BIG"):
        bytearray(2 * 1024**3)  # what a runaway TFLM allocation would ask for
    return ("model", data[:4]), 1000

desc = mm.encode_descriptor(mm.BoardDescriptor(0, mm.Frontend.IMAGE, 1, 1, 1, 1.0, 0, 1.0, 0, ("a", "b")))
slot = ModelSlot(slot_bytes=5000, max_body=1024, loader=loader)

def upload(data):
    slot.begin(1, mm.encode_model_begin(mm.ModelBegin(len(data), zlib.crc32(data), 100, desc)))
    for off in range(0, len(data), 100):
        slot.chunk(1, mm.encode_model_chunk(off, data[off:off + 100]))
    return slot.commit()

assert upload(b"GOOD" * 50).status == Status.OK
st = upload(b"BIG!" * 50)
print(st.status.name, "|", slot.last_error, "|", slot.active.tflite[:4])
"""


def test_a_load_that_runs_out_of_the_boards_memory_is_model_invalid():
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    status, error, kept = (part.strip() for part in out.stdout.strip().split("|"))
    assert status == "MODEL_INVALID" and "memory" in error
    assert kept == "b'GOOD'"  # the previous model stays active
    assert time.monotonic() - t0 < 30
