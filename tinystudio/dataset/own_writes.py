"""Which versions of a project file this studio wrote itself, so a window can tell its own
writes from other people's.

A window watches its project file and says "project reloaded: it was changed on disk" when
someone else saved it. But the studio writes the file from more than one place: the
window's own :class:`~tinystudio.dataset.project.Project`, other ``Project`` objects in the
same process, and the child processes the window starts (the trainer, the virtual board).
Each write notes the file's signature (inode, mtime, size) *before* the file is renamed
into place, so it is known before any watcher can see it: in this process in memory, and,
in a child given :data:`ENV`, as one line appended to the window's log file. A signature in
neither is someone else's write. Qt-free (core).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path

#: Names the log file a child appends its writes to (set by the window for its children).
ENV = "TINYSTUDIO_OWN_WRITES"

_lock = threading.Lock()
_written: set[tuple[str, tuple]] = set()
_log: Path | None = None


def _key(path) -> str:
    return os.path.abspath(os.fspath(path))


def note(path, signature: tuple | None) -> None:
    """Record that this process is writing ``path`` with ``signature``."""
    if signature is None:
        return
    key = (_key(path), tuple(signature))
    with _lock:
        _written.add(key)
    log = os.environ.get(ENV)
    if log:  # a child of a window: tell the window (one short line, appended atomically)
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps([key[0], list(key[1])]) + "\n")


def is_own(path, signature: tuple | None) -> bool:
    """True if this process, or a child given :func:`child_env`, wrote that version."""
    if signature is None:
        return False
    key = (_key(path), tuple(signature))
    with _lock:
        if key in _written:
            return True
        log = _log
    if log is None:
        return False
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    for line in lines:
        with contextlib.suppress(ValueError, TypeError):
            p, sig = json.loads(line)
            if (p, tuple(sig)) == key:
                return True
    return False


def child_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus the variable that makes a child's project writes count as this
    process's own (the log file is made on first use and removed at exit)."""
    global _log
    with _lock:
        if _log is None:
            fd, name = tempfile.mkstemp(prefix="tinystudio-own-writes-", suffix=".jsonl")
            os.close(fd)
            _log = Path(name)
            atexit.register(lambda p=_log: p.unlink(missing_ok=True))
        return {**env, ENV: str(_log)}
