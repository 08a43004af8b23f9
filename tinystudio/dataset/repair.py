"""Finding and repairing recordings left behind by a crash.

A recorder holds an exclusive ``flock`` on ``<file>.lock`` while it writes; the kernel
drops it when the process dies, even by SIGKILL. A file whose state is still "recording"
and whose lock is free was therefore abandoned. It was written in HDF5 SWMR mode, so its
structure is consistent at every instant; ``valid_samples`` says how many rows had been
flushed. Repair gives the original a second name in ``damaged/`` (a hard link: no space,
never deleting anything) and writes a clean, complete copy under the original name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

from tinystudio.dataset import schema, validate
from tinystudio.dataset.diskspace import is_disk_full
from tinystudio.dataset.recording import NewerSchemaError, check_header, open_h5, rewrite_recording
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


def _target(path: Path, project_dir: Path) -> Path:
    damaged = project_dir / schema.DAMAGED_DIR
    damaged.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = damaged / f"{path.stem}.{stamp}{path.suffix}"
    i = 1
    while target.exists():
        target = damaged / f"{path.stem}.{stamp}-{i}{path.suffix}"
        i += 1
    return target


def _existing_copy(path: Path, project_dir: Path) -> Path | None:
    """A file in damaged/ that is already this very file (same inode): a repair that was
    interrupted or failed before. Reusing it keeps damaged/ from growing at every open."""
    damaged = project_dir / schema.DAMAGED_DIR
    if not damaged.is_dir():
        return None
    for candidate in damaged.glob(f"{path.stem}.*{path.suffix}"):
        with contextlib.suppress(OSError):
            if os.path.samefile(candidate, path):
                return candidate
    return None


def _move_aside(path: Path, project_dir: Path, copy: bool = False) -> Path:
    """Move ``path`` into damaged/; with ``copy``, keep it in place and put a second name
    for it there (a hard link: no disk space, atomic; a real copy where links are not
    supported)."""
    existing = _existing_copy(path, project_dir)
    if existing is not None:
        if not copy:
            path.unlink()
        return existing
    target = _target(path, project_dir)
    if copy:
        try:
            os.link(path, target)
        except OSError:
            tmp = target.with_name(target.name + ".part")
            try:
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
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
    """Repair one abandoned recording; return a one-line report. A hopeless file is moved
    aside (so the project still opens); a repair that fails for lack of disk space leaves
    the file as it is (still readable: its first ``valid_samples`` rows) and says so."""
    path = Path(path)
    try:
        with open_h5(path, swmr=True) as f:
            check_header(path, f.attrs)
            n = f["samples"].shape[0]
            if "valid_samples" in f:
                n = min(n, int(f["valid_samples"][0]))
            label = validate.text(f.attrs.get("pending_label", ""))
    except NewerSchemaError:
        raise
    except (DatasetError, KeyError, TypeError, ValueError, IndexError, AttributeError, OSError,
            RuntimeError) as exc:
        moved = _move_aside(path, project_dir)
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + ".lock").unlink()
        return f"{path.name}: unreadable ({exc}); moved to {moved.relative_to(project_dir)}"
    # Keep a second name for the original in damaged/, then replace the file atomically: a
    # crash during the repair leaves the original in place and the next open repairs again
    # (reusing the same damaged/ entry).
    moved = _move_aside(path, project_dir, copy=True)
    segments = [Segment.new(0, n, label)] if label and n > 0 else []
    try:
        rewrite_recording(path, segments=segments, n_samples=n, source_swmr=True, source=moved,
                          attrs={"repaired": f"recovered {n} samples after an interrupted recording"})
    except Exception as exc:  # noqa: BLE001 - any failure: report, never brick the project
        if is_disk_full(exc) or "needs about" in str(exc):
            return (f"{path.name}: interrupted recording of {n} samples not finished: {exc}. "
                    "It stays readable as it is")
        with contextlib.suppress(OSError):
            path.unlink()  # its other name in damaged/ keeps it
        return f"{path.name}: interrupted recording could not be repaired ({exc}); kept as {moved.relative_to(project_dir)}"
    with contextlib.suppress(FileNotFoundError):
        Path(str(path) + ".lock").unlink()
    return (f"{path.name}: recording was interrupted; recovered {n} samples "
            f"(original kept as {moved.relative_to(project_dir)})")
