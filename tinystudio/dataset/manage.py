"""Managing recordings as whole takes: list, rename, move to the trash and back, train/test.

Qt-free so the Record and Label pages, the CLI and the tests share one implementation.
A recording's id is its file stem, so renaming renames the file; the JSON entry (the
label authority) and a recording-level split assignment follow it. Deleting never
destroys anything: the file and a manifest of its JSON entry and split assignments go to
``trash/<stamp>-<id>/`` inside the project, so an undo (this session or a later one, via
:func:`untrash`) brings back exactly what was there.

Every change ends in :func:`_commit`, the one place that writes the project file, so a
change of how the project is saved (e.g. a locked read-modify-write) is adapted here once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError

#: Deleted recordings go here (inside the project folder), never to oblivion.
TRASH_DIR = "trash"
MANIFEST = "entry.json"
SPLITS = ("train", "test")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")


@dataclass(frozen=True)
class RecordingRow:
    """What a recordings table shows for one take."""

    id: str
    labels: tuple[str, ...]
    n_segments: int
    seconds: float
    sensor: str
    subject: str
    session: str
    split: str  # "train", "test", "mixed" or "" (not in the split yet)


@dataclass
class TrashItem:
    """One recording in the trash: enough to put it back exactly."""

    id: str
    folder: Path
    entry: dict = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ reading
def recording_split(project, rec, assign: dict | None = None) -> str:
    if assign is None:
        assign = project.split_config.get("assignments", {})
    segs = rec.segments
    if len(segs) == 1:  # most takes: no set to build (10,000 rows on every open)
        side = assign.get(segs[0].id, assign.get(rec.id))
        return side if side is not None else ""
    sides = {assign.get(s.id, assign.get(rec.id)) for s in segs} if segs else {assign.get(rec.id)}
    sides.discard(None)
    if not sides:
        return ""
    return sides.pop() if len(sides) == 1 else "mixed"


def recording_row(project, rec, assign: dict | None = None) -> RecordingRow:
    """The row of one recording (``assign``: the split assignments, read once by a caller
    that makes many rows)."""
    labels = tuple(sorted({s.label for s in rec.segments}))
    sensor = rec.sensor_name or rec.sensor_kind
    if rec.sensor_name and rec.sensor_name != rec.sensor_kind:
        sensor = f"{rec.sensor_name} ({rec.sensor_kind})"
    return RecordingRow(
        rec.id, labels, len(rec.segments), rec.seconds, sensor,
        str(rec.attrs.get("subject", "") or ""), str(rec.attrs.get("session", "") or ""),
        recording_split(project, rec, assign))


def recording_rows(project) -> list[RecordingRow]:
    """One row per recording, sorted by id."""
    assign = project.split_config.get("assignments", {})
    return [recording_row(project, rec, assign) for rec in sorted(project.recordings(), key=lambda r: r.id)]


# ------------------------------------------------------------------ writing
def _commit(project) -> None:
    """The one write of the project file for every operation in this module."""
    project.save(sync_recordings=False)


def _entries(project) -> dict:
    return project._data["recordings"]  # noqa: SLF001 - no public API removes an entry yet


def _check_name(project, new_id: str) -> None:
    if not _NAME.match(new_id):
        raise DatasetError(f"recording name {new_id!r}: use letters, digits, '_', '-' or '.' "
                           "(no spaces or slashes, at most 80 characters, not starting with '.' or '-')")
    if new_id in {r.id for r in project.recordings()} or new_id in _entries(project) or \
            (project.recordings_dir / f"{new_id}.h5").exists():
        raise DatasetError(f"a recording named {new_id!r} already exists in {project.path}; choose another name")


def rename_recording(project, rec_id: str, new_id: str) -> str:
    """Rename a recording (its file and its entries); returns the new id."""
    new_id = new_id.strip()
    if new_id.endswith(".h5"):
        new_id = new_id[:-3]
    rec = project.recording(rec_id)
    if new_id == rec_id:
        return rec_id
    _check_name(project, new_id)
    segments = list(rec.segments)
    entry = _entries(project).get(rec_id, {})
    target = project.recordings_dir / f"{new_id}.h5"
    os.replace(rec.path, target)
    _forget(project, rec_id)
    new = project.add_recording(target)
    _entries(project)[new_id] = {**entry, "segments": [s.to_json() for s in segments]}
    project.set_segments(new_id, segments)
    config = project.split_config
    assign = dict(config.pop("assignments", {}))
    if rec_id in assign:
        assign[new_id] = assign.pop(rec_id)
        project.set_split(config, assign)
    _commit(project)
    return new.id


def _forget(project, rec_id: str) -> None:
    project._recordings.pop(rec_id, None)  # noqa: SLF001 - no public API removes a recording yet
    _entries(project).pop(rec_id, None)
    dirty = getattr(project, "_dirty", None)
    if dirty is not None:
        dirty.discard(rec_id)


def trash_recordings(project, rec_ids: list[str]) -> list[TrashItem]:
    """Move recordings to ``trash/`` with a manifest; returns what :func:`untrash` needs."""
    recs = [project.recording(r) for r in rec_ids]
    config = project.split_config
    assign = dict(config.pop("assignments", {}))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    items = []
    for rec in recs:
        folder = _fresh_folder(project.path / TRASH_DIR, f"{stamp}-{rec.id}")
        keys = {rec.id} | {s.id for s in rec.segments}
        moved = {k: assign.pop(k) for k in sorted(keys) if k in assign}
        entry = dict(_entries(project).get(rec.id, {}))
        entry["segments"] = [s.to_json() for s in rec.segments]
        item = TrashItem(rec.id, folder, entry, moved)
        folder.mkdir(parents=True)
        (folder / MANIFEST).write_text(json.dumps({"id": rec.id, "entry": entry, "assignments": moved},
                                                  indent=1) + "\n", encoding="utf-8")
        os.replace(rec.path, folder / rec.path.name)
        _forget(project, rec.id)
        items.append(item)
    project.set_split(config, assign)
    _commit(project)
    return items


def _fresh_folder(parent: Path, name: str) -> Path:
    path, i = parent / name, 1
    while path.exists():
        path, i = parent / f"{name}-{i}", i + 1
    return path


def read_trash_item(folder: Path) -> TrashItem:
    folder = Path(folder)
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return TrashItem(str(m["id"]), folder, dict(m.get("entry", {})), dict(m.get("assignments", {})))
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetError(f"{folder}: not a trashed recording ({MANIFEST} unreadable: {exc})") from exc


def list_trash(project) -> list[TrashItem]:
    """Trashed recordings, oldest first."""
    trash = project.path / TRASH_DIR
    return [read_trash_item(f) for f in sorted(trash.iterdir()) if (f / MANIFEST).exists()] if trash.is_dir() else []


def untrash(project, items: list[TrashItem]) -> list[str]:
    """Put trashed recordings back with their labels and split; returns their ids."""
    for item in items:
        if (project.recordings_dir / f"{item.id}.h5").exists() or item.id in {r.id for r in project.recordings()}:
            raise DatasetError(f"cannot restore {item.id!r}: a recording with that name exists again; "
                               f"rename it first (the trashed copy stays in {item.folder})")
    config = project.split_config
    assign = dict(config.pop("assignments", {}))
    restored = []
    for item in items:
        source = item.folder / f"{item.id}.h5"
        if not source.exists():
            raise DatasetError(f"{source}: the trashed recording file is gone; nothing to restore")
        target = project.recordings_dir / source.name
        os.replace(source, target)
        project.add_recording(target)
        segments = [Segment.from_json(d) for d in item.entry.get("segments", [])]
        _entries(project)[item.id] = dict(item.entry)
        project.set_segments(item.id, segments)
        assign.update(item.assignments)
        (item.folder / MANIFEST).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # something else was put there: leave it
            item.folder.rmdir()
        restored.append(item.id)
    project.set_split(config, assign)
    _commit(project)
    return restored


def set_recording_split(project, rec_ids: list[str], split: str | None) -> dict[str, str | None]:
    """Put whole recordings in ``train`` or ``test`` (``None``: out of the split).

    Returns the previous assignments of every key it touched (recording and segment ids;
    ``None`` = absent), which :func:`restore_assignments` puts back for an undo."""
    if split is not None and split not in SPLITS:
        raise DatasetError(f"split {split!r}: use 'train' or 'test'")
    config = project.split_config
    assign = dict(config.pop("assignments", {}))
    before: dict[str, str | None] = {}
    for rid in rec_ids:
        rec = project.recording(rid)
        for key in [rid] + [s.id for s in rec.segments]:
            before[key] = assign.pop(key, None)
        if split is not None:
            assign[rid] = split
    if split is not None and not config.get("by"):
        config["by"] = "recording"
    config["edited"] = True  # the split is no longer exactly what make_split computed
    project.set_split(config, assign)
    _commit(project)
    return before


def restore_assignments(project, before: dict[str, str | None]) -> None:
    config = project.split_config
    assign = dict(config.pop("assignments", {}))
    for key, value in before.items():
        if value is None:
            assign.pop(key, None)
        else:
            assign[key] = value
    project.set_split(config, assign)
    _commit(project)
