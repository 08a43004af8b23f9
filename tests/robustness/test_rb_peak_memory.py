"""Crafted input costs neither time nor memory (issue 24): exit code, wall time and peak RSS.

Each case runs the real CLI in a child process and reads the child's own peak resident
set from ``os.wait4`` (Linux reports ``ru_maxrss`` in KiB). The bound is relative to the
same command on honest input measured in this run (a small real project), so the test
says "a hostile file costs no more than a normal one, plus a margin", not a number tuned
to this machine. Each crafted file claims something huge: 10^10 rows in a 40 KB HDF5
file, a million CSV columns, a 65535 x 65535 PNG in 60 bytes, a model with 5,000 extra
tensors, a 64 MB CSV with no line break.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass

import h5py
import numpy as np
import pytest

from tests.robustness.edge_helpers import EXAMPLES, gesture_project
from tests.robustness.hostile_models import MICRO_SPEECH, mutated

#: What a crafted input may cost above the same command on honest input.
MARGIN_MB = 150
#: Wall time for a refusal, with room for a loaded 2-core machine (the honest run's time
#: is added: imports dominate).
MARGIN_S = 20


@dataclass
class Run:
    code: int
    stderr: str
    seconds: float
    peak_mb: float


def _measured(argv: list[str], timeout: float = 120) -> Run:
    """Run ``python -m tinystudio argv`` and reap it with wait4 to get its own rusage
    (stderr goes to a file, so no pipe can fill while the child runs)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "tinystudio", *argv],
                                stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                pytest.fail(f"tinystudio {' '.join(argv)}: no answer in {timeout} s")
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        err.seek(0)
        text = err.read().decode(errors="replace")
    return Run(proc.returncode, text, time.monotonic() - t0, usage.ru_maxrss / 1024)


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """The same commands on a real small project: the baseline of this run."""
    root = tmp_path_factory.mktemp("honest")
    project = gesture_project(root / "proj").path
    npy = root / "x.npy"
    np.save(npy, np.zeros((1, 49, 40), np.int8))
    runs = {"info": _measured(["info", str(project), "--verify"]),
            "import": _measured(["import", str(root / "p2"), str(EXAMPLES / "gestures_punch_flex" / "punch.csv"),
                                 "--label", "x"]),
            "classify": _measured(["classify", "--model", str(MICRO_SPEECH), str(npy)])}
    for name, run in runs.items():
        assert run.code == 0, (name, run.stderr)
    return runs


def _assert_cheap(run: Run, base: Run, what: str) -> None:
    assert run.code not in (0, 70), (what, run.code, run.stderr)
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, (what, run.stderr)
    assert run.peak_mb < base.peak_mb + MARGIN_MB, (what, f"{run.peak_mb:.0f} MB vs {base.peak_mb:.0f} MB honest")
    assert run.seconds < base.seconds + MARGIN_S, (what, f"{run.seconds:.1f} s vs {base.seconds:.1f} s honest")


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_a_recording_claiming_ten_billion_rows(tmp_path, honest):
    project = gesture_project(tmp_path / "proj")
    path = sorted((project.path / "recordings").glob("*.h5"))[0]
    with h5py.File(path, "r+") as f:
        cols, dt = f["samples"].shape[1], f["samples"].dtype
        del f["samples"]
        f.create_dataset("samples", shape=(10**10, cols), maxshape=(None, cols), dtype=dt, chunks=(1024, cols))
    run = _measured(["info", str(project.path), "--verify"])
    assert run.code != 70 and "Traceback" not in run.stderr, run.stderr
    assert run.peak_mb < honest["info"].peak_mb + MARGIN_MB, f"{run.peak_mb:.0f} MB"
    assert run.seconds < honest["info"].seconds + MARGIN_S


def test_a_csv_with_a_million_columns(tmp_path, honest):
    csv = tmp_path / "wide.csv"
    csv.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + ",".join(["1"] * 1_000_000) + "\n")
    _assert_cheap(_measured(["import", str(tmp_path / "p"), str(csv), "--label", "x"]), honest["import"], "wide csv")
    assert not (tmp_path / "p" / "recordings").exists() or not any((tmp_path / "p" / "recordings").iterdir())


def test_a_csv_that_is_one_endless_line(tmp_path, honest):
    csv = tmp_path / "line.csv"
    with open(csv, "wb") as fh:  # 64 MB of "1," and no line break
        for _ in range(64):
            fh.write(b"1," * (512 * 1024))
    run = _measured(["import", str(tmp_path / "p"), str(csv), "--label", "x", "--rate", "50"])
    _assert_cheap(run, honest["import"], "endless line")
    assert "first line is longer than 1 MB" in run.stderr


def test_a_sixty_byte_png_claiming_four_gigapixels(tmp_path, honest):
    folder = tmp_path / "imgs" / "bomb"
    folder.mkdir(parents=True)
    (folder / "b.png").write_bytes(_png_header(65535, 65535))
    _assert_cheap(_measured(["import", str(tmp_path / "p"), str(tmp_path / "imgs")]), honest["import"], "png bomb")


def test_a_model_with_thousands_of_extra_tensors(tmp_path, honest):
    model = tmp_path / "many.tflite"
    model.write_bytes(mutated("5,000 tensors"))
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros((1, 49, 40), np.int8))
    _assert_cheap(_measured(["classify", "--model", str(model), str(npy)]), honest["classify"], "many tensors")
