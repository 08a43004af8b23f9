"""Crash reports: an unexpected exception becomes one line for the user and one file for us.

A user never sees a traceback. Expected problems are :class:`~tinystudio.errors.TinyStudioError`
messages; anything else is a bug, and its traceback goes into a crash-report file that the
one-line message names, so it can be attached to a bug report. The CLI and the GUI's
``sys.excepthook`` both use :func:`write_crash_report` (Qt-free, so the core can too).

Where: ``$TINYSTUDIO_CRASH_DIR`` if set, else ``$XDG_CACHE_HOME/tinystudio`` (default
``~/.cache/tinystudio``); if that folder cannot be written, the system's temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

CRASH_DIR_ENV = "TINYSTUDIO_CRASH_DIR"
#: Older reports beyond this many are removed, oldest first, so the folder stays small.
KEEP_REPORTS = 50


def crash_dir() -> Path:
    override = os.environ.get(CRASH_DIR_ENV)
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "tinystudio"


def _report_text(exc_type, exc, tb, context: str) -> str:
    from tinystudio import __version__

    lines = [
        f"TinyStudio {__version__} crash report ({context})",
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"python: {sys.version.split()[0]} on {platform.platform()}",
        f"command: {' '.join(sys.argv)}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)),
    ]
    return "\n".join(lines)


def _prune(folder: Path) -> None:
    reports = sorted(folder.glob("crash-*.txt"))
    for old in reports[:-KEEP_REPORTS]:
        with contextlib.suppress(OSError):
            old.unlink()


def write_crash_report(exc_type, exc, tb, context: str = "cli") -> Path | None:
    """Write the traceback and a little context to a new file; returns its path, or None
    when no folder could be written (the caller then shows the traceback itself)."""
    text = _report_text(exc_type, exc, tb, context)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (crash_dir(), Path(tempfile.gettempdir()) / "tinystudio"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(100):
                path = folder / f"crash-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.txt"
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    continue
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                _prune(folder)
                return path
        except OSError:
            continue
    return None


def crash_message(exc: BaseException, report: Path | None) -> str:
    """The one line a user sees for an unexpected exception."""
    what = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    if len(what) > 160:
        what = what[:157] + "..."
    if report is None:
        return f"internal error ({what}); no crash report could be written, the traceback follows"
    return (f"internal error ({what}); this is a TinyStudio bug: the details are in {report}; "
            "please attach that file to a bug report")
