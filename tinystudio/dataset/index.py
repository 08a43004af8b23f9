"""The project index: what a recording says about itself, kept beside project.json.

Why: opening a project used to open every HDF5 file (two opens and about forty attribute
reads each), so `info`, `split` and the window took half a minute at 10,000 recordings.
The index (``index.sqlite``, one SQLite file) keeps each recording's header -- sensor,
rate, channels, length, subject, whether its samples carry checksums, the segments stored
inside it -- keyed by the file's signature (inode, mtime, size). Opening a project stats
the files and takes the header from the index when the signature matches; only a file
that is new or was replaced since is opened. The index also holds a per-recording summary
of the labels and the split as the project file says them, so other tools (and a person
with the ``sqlite3`` shell) can query the dataset without opening anything.

Rules:
- The index is never the source of samples, and never the authority for labels (that is
  project.json). Everything in it can be rebuilt from the recordings and the project file:
  a missing, damaged or out-of-date index is rebuilt by the next open, nothing is lost.
- Writers update it under the project lock, in one transaction each. A reader that finds
  an entry whose signature does not match the file ignores the entry and opens the file.
- Failing to write the index (a read-only folder, a full disk) never fails a command.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

INDEX_FILE = "index.sqlite"
#: Bumped whenever the header layout below changes: an index of another version is rebuilt.
INDEX_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recordings(
    id TEXT PRIMARY KEY,
    ino INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, seen_ns INTEGER NOT NULL,
    sensor TEXT NOT NULL, rate_hz REAL NOT NULL, n_samples INTEGER NOT NULL,
    seconds REAL NOT NULL, subject TEXT NOT NULL, session TEXT NOT NULL,
    checksummed INTEGER NOT NULL,
    labels TEXT NOT NULL DEFAULT '', n_segments INTEGER NOT NULL DEFAULT 0,
    split TEXT NOT NULL DEFAULT '',
    header TEXT NOT NULL
);
"""

Signature = tuple[int, int, int]
#: A file modified less than this before it was indexed may be modified again within the
#: file system's timestamp granularity without its signature changing (git's "racy clean"
#: problem): such an entry is not trusted, the file is opened and indexed again.
RACY_NS = 2_000_000_000


def index_path(project_dir: Path) -> Path:
    return Path(project_dir) / INDEX_FILE


def signature(path: Path) -> Signature | None:
    """What changes when a recording file is replaced or written (one lstat: a file
    swapped for a link never matches, so it is opened and the link refused)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def stamp(path: Path) -> tuple[Signature, int] | None:
    """The file's signature and when it was taken (for :func:`trusted`)."""
    now = time.time_ns()
    sig = signature(path)
    return None if sig is None else (sig, now)


def trusted(entry_sig: Signature, seen_ns: int, sig: Signature | None) -> bool:
    """True when an index entry certainly describes the file whose signature is ``sig``."""
    return sig is not None and entry_sig == sig and sig[1] < seen_ns - RACY_NS


# --------------------------------------------------------------- header coding
def _encode(v):
    if isinstance(v, np.ndarray):
        return {"__nd__": [_encode(x) for x in v.tolist()], "dtype": v.dtype.str
                if v.dtype.kind not in "OSU" else "str"}
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, (list, tuple)):
        return [_encode(x) for x in v]
    return v


def _decode(v):
    if isinstance(v, dict) and "__nd__" in v:
        if v["dtype"] == "str":
            return np.array(v["__nd__"], dtype=object)
        return np.array(v["__nd__"], dtype=np.dtype(v["dtype"]))
    return v


def encode_header(header: dict) -> str:
    out = dict(header)
    out["attrs"] = {k: _encode(v) for k, v in header["attrs"].items()}
    out["scale"] = [float(x) for x in header["scale"]]
    return json.dumps(out, separators=(",", ":"))


def decode_header(text: str) -> dict:
    h = json.loads(text)
    h["attrs"] = {k: _decode(v) for k, v in h["attrs"].items()}
    h["scale"] = np.asarray(h["scale"], dtype=np.float64)
    h["shape"] = tuple(h["shape"])
    h["dtype"] = np.dtype(h["dtype"])
    return h


# ------------------------------------------------------------------- database
def _connect(project_dir: Path) -> sqlite3.Connection:
    con = sqlite3.connect(index_path(project_dir), timeout=30.0, isolation_level=None)
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def _check_version(con: sqlite3.Connection) -> bool:
    """True when the file is an index of this version (creating the tables if empty)."""
    con.executescript(_SCHEMA)
    row = con.execute("SELECT value FROM meta WHERE key='version'").fetchone()
    if row is None:
        con.execute("INSERT OR REPLACE INTO meta VALUES('version', ?)", (str(INDEX_VERSION),))
        con.execute("DELETE FROM recordings")
        return True
    return row[0] == str(INDEX_VERSION)


