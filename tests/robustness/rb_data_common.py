"""Shared pieces of the dataset robustness tests: a small real project, the real CLI in a
subprocess, hostile copies of a real recording, and a small real filesystem (tmpfs)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples" / "gestures_punch_flex"


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return e


def cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinystudio", *map(str, args)], capture_output=True,
                          text=True, env=env(), timeout=timeout)


def cli_json(*args) -> dict:
    proc = cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_one_clear_line(proc: subprocess.CompletedProcess, *needles: str, code: int | None = None) -> None:
    """A user error: non-zero exit (``code`` if given), no traceback, the needles named."""
    assert proc.returncode != 0 and proc.returncode > 0, (proc.returncode, proc.stderr)
    if code is not None:
        assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n in proc.stderr, (n, proc.stderr)


_TEMPLATE: dict[str, Path] = {}


def make_project(dest: Path) -> Path:
    """A project with two real recordings (punch, flex: 10 labeled gestures each), built
    once per test session by the real importer and copied for each case."""
    if "p" not in _TEMPLATE:
        from tinystudio.dataset.importers import import_paths

        root = Path(tempfile.mkdtemp(prefix="rb-data-template-"))
        import_paths(root / "p", [EXAMPLES / "punch.csv"], label="punch")
        import_paths(root / "p", [EXAMPLES / "flex.csv"], label="flex")
        _TEMPLATE["p"] = root / "p"
    shutil.copytree(_TEMPLATE["p"], dest)
    return dest


def hostile_copy(project: Path, new_id: str, mutate) -> Path:
    """recordings/<new_id>.h5: a copy of punch.h5 changed by ``mutate(h5py.File)``."""
    dst = project / "recordings" / f"{new_id}.h5"
    shutil.copyfile(project / "recordings" / "punch.h5", dst)
    with h5py.File(dst, "r+") as f:
        mutate(f)
    return dst


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "4m"):
    """A real, small filesystem at ``path`` (tmpfs; we run as root). Always unmounted."""
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"cannot mount a tmpfs at {path} (needs root): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill_disk(path: Path, leave: int = 0) -> Path:
    """Write a file until the filesystem is full, then give back ``leave`` bytes; returns the
    file (delete it to free the space)."""
    filler = path / "filler.bin"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        block = b"\xa5" * 65536
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, block)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, block[:512])
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler
