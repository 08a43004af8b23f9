"""Opening a project's recordings: repair, quarantine, adopt; never brick the project.

Why a separate module: this is the one place that decides what happens to a file that is
not right, and the rules must be the same at open and when another process's changes are
brought in (:meth:`Project.reload`):

- an abandoned in-progress recording (a crash) is repaired: its flushed rows become a
  clean file, the original keeps a second name in ``damaged/``;
- a file that cannot be read or breaks the schema is moved to ``damaged/`` and its entry
  in the project file is marked ``quarantined`` (its labels stay): reported once, at the
  open that moved it, quiet afterwards;
- a file from a newer TinyStudio, or one whose labels in the project file fall outside it,
  is set aside in memory only (nothing on disk changes) and reported at every open;
- every other recording loads normally, whatever happened to the bad ones.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from tinystudio.dataset import index as _index
from tinystudio.dataset import repair as _repair
from tinystudio.dataset import schema
from tinystudio.dataset.projectfile import RECORDING_ID, project_lock
from tinystudio.dataset.recording import NewerSchemaError, Recording
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError

#: A temp file younger than this may still be written by a live process.
TMP_GRACE_S = 60.0


def _fix(project, action, *args) -> str:
    """Run a repair/quarantine under the project lock; a failure is a report line."""
    try:
        with project_lock(project.path):
            return action(*args)
    except NewerSchemaError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad file must never make the project unusable
        return f"{Path(args[0]).name}: could not be repaired or moved aside ({exc}); left as it is"


def _tmp_owner(tmp: Path) -> Path:
    """``x.h5.tmp`` or ``x.h5.<pid>-<thread>.tmp`` or ``x.h5.reserve`` -> ``x.h5``."""
    name = tmp.name
    return tmp.with_name(name[: name.index(".h5") + 3])


def _clean_leftovers(project) -> None:
    rdir = project.recordings_dir
    for lock in rdir.glob("*.h5.lock"):
        h5 = lock.with_suffix("")
        if not h5.exists() and not _repair.is_being_recorded(h5):
            with contextlib.suppress(OSError):
                lock.unlink()  # a recorder died before creating its file
    for reserve in rdir.glob("*.h5.reserve"):
        if not _repair.is_being_recorded(_tmp_owner(reserve)):
            with contextlib.suppress(OSError):
                reserve.unlink()  # the disk-space reserve of a recorder that died
    for tmp in [*rdir.glob("*.h5.tmp"), *rdir.glob("*.h5.*.tmp")]:
        # A copy interrupted by a crash before its rename; the original is intact. One
        # that is young or whose recorder is alive may still be written: leave it.
        try:
            young = time.time() - tmp.stat().st_mtime < TMP_GRACE_S
        except OSError:
            continue
        if young or _repair.is_being_recorded(_tmp_owner(tmp)):
            continue
        project.repairs.append(_fix(project, _repair.quarantine, tmp, project.path,
                                    "unfinished copy left by a crash"))


def segments_problem(project, rid: str, segs: list[Segment], n_samples: int) -> str | None:
    for j, s in enumerate(segs):
        if s.end > n_samples:
            return (f"{project.json_path}: recordings.{rid}.segments[{j}] ({s.label} {s.start}..{s.end}) "
                    f"ends past the {n_samples} samples of {rid}.h5; fix or delete that segment in the "
                    "project file (the recording is set aside until then)")
    return None


def _quarantine_entry(project, rid: str, line: str) -> bool:
    project.quarantined[rid] = line
    entries = project._data["recordings"]
    if rid in entries and entries[rid].get("quarantined") != line:
        entries[rid] = {**entries[rid], "quarantined": line}
        return True
    return False


def load(project) -> bool:
    """Fill ``project._recordings``; return True if the project file must be saved."""
    rdir = project.recordings_dir
    with contextlib.suppress(OSError):
        rdir.mkdir(exist_ok=True)
    entries: dict = project._data["recordings"]
    changed = False
    _clean_leftovers(project)
    cached = _index.read(project.path)
    project._index_summaries = {rid: hit[3] for rid, hit in cached.items()}
    try:  # one listing, no pathlib per file: this loop runs 10,000s of times
        listing = set(os.listdir(rdir))
    except OSError:
        listing = set()
    names = sorted(n for n in listing if n.endswith(".h5"))
    project._index_stale = bool(set(cached) - {n[:-3] for n in names})
    for name in names:
        rid = name[:-3]
        file = rdir / name
        if name + ".lock" in listing and _repair.is_being_recorded(file):
            continue
        if not RECORDING_ID.fullmatch(rid):
            project.repairs.append(f"{file.name}: its name cannot be a recording id; rename it "
                                   "(no leading '.', no control characters)")
            continue
        try:
            rec = _from_index(file, cached.get(rid), entries.get(rid))
            if rec is None:
                if _repair.needs_repair(file):
                    line = _fix(project, _repair.repair, file, project.path)
                    project.repairs.append(line)
                    changed = True
                    if not file.exists():
                        changed |= _quarantine_entry(project, rid, line)
                        continue
                rec = open_indexed(project, file)
        except NewerSchemaError as exc:
            project.quarantined[rid] = str(exc)
            project.repairs.append(f"{file.name}: set aside: {exc}")
            continue
        except DatasetError as exc:
            reason = str(exc).split(": ", 1)[-1]
            line = _fix(project, _repair.quarantine, file, project.path, reason)
            project.repairs.append(line)
            if not file.exists():
                changed |= _quarantine_entry(project, rid, line)
            else:
                project.quarantined[rid] = line
            continue
        if rid in entries:
            segs = list(rec.file_segments) if getattr(rec, "shares_file_segments", False) else \
                [Segment.from_json(d) for d in entries[rid].get("segments", [])]
            problem = segments_problem(project, rid, segs, rec.n_samples)
            if problem:
                project.quarantined[rid] = problem
                project.repairs.append(problem)
                continue
            if "quarantined" in entries[rid]:  # the file is back (restored by the user)
                entries[rid] = {k: v for k, v in entries[rid].items() if k != "quarantined"}
                project.repairs.append(f"{file.name}: back in the project")
                changed = True
            rec.segments = segs
            project._entries_seen[rid] = (entries[rid], segs)
            if segs != rec.file_segments:
                project._dirty.add(rid)
        else:
            entries[rid] = {"segments": [s.to_json() for s in rec.file_segments]}
            project.repairs.append(f"{file.name}: adopted with {len(rec.file_segments)} segments")
            changed = True
        project._recordings[rid] = rec
        for s in rec.segments:
            project._ensure_class(s.label)
    for rid, entry in entries.items():
        if rid in project._recordings or rid in project.quarantined:
            continue
        if _repair.is_being_recorded(project._file_for(rid)):
            continue
        if entry.get("quarantined"):
            project.quarantined[rid] = entry["quarantined"]  # reported when it was moved
            continue
        line = f"{rid}.h5 is missing; its labels are kept in {schema.PROJECT_FILE}"
        project.repairs.append(line)
        changed |= _quarantine_entry(project, rid, line)
    return changed


def _from_index(file: Path, hit, entry: dict | None) -> Recording | None:
    """The recording from its index entry if the entry describes this very file."""
    if hit is None or not _index.trusted(hit[0], hit[1], _index.signature(file)):
        return None
    try:
        header = _index.decode_header(hit[2])
        rec = Recording.from_header(file, header)
        if entry is not None and entry.get("segments") == header["file_segments"]:
            rec.shares_file_segments = True  # the same segments: built once, not twice
        return rec
    except (KeyError, TypeError, ValueError):
        return None  # an entry this version cannot use: open the file


def open_indexed(project, file: Path) -> Recording:
    """Open a recording file and queue its header for the index. The signature is taken
    before the file is read, so a file replaced meanwhile is never indexed as the new one."""
    st = _index.stamp(file)
    rec = Recording(file)
    if st is not None:
        project._index_pending[rec.id] = (*st, rec.header())
    return rec


def open_new_recordings(project, entries: dict) -> dict:
    """Recordings listed in ``entries`` that ``project`` has not opened yet, opened (the
    file reads of a refresh, so a window can do them on a worker thread). Files that
    cannot be opened are left out: :func:`refresh` reports them."""
    known = set(list(project._recordings))
    opened = {}
    for rid, entry in entries.items():
        if rid in known or entry.get("quarantined"):
            continue
        file = project._file_for(rid)
        if file.exists() and not _repair.is_being_recorded(file):
            try:
                opened[rid] = Recording(file)
            except DatasetError:
                continue
    return opened


def refresh(project, opened: dict | None = None) -> None:
    """Make the in-memory recordings follow ``project._data`` after a merge with the disk:
    labels changed by others, recordings added by others (a `record` that finished).
    ``opened`` holds recordings already opened by :func:`open_new_recordings`."""
    opened = opened or {}
    entries: dict = project._data["recordings"]
    for rid in [r for r in project._recordings if r not in entries]:
        del project._recordings[rid]
    seen = project._entries_seen
    for rid, entry in entries.items():
        rec = project._recordings.get(rid)
        hit = seen.get(rid)
        if rec is not None and hit is not None and hit[1] is rec.segments and hit[0] == entry:
            continue  # unchanged since it was last applied (the common case: one C compare)
        if rec is not None and entry.get("quarantined") and not rec.path.exists():
            del project._recordings[rid]  # set aside by another process meanwhile
            project.quarantined[rid] = entry["quarantined"]
            continue
        if rec is None:
            if entry.get("quarantined"):
                project.quarantined[rid] = entry["quarantined"]
                continue
            file = project._file_for(rid)
            if not file.exists() or _repair.is_being_recorded(file):
                continue
            try:
                rec = opened.get(rid) or Recording(file)
            except DatasetError as exc:
                project.quarantined[rid] = str(exc)
                continue
            rec.segments = []
            project._recordings[rid] = rec
            project.quarantined.pop(rid, None)
        segs = [Segment.from_json(d) for d in entry.get("segments", [])]
        if segs != rec.segments:
            problem = segments_problem(project, rid, segs, rec.n_samples)
            if problem:
                project.quarantined[rid] = problem
                del project._recordings[rid]
                continue
            rec.segments = segs
            project._note_summary(rid)
        seen[rid] = (entry, rec.segments)
