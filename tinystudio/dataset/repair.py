"""Finding and repairing recordings left behind by a crash.

A recorder holds an exclusive ``flock`` on ``<file>.lock`` while it writes; the kernel
drops it when the process dies, even by SIGKILL. A file whose state is still "recording"
and whose lock is free was therefore abandoned. It was written in HDF5 SWMR mode, so its
structure is consistent at every instant; ``valid_samples`` says how many rows had been
flushed. Repair moves the original aside into ``damaged/`` (never deleting anything) and
writes a clean, complete copy under the original name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

from tinystudio.dataset import schema
from tinystudio.dataset.recording import check_header, open_h5, rewrite_recording
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no crash detection across processes
    fcntl = None


class RecorderLock:
    """Exclusive advisory lock that marks a recording as being written."""

    def __init__(self, path: Path) -> None:
        self.lock_path = Path(str(path) + ".lock")
        self._fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            with contextlib.suppress(FileNotFoundError):
                self.lock_path.unlink()


def is_being_recorded(path: Path) -> bool:
    lock_path = Path(str(path) + ".lock")
    if fcntl is None or not lock_path.exists():
        return False
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _move_aside(path: Path, project_dir: Path, copy: bool = False) -> Path:
    damaged = project_dir / schema.DAMAGED_DIR
    damaged.mkdir(exist_ok=True)
    target = damaged / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}{path.suffix}"
    i = 1
    while target.exists():
        target = damaged / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}-{i}{path.suffix}"
        i += 1
    if copy:
        tmp = target.with_name(target.name + ".part")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    else:
        shutil.move(str(path), target)
    return target


def quarantine(path: Path, project_dir: Path, reason: str) -> str:
    """Move a file that is not a usable recording aside; return the report line."""
    moved = _move_aside(Path(path), project_dir)
    return f"{Path(path).name}: {reason}; moved to {moved.relative_to(project_dir)}"


def needs_repair(path: Path) -> bool:
    """True for an abandoned in-progress file or one HDF5 will not open normally."""
    if is_being_recorded(path):
        return False
    try:
        with open_h5(path) as f:
            return str(f.attrs.get("state", schema.STATE_COMPLETE)) == schema.STATE_RECORDING
    except DatasetError:
        return True


def repair(path: Path, project_dir: Path) -> str:
    """Repair one abandoned recording; return a one-line report. Raise if it is hopeless
    (after moving it aside, so the project still opens)."""
    path = Path(path)
    try:
        with open_h5(path, swmr=True) as f:
            check_header(path, f.attrs)
            n = f["samples"].shape[0]
            if "valid_samples" in f:
                n = min(n, int(f["valid_samples"][0]))
            label = str(f.attrs.get("pending_label", ""))
    except DatasetError as exc:
        if "newer" in str(exc) or "schema version" in str(exc):
            raise
        moved = _move_aside(path, project_dir)
        for extra in (Path(str(path) + ".lock"),):
            with contextlib.suppress(FileNotFoundError):
                extra.unlink()
        return f"{path.name}: unreadable ({exc}); moved to {moved.relative_to(project_dir)}"
    # Copy (not move) the original aside, then replace it atomically: a crash during the
    # repair leaves the original in place, and the next open simply repairs again.
    moved = _move_aside(path, project_dir, copy=True)
    segments = [Segment.new(0, n, label)] if label and n > 0 else []
    rewrite_recording(path, segments=segments, n_samples=n, source_swmr=True, source=moved,
                      attrs={"repaired": f"recovered {n} samples after an interrupted recording"})
    with contextlib.suppress(FileNotFoundError):
        Path(str(path) + ".lock").unlink()
    return (f"{path.name}: recording was interrupted; recovered {n} samples "
            f"(original kept as {moved.relative_to(project_dir)})")