def _discard(project_dir: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(str(index_path(project_dir)) + suffix)


def read(project_dir: Path) -> dict[str, tuple[Signature, int, str, tuple[str, int, str]]]:
    """Every entry as ``id -> (signature, seen_ns, header, (labels, n_segments, split))``; an
    unusable index reads as empty (and is removed, so the next write rebuilds it)."""
    path = index_path(project_dir)
    if not path.exists():
        return {}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
        try:
            row = con.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if row is None or row[0] != str(INDEX_VERSION):
                raise sqlite3.DatabaseError("another index version")
            rows = con.execute("SELECT id, ino, mtime_ns, size, seen_ns, header, labels, n_segments,"
                               " split FROM recordings").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        with contextlib.suppress(OSError):
            os.access(path.parent, os.W_OK) and _discard(project_dir)
        return {}
    return {r[0]: ((r[1], r[2], r[3]), r[4], r[5], (r[6], r[7], r[8])) for r in rows}


def _row(rid: str, sig: Signature, seen_ns: int, header: dict, text: str) -> tuple:
    attrs = header["attrs"]
    rate = float(header["rate_hz"])
    n = int(header["n_samples"])
    return (rid, *sig, seen_ns, header["sensor_kind"], rate, n, n / rate if rate else 0.0,
            str(attrs.get("subject", "") or ""), str(attrs.get("session", "") or ""),
            int(bool(header["checksummed"])), text)


def write(project_dir: Path, entries: Iterable[tuple[str, Signature, int, dict]],
          remove: Iterable[str] = (), prune: Path | None = None) -> bool:
    """Upsert headers (id, signature, seen_ns, header) and remove ids, in one transaction.
    ``prune``: the recordings folder; drop every id whose file is no longer there. Call it
    under the project lock, with entries whose signature still matches the file. Returns
    False when the index could not be written (the project still works)."""
    rows = [_row(rid, sig, seen, h, encode_header(h)) for rid, sig, seen, h in entries]
    for attempt in range(2):
        try:
            con = _connect(project_dir)
            try:
                if not _check_version(con):
                    con.close()
                    _discard(project_dir)
                    continue
                con.execute("BEGIN IMMEDIATE")
                con.executemany(
                    "INSERT INTO recordings(id, ino, mtime_ns, size, seen_ns, sensor, rate_hz, n_samples,"
                    " seconds, subject, session, checksummed, header) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(id) DO UPDATE SET ino=excluded.ino, mtime_ns=excluded.mtime_ns,"
                    " size=excluded.size, seen_ns=excluded.seen_ns, sensor=excluded.sensor, rate_hz=excluded.rate_hz,"
                    " n_samples=excluded.n_samples, seconds=excluded.seconds, subject=excluded.subject,"
                    " session=excluded.session, checksummed=excluded.checksummed, header=excluded.header",
                    rows)
                con.executemany("DELETE FROM recordings WHERE id=?", [(r,) for r in remove])
                if prune is not None:
                    gone = [(r[0],) for r in con.execute("SELECT id FROM recordings")
                            if not (prune / f"{r[0]}.h5").exists()]
                    con.executemany("DELETE FROM recordings WHERE id=?", gone)
                con.execute("COMMIT")
                return True
            finally:
                con.close()
        except sqlite3.DatabaseError:
            if attempt == 0 and os.access(project_dir, os.W_OK):
                _discard(project_dir)  # damaged: start a fresh one
                continue
            return False
        except (sqlite3.Error, OSError):
            return False
    return False


def write_summaries(project_dir: Path, summaries: dict[str, tuple[str, int, str]]) -> bool:
    """Set (labels, n_segments, split) per id, as the project file says them."""
    if not summaries:
        return True
    try:
        con = _connect(project_dir)
        try:
            if not _check_version(con):
                return False
            con.execute("BEGIN IMMEDIATE")
            con.executemany("UPDATE recordings SET labels=?, n_segments=?, split=? WHERE id=?",
                            [(*v, rid) for rid, v in summaries.items()])
            con.execute("COMMIT")
            return True
        finally:
            con.close()
    except (sqlite3.Error, OSError):
        return False


def rows(project_dir: Path) -> list[dict]:
    """The index as rows of plain values (for tests, `info --index` and the sqlite3 shell's
    equivalent); the header column is left out."""
    path = index_path(project_dir)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
    try:
        cur = con.execute("SELECT id, ino, mtime_ns, size, sensor, rate_hz, n_samples, seconds, subject,"
                          " session, checksummed, labels, n_segments, split FROM recordings ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def summary_of(segments: list, assignments: dict, rid: str) -> tuple[str, int, str]:
    """The labels (sorted, comma-joined), segment count and split ('train', 'test', 'mixed'
    or '') of one recording, from the project file's view."""
    labels = ",".join(sorted({s.label for s in segments}))
    splits = {assignments.get(s.id, assignments.get(rid)) for s in segments} - {None}
    split = "" if not splits else (splits.pop() if len(splits) == 1 else "mixed")
    return labels, len(segments), split


__all__ = ["INDEX_FILE", "decode_header", "encode_header", "read", "rows", "signature", "summary_of",
           "write", "write_summaries"]
