"""The project file on disk: one writer at a time, no lost update, validated on every read.

Several processes change one project at once: `tinystudio record` runs for minutes while
the user labels in the window or runs `tinystudio split`. If each wrote back the copy it
read at start, the last one would silently revert the others. So every write is a
read-modify-write of the *latest* file under an exclusive ``flock`` on ``.project.lock``
in the project folder: the writer re-reads the file, applies only what it changed since
it last read (a three-way merge against that base), and replaces the file atomically
(temp file, fsync, rename). Readers need no lock: the rename is atomic.

Merge granularity: a top-level key, one entry of ``settings``, one recording's segments,
one class. On a conflict (both sides changed the same item) this side wins, except for
``split``: a split is only written over the split it was computed from, so a split saved
by another process meanwhile is kept (`train` makes a split only when there is none).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import math
import os
import re
import threading
import time
from pathlib import Path

from tinystudio.dataset import schema
from tinystudio.dataset.safe_open import MAX_JSON_BYTES, loads_strict, open_lock, read_regular
from tinystudio.errors import DatasetError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: single writer assumed
    fcntl = None

LOCK_FILE = ".project.lock"
#: A writer waits this long for another one (a label sync rewriting a long recording).
LOCK_TIMEOUT_S = 60.0
#: A recording or segment id ends up in file names: no path separators, no leading dot,
#: no control characters, at most 200 characters.
RECORDING_ID = re.compile(r"(?!\.)[^/\\\x00-\x1f\x7f]{1,200}")
SPLIT_NAMES = ("train", "test")


def atomic_write_text(path: Path, text: str, before_replace=None) -> None:
    """Replace ``path`` with ``text`` atomically; on any error nothing is left behind.
    ``before_replace(tmp)`` runs on the complete file just before it takes ``path``'s place
    (its inode, mtime and size are the new file's: a rename changes none of them)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}-{threading.get_ident()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise io_error(path, exc, "writing") from exc
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def io_error(path: Path, exc: OSError, doing: str) -> DatasetError:
    """One clear message for an operating-system error, with the fix for the common ones."""
    if exc.errno == errno.ENOSPC:
        return DatasetError(f"{path}: the disk is full while {doing}; free some space and try again "
                            "(nothing was changed)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatasetError(f"{path}: not allowed to write ({exc.strerror}); check the folder's "
                            "permissions or copy the project somewhere writable")
    return DatasetError(f"{path}: I/O error while {doing} ({exc.strerror or exc})")


# ------------------------------------------------------------------------ lock
class _LockState:
    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_locks: dict[str, _LockState] = {}
_locks_guard = threading.Lock()


@contextlib.contextmanager
def project_lock(project_dir: Path, timeout: float | None = None):
    """Exclusive lock on a project's metadata, re-entrant within this process.

    ``flock`` is released by the kernel when the process dies, even by SIGKILL, so a crash
    never leaves the project locked."""
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    key = str(Path(project_dir).resolve())
    with _locks_guard:
        state = _locks.setdefault(key, _LockState())
    if not state.rlock.acquire(timeout=timeout):
        raise DatasetError(f"{project_dir}: the project is busy in this program for more than "
                           f"{timeout:.0f} s; try again")
    try:
        if state.depth == 0:
            state.fd = _acquire(Path(project_dir), timeout)
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
            if state.depth == 0 and state.fd is not None:
                os.close(state.fd)  # closing the descriptor releases the flock
                state.fd = None
    finally:
        state.rlock.release()


def _acquire(project_dir: Path, timeout: float) -> int:
    path = project_dir / LOCK_FILE
    try:
        fd = open_lock(path)
    except OSError as exc:
        raise io_error(path, exc, "locking the project") from exc
    if fcntl is None:
        return fd
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise DatasetError(f"{project_dir}: another TinyStudio process has held the project "
                                   f"lock ({LOCK_FILE}) for more than {timeout:.0f} s; wait for it "
                                   "to finish and try again") from None
            time.sleep(0.01)


# ------------------------------------------------------------------ read/validate
def file_signature(path: Path) -> tuple | None:
    """What changes whenever the file is replaced or written (cheap: one stat)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_project_file(jpath: Path) -> dict:
    """The project file's content, checked against the schema (docs/dataset-format.md)."""
    try:
        text = read_regular(jpath, "project file", MAX_JSON_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{jpath.parent}: no TinyStudio project here ({schema.PROJECT_FILE} missing); "
                           "create one with `tinystudio new`, `tinystudio import` or "
                           "`tinystudio record --new`") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{jpath}: project file is not UTF-8 text ({exc})") from exc
    except OSError as exc:
        raise io_error(jpath, exc, "reading the project file") from exc
    try:
        data = loads_strict(text, str(jpath))
    except DatasetError as exc:
        raise DatasetError(f"{exc}; restore the project file from a backup or fix it") from None
    validate_project(jpath, data)
    return data


def _fail(jpath: Path, field: str, problem: str) -> DatasetError:
    return DatasetError(f"{jpath}: field '{field}' {problem}; fix the file or restore it from a backup")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -(1 << 63) <= v < (1 << 63)


def validate_project(jpath: Path, data) -> None:
    """Raise for a file whose structure TinyStudio cannot use. Per-recording problems that
    only matter for one recording (a segment past its end) are checked when it loads."""
    if not isinstance(data, dict) or data.get("format") != schema.PROJECT_FORMAT:
        raise DatasetError(f"{jpath}: not a TinyStudio project file (no \"format\": "
                           f"\"{schema.PROJECT_FORMAT}\")")
    version = data.get("schema_version", 0)
    if not _is_int(version) or version < 0:
        raise _fail(jpath, "schema_version", f"is {version!r}, not a version number")
    if version > schema.SCHEMA_VERSION:
        raise DatasetError(f"{jpath}: project uses schema version {version}, this TinyStudio reads up to "
                           f"{schema.SCHEMA_VERSION}; update TinyStudio")
    for key, kind, default in (("classes", list, []), ("settings", dict, {}), ("split", dict, {}),
                               ("recordings", dict, {})):
        data.setdefault(key, copy.deepcopy(default))
        if not isinstance(data[key], kind):
            raise _fail(jpath, key, f"must be a JSON {'array' if kind is list else 'object'}, "
                        f"not {type(data[key]).__name__}")
    if "name" in data and not isinstance(data["name"], str):
        raise _fail(jpath, "name", "must be a string")
    if "task" in data and data["task"] not in schema.TASKS:
        raise _fail(jpath, "task", f"is {data['task']!r}; use one of {', '.join(schema.TASKS)}")
    seen = set()
    for i, c in enumerate(data["classes"]):
        if not (isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"]
                and isinstance(c.get("color", ""), str)):
            raise _fail(jpath, f"classes[{i}]", "must be {\"name\": non-empty text, \"color\": text}")
        if c["name"] in seen:
            raise _fail(jpath, f"classes[{i}]", f"repeats class {c['name']!r}")
        seen.add(c["name"])
    _validate_split(jpath, data["split"])
    for rid, entry in data["recordings"].items():
        if not RECORDING_ID.fullmatch(rid):
            raise _fail(jpath, f"recordings.{rid!r}", "is not a valid recording id (a file name "
                        "without '/', '\\\\', control characters or a leading '.')")
        if not isinstance(entry, dict) or not isinstance(entry.get("segments", []), list):
            raise _fail(jpath, f"recordings.{rid}", "must be {\"segments\": [...]}")
        for j, s in enumerate(entry.get("segments", [])):
            where = f"recordings.{rid}.segments[{j}]"
            if not isinstance(s, dict):
                raise _fail(jpath, where, "must be an object")
            if not (isinstance(s.get("id"), str) and RECORDING_ID.fullmatch(s["id"])):
                raise _fail(jpath, f"{where}.id", f"is {s.get('id')!r}, not a segment id")
            for k in ("start", "end"):
                if not _is_int(s.get(k)) or s[k] < 0:
                    raise _fail(jpath, f"{where}.{k}", f"is {s.get(k)!r}, not a sample index >= 0")
            if s["end"] <= s["start"]:
                raise _fail(jpath, where, f"ends ({s['end']}) before it starts ({s['start']})")
            if not (isinstance(s.get("label"), str) and s["label"]):
                raise _fail(jpath, f"{where}.label", "must be non-empty text")


#: ``tinystudio.dataset.splits.STRATEGIES`` (kept literal here: this module imports nothing above it)
SPLIT_STRATEGIES = ("recording", "segment", "subject", "time")


def _validate_split(jpath: Path, split: dict) -> None:
    if split.get("by") not in (None, *SPLIT_STRATEGIES):
        raise _fail(jpath, "split.by", f"is {split['by']!r}; use one of {', '.join(SPLIT_STRATEGIES)}")
    cuts = split.get("time_cuts", {})
    if not isinstance(cuts, dict) or not all(_is_int(v) and v >= 0 for v in cuts.values()):
        raise _fail(jpath, "split.time_cuts", "must map segment ids to sample indices >= 0")
    tf = split.get("test_fraction", 0.0)
    if isinstance(tf, bool) or not isinstance(tf, (int, float)) or not (0.0 <= tf < 1.0) or math.isnan(tf):
        raise _fail(jpath, "split.test_fraction", f"is {tf!r}; use a number in [0, 1)")
    if "seed" in split and not _is_int(split["seed"]):
        raise _fail(jpath, "split.seed", f"is {split['seed']!r}, not an integer")
    assign = split.get("assignments", {})
    if not isinstance(assign, dict):
        raise _fail(jpath, "split.assignments", "must be an object")
    for k, v in assign.items():
        if v not in SPLIT_NAMES:
            raise _fail(jpath, f"split.assignments.{k}", f"is {v!r}; use \"train\" or \"test\"")


# ------------------------------------------------------------------------ merge
def _merge_keyed(base: dict, mine: dict, out: dict) -> None:
    for key in set(base) | set(mine):
        if key in mine and (key not in base or mine[key] != base[key]):
            out[key] = copy.deepcopy(mine[key])
        elif key not in mine and key in base:
            out.pop(key, None)


def copy_data(data: dict) -> dict:
    """A copy of a project file's content that may be changed without touching ``data``.

    Why not ``deepcopy``: at 10,000 recordings it took about a second per save. A
    recording's entry is never changed in place (every writer replaces the whole entry:
    ``entries[rid] = {...}``), so entries are shared and only the containers are copied;
    the rest (classes, settings, split) is small and copied whole."""
    out = {}
    for key, value in data.items():
        if key == "recordings" and isinstance(value, dict):
            out[key] = dict(value)
        elif key == "split" and isinstance(value, dict):
            out[key] = {k: dict(v) if isinstance(v, dict) else copy.deepcopy(v) for k, v in value.items()}
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge(base: dict, mine: dict, latest: dict) -> dict:
    """``latest`` with the changes from ``base`` to ``mine`` applied (see module docstring)."""
    out = copy_data(latest)
    special = {"classes", "settings", "recordings", "split"}
    _merge_keyed({k: v for k, v in base.items() if k not in special},
                 {k: v for k, v in mine.items() if k not in special}, out)
    for key in ("settings", "recordings"):
        section = out.setdefault(key, {})
        _merge_keyed(base.get(key, {}), mine.get(key, {}), section)
    if mine.get("split") != base.get("split") and latest.get("split") == base.get("split"):
        out["split"] = copy.deepcopy(mine.get("split", {}))
    bc = {c["name"]: c for c in base.get("classes", [])}
    mc = {c["name"]: c for c in mine.get("classes", [])}
    classes = [c for c in out.get("classes", []) if not (c["name"] in bc and c["name"] not in mc)]
    names = {c["name"]: i for i, c in enumerate(classes)}
    for name, c in mc.items():
        if name not in names:
            classes.append(copy.deepcopy(c))
        elif bc.get(name) != c:
            classes[names[name]] = copy.deepcopy(c)
    out["classes"] = classes
    return out
