"""Free space, checked before long work starts and while a recording runs.

A full disk found half-way through an import or a recording costs the work done so far,
and HDF5 does not survive running out of space gracefully (a write that fails leaves
dirty metadata that the library tries to flush again at exit, which segfaults). So work
whose size is known is refused up front, and the recorder keeps a small reserve file it
gives back when the disk fills, so that closing the file always has room.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from tinystudio.errors import DatasetError

#: Room HDF5 needs to close a file cleanly (metadata, last chunk) plus the project file.
SAFETY_MARGIN = 256 * 1024


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem holding ``path``."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    st = os.statvfs(p)
    return st.f_bavail * st.f_frsize


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def ensure_free(path: Path, need: int, what: str) -> None:
    """Raise a clear DatasetError when less than ``need`` bytes (+ margin) are free."""
    have = free_bytes(path)
    if have < need + SAFETY_MARGIN:
        raise DatasetError(f"{what} needs about {mb(need + SAFETY_MARGIN)} free on the disk holding "
                           f"{path}, only {mb(have)} is free; free some space and try again")


def is_disk_full(exc: BaseException) -> bool:
    """True for ENOSPC/EDQUOT, whether raised by the OS or reported by HDF5 in its text."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        msg = str(exc)
        if "errno = 28" in msg or "No space left" in msg or "Disk quota exceeded" in msg:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class Reserve:
    """A file holding ``size`` bytes of disk that :meth:`release` gives back.

    Released when the disk fills, so the recorder can still flush and close its file."""

    def __init__(self, path: Path, size: int = SAFETY_MARGIN) -> None:
        self.path = Path(path)
        self.size = 0
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
        except OSError:
            return
        try:
            try:
                os.posix_fallocate(fd, 0, size)
            except (OSError, AttributeError):
                os.write(fd, b"\0" * size)
            os.fsync(fd)
            self.size = size
        except OSError:
            pass
        finally:
            os.close(fd)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        self.size = 0
