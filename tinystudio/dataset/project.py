"""A project is a folder: ``project.json`` plus ``recordings/*.h5`` (docs/dataset-format.md).

The JSON file is the authority for labels: it is small and always replaced atomically
(temp file, fsync, rename), so a crash leaves the old or the new labels, never a mix. Every
change is a read-modify-write of the latest file under the project lock
(:mod:`projectfile`), so commands running at the same time never undo each other.
Each recording file carries a copy of its segments so it stays self-describing when
shared alone; copies are refreshed by rewriting the file into a fresh one and renaming,
never by editing in place. On open, a copy that disagrees with the JSON is refreshed, and a
file the JSON does not know yet (a crash before the JSON was saved, or a file dropped
into the folder) is adopted with the segments it carries. A recording that cannot be read
or breaks the schema is set aside (quarantined) with its labels kept in the JSON, and
every other recording keeps working.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from tinystudio.dataset import index, schema
from tinystudio.dataset.names import check_label
from tinystudio.dataset.projectfile import (
    atomic_write_text,
    copy_data,
    file_signature,
    merge,
    project_lock,
    read_project_file,
)
from tinystudio.dataset.recording import Recording, read_file_segments, rewrite_recording
from tinystudio.dataset.segments import LabeledSegment, Segment
from tinystudio.errors import DatasetError

__all__ = ["Project", "atomic_write_text"]


def _safe_stem(text: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "recording"
    return stem[:60]


def _dump(data: dict, cache: dict | None = None) -> str:
    """The project file's text: one line per top-level field and per recording, each line
    compact. Readable and diffable (a label edit changes one line), and written by the C
    JSON encoder (``indent`` falls back to the pure-Python one: 2.4 s at 10,000 recordings).

    ``cache`` (id -> (entry, line)) keeps each recording's line while its entry is the same
    object: entries are never changed in place (see ``copy_data``), so a label edit encodes
    one line, not 10,000 (0.13 s of every save at 10,000 recordings)."""
    import json

    one = json.JSONEncoder(separators=(", ", ": "), ensure_ascii=False, allow_nan=False).encode

    def line(rid: str, entry) -> str:
        hit = cache.get(rid) if cache is not None else None
        if hit is not None and hit[0] is entry:
            return hit[1]
        text = f"  {one(rid)}: {one(entry)}"
        if cache is not None:
            cache[rid] = (entry, text)
        return text

    lines = []
    for key, value in data.items():
        if key == "recordings" and isinstance(value, dict) and value:
            body = ",\n".join(line(rid, entry) for rid, entry in value.items())
            if cache is not None and len(cache) > 2 * len(value):
                for rid in cache.keys() - value.keys():
                    del cache[rid]
            lines.append(f" {one(key)}: {{\n{body}\n }}")
        else:
            lines.append(f" {one(key)}: {one(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


@dataclass
class DiskState:
    """The project file as another process left it, and its new recordings, opened."""

    data: dict
    signature: tuple | None
    opened: dict = field(default_factory=dict)


#: What a project holds at its top level: none may be a link (a symlinked recordings/ or
#: damaged/ made the studio move and write files outside the project).
CONFINED_ENTRIES = (schema.PROJECT_FILE, "recordings", "damaged", "models", ".project.lock")


def confine_project(path: Path) -> None:
    from tinystudio.dataset.safe_open import inside

    for entry in CONFINED_ENTRIES:
        inside(path, Path(path) / entry, entry)


class Project:
    def __init__(self, path: Path, data: dict) -> None:
        self.path = Path(path)
        self._data = data
        #: The project file as this object last read or wrote it: the base of the merge.
        self._base = copy_data(data)
        self._signature: tuple | None = None
        #: True when an edit removed a label somewhere: :attr:`classes` prunes first.
        self._classes_stale = True
        self.settings: dict = data.setdefault("settings", {})
        self._recordings: dict[str, Recording] = {}
        self._dirty: set[str] = set()
        #: One line per file repaired, adopted, moved aside or set aside when the project
        #: was opened (reported once by the commands).
        self.repairs: list[str] = []
        #: Recordings listed in the project file that are not usable: id -> reason. Their
        #: labels stay in the project file; everything else works without them.
        self.quarantined: dict[str, str] = {}
        #: Headers to write into the project index (id -> (signature, header)), what the
        #: index said about labels/split per id, and whether it lists files that are gone.
        self._index_pending: dict[str, tuple] = {}
        self._index_summaries: dict[str, tuple] = {}
        self._index_stale = False
        #: id -> (project-file entry, segments list) last applied to the recording, so a
        #: merge re-reads only the entries that changed (see loading.refresh).
        self._entries_seen: dict[str, tuple] = {}
        #: Recordings whose label/split summary may have changed (None: all of them) and
        #: the split assignments the index summaries were computed with.
        self._summary_rids: set[str] | None = None
        self._index_assign: dict | None = None
        #: Each recording's encoded project-file line while its entry is unchanged (_dump).
        self._lines: dict[str, tuple] = {}

    # ------------------------------------------------------------------ opening
    @property
    def json_path(self) -> Path:
        return self.path / schema.PROJECT_FILE

    @property
    def recordings_dir(self) -> Path:
        return self.path / schema.RECORDINGS_DIR

    @classmethod
    def create(cls, path, name: str | None = None, task: str | None = None) -> Project:
        path = Path(path)
        if task is not None and task not in schema.TASKS:
            raise DatasetError(f"task {task!r} is unknown; use one of {', '.join(schema.TASKS)}")
        if (path / schema.PROJECT_FILE).exists():
            raise DatasetError(f"{path}: a project already exists here; open it instead")
        if path.exists() and not path.is_dir():
            raise DatasetError(f"{path}: exists and is not a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / schema.RECORDINGS_DIR).mkdir(exist_ok=True)
            (path / schema.MODELS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise DatasetError(f"{path}: cannot create the project folder ({exc.strerror or exc})") from exc
        data = {
            "format": schema.PROJECT_FORMAT,
            "schema_version": schema.SCHEMA_VERSION,
            "name": name or path.resolve().name,
            "classes": [],
            "settings": {},
            "split": {},
            "recordings": {},
        }
        if task and task != schema.DEFAULT_TASK:
            data["task"] = task
        project = cls(path, data)
        with project_lock(path):
            if project.json_path.exists():  # another process created it meanwhile
                return cls.open(path)
            atomic_write_text(project.json_path, _dump(data), project._note_own_write)
            project._signature = file_signature(project.json_path)
        return project

    @classmethod
    def open(cls, path) -> Project:
        path = Path(path)
        jpath = path / schema.PROJECT_FILE
        if not path.is_dir() and path.exists():
            raise DatasetError(f"{path}: is a file, not a project folder")
        confine_project(path)
        sig = file_signature(jpath)
        project = cls(path, read_project_file(jpath))
        project._signature = sig
        for c in project._data.get("classes", []):
            check_label(c.get("name") if isinstance(c, dict) else c, str(jpath))
        project._load_recordings()
        return project

    @classmethod
    def open_or_create(cls, path) -> Project:
        path = Path(path)
        return cls.open(path) if (path / schema.PROJECT_FILE).exists() else cls.create(path)

    def _load_recordings(self) -> None:
        """Scan recordings/: repair, quarantine and adopt as needed (see the module doc)."""
        from tinystudio.dataset import loading

        changed = loading.load(self)
        if changed or self._dirty:
            try:
                self.save()
            except DatasetError as exc:  # a read-only or full disk: still usable for reading
                self.repairs.append(f"could not record the repairs in {schema.PROJECT_FILE}: {exc}")
        if self._index_pending or self._index_stale or self._summaries_changed():
            with contextlib.suppress(DatasetError), project_lock(self.path):
                self._flush_index(full=True)

    # -------------------------------------------------------------------- index
    def _summaries_changed(self) -> dict[str, tuple]:
        """Label/split summaries that differ from the index's, computed only for the
        recordings that may have changed (all of them when the split did)."""
        assign = self._data["split"].get("assignments", {})
        rids = self._summary_rids
        if rids is None or assign != self._index_assign:
            rids = set(self._recordings)
        else:  # and those the index has no summary of yet (added, renamed)
            rids = rids | (self._recordings.keys() - self._index_summaries.keys())
        out = {}
        for rid in rids:
            rec = self._recordings.get(rid)
            if rec is not None:
                v = index.summary_of(rec.segments, assign, rid)
                if self._index_summaries.get(rid) != v:
                    out[rid] = v
        return out

    def _note_summary(self, rid: str) -> None:
        if self._summary_rids is not None:
            self._summary_rids.add(rid)

    def _flush_index(self, full: bool = False) -> None:
        """Write queued headers and changed label/split summaries into the index (under
        the project lock). ``full``: also drop entries of recordings no longer here."""
        pending, self._index_pending = self._index_pending, {}
        # Only entries that still describe the file: another process may have replaced it
        # since it was read here (every replacing writer holds the lock held now).
        fresh = [(rid, *v) for rid, v in pending.items() if index.signature(self._file_for(rid)) == v[0]]
        if not index.write(self.path, fresh, prune=self.recordings_dir if full else None):
            return
        self._index_stale = self._index_stale and not full
        if self.changed_on_disk():
            return  # labels saved by another process since this one read them: it wrote them
        changed = self._summaries_changed()
        if index.write_summaries(self.path, changed):
            self._index_summaries.update(changed)
            self._summary_rids = set()
            self._index_assign = dict(self._data["split"].get("assignments", {}))

    # ----------------------------------------------------- changes by other processes
    def _note_own_write(self, tmp: Path) -> None:
        from tinystudio.dataset import own_writes

        own_writes.note(self.json_path, file_signature(tmp))

    def changed_on_disk(self) -> bool:
        """True when another process (or another Project object) saved the project file
        since this one last read or wrote it. One ``stat``: cheap enough for a GUI timer."""
        return file_signature(self.json_path) != self._signature

    def read_disk_state(self) -> DiskState | None:
        """What others saved, read from disk without changing this object (None: nothing
        new). Only file reads: a window runs it on a worker, then :meth:`reload` with the
        result on its own thread."""
        sig = file_signature(self.json_path)
        if sig == self._signature:
            return None
        from tinystudio.dataset import loading

        latest = read_project_file(self.json_path)
        return DiskState(latest, sig, loading.open_new_recordings(self, latest.get("recordings", {})))

    def reload(self, state: DiskState | None = None) -> bool:
        """Bring in what others saved, keeping this object's unsaved changes on top (the
        same merge as :meth:`save`). New recordings appear, labels and the split follow the
        file. ``state`` is a :meth:`read_disk_state` made earlier (read now if omitted).
        Returns True if anything was read."""
        state = state if state is not None else self.read_disk_state()
        if state is None or file_signature(self.json_path) != state.signature:
            return False  # nothing new, or saved again since it was read: read anew later
        self._adopt(merge(self._base, self._data, state.data), state.data, state.signature, state.opened)
        return True

    def _adopt(self, data: dict, base: dict, signature: tuple | None, opened: dict | None = None) -> None:
        """Make ``data`` this object's state and ``base`` the disk state it derives from."""
        settings = data.get("settings", {})
        self.settings.clear()
        self.settings.update(settings)
        data["settings"] = self.settings
        self._data = data
        self._base = copy_data(base)
        self._signature = signature
        self._classes_stale = True
        from tinystudio.dataset import loading

        loading.refresh(self, opened)

    # --------------------------------------------------------------------- task
    @property
    def task(self) -> str:
        """classification (the default), anomaly or regression: what the labels mean."""
        return str(self._data.get("task", schema.DEFAULT_TASK))

    def set_task(self, task: str) -> None:
        if task not in schema.TASKS:
            raise DatasetError(f"task {task!r} is unknown; use one of {', '.join(schema.TASKS)}")
        self._data["task"] = task

    # ------------------------------------------------------------------ classes
    # A class exists while a segment uses it. One that lost its last segment (relabeled,
    # undone, deleted, or left by another project's class box) is dropped, so no page, table
    # or project file lists a class with nothing in it; a file that has one loses it at the
    # next save. Pruning is lazy (one pass after the edits that removed a label), so a bulk
    # edit of 10,000 recordings costs one pass, not one per recording.
    def _used_labels(self) -> set[str]:
        """Labels of every segment in the project file (quarantined recordings' too)."""
        return {d.get("label") for e in self._data["recordings"].values() for d in e.get("segments", ())}

    def _prune_classes(self) -> None:
        self._classes_stale = False
        used = self._used_labels()
        self._data["classes"] = [c for c in self._data["classes"] if c["name"] in used]

    @property
    def classes(self) -> list[str]:
        if self._classes_stale:
            self._prune_classes()
        return [c["name"] for c in self._data["classes"]]

    @property
    def class_colors(self) -> dict[str, str]:
        if self._classes_stale:
            self._prune_classes()
        return {c["name"]: c["color"] for c in self._data["classes"]}

    def _ensure_class(self, name: str, color: str | None = None) -> None:
        if name and all(c["name"] != name for c in self._data["classes"]):
            check_label(name, str(self.json_path))
            n = len(self._data["classes"])
            self._data["classes"].append(
                {"name": name, "color": color or schema.DEFAULT_COLORS[n % len(schema.DEFAULT_COLORS)]})

    def add_class(self, name: str, color: str | None = None) -> None:
        """Offer a class (with its colour) before any segment uses it. Like every class it
        is saved only once a segment uses it."""
        self._ensure_class(name, color)

    def set_class_color(self, name: str, color: str) -> None:
        for c in self._data["classes"]:
            if c["name"] == name:
                c["color"] = color

    # --------------------------------------------------------------- recordings
    def _file_for(self, rec_id: str) -> Path:
        return self.recordings_dir / f"{rec_id}.h5"

    def recordings(self) -> list[Recording]:
        return list(self._recordings.values())

    def recording(self, rec_id: str) -> Recording:
        try:
            return self._recordings[rec_id]
        except KeyError:
            raise DatasetError(f"{self.path}: no recording {rec_id!r}") from None

    def new_recording_path(self, stem: str) -> tuple[str, Path]:
        """A fresh recording id and file name under recordings/ (not created)."""
        base = _safe_stem(stem)
        self.recordings_dir.mkdir(exist_ok=True)
        i = 0
        while True:
            rid = base if i == 0 else f"{base}-{i}"
            path = self._file_for(rid)
            if (rid not in self._recordings and rid not in self._data["recordings"]
                    and not path.exists() and not Path(str(path) + ".lock").exists()):
                return rid, path
            i += 1

    def add_recording(self, path: Path) -> Recording:
        """Register a complete recording file (written by a Recorder or an importer)."""
        from tinystudio.dataset import loading

        rec = loading.open_indexed(self, Path(path))
        self._recordings[rec.id] = rec
        self._data["recordings"][rec.id] = {"segments": [s.to_json() for s in rec.segments]}
        for s in rec.segments:
            self._ensure_class(s.label)
        return rec

    def mark_quarantined(self, rec_id: str, reason: str) -> None:
        """Set a recording aside (its file was moved to damaged/); its labels stay in the
        project file with the reason, so it is reported once, not at every open."""
        from tinystudio.dataset import loading

        self._recordings.pop(rec_id, None)
        loading._quarantine_entry(self, rec_id, reason)

    # ----------------------------------------------------------------- segments
    def segments(self, rec_id: str) -> list[Segment]:
        return list(self.recording(rec_id).segments)

    def set_segments(self, rec_id: str, segments: list[Segment]) -> None:
        """Replace a recording's segments (the primitive behind every label operation)."""
        rec = self.recording(rec_id)
        if {s.label for s in rec.segments} - {s.label for s in segments}:
            self._classes_stale = True  # a label left this recording: maybe the project
        for s in segments:
            if not (0 <= s.start < s.end <= rec.n_samples):
                raise DatasetError(f"{rec_id}: segment {s.start}..{s.end} is outside 0..{rec.n_samples}")
            if not s.label:
                raise DatasetError(f"{rec_id}: segment {s.start}..{s.end} has no label")
        rec.segments = sorted(segments, key=lambda s: (s.start, s.end, s.id))
        self._note_summary(rec_id)
        self._data["recordings"][rec_id] = {"segments": [s.to_json() for s in rec.segments]}
        for s in rec.segments:
            self._ensure_class(s.label)
        self._dirty.add(rec_id)

    def labeled_segments(self, split: str | None = None) -> list[LabeledSegment]:
        assign = self._data["split"].get("assignments", {})
        out = []
        for rec in self._recordings.values():
            for s in rec.segments:
                sp = assign.get(s.id, assign.get(rec.id))
                if split is None or sp == split:
                    out.append(LabeledSegment(rec, s, sp))
        return out

    # ------------------------------------------------------------------- splits
    @property
    def split_config(self) -> dict:
        return dict(self._data["split"])

    def set_split(self, config: dict, assignments: dict[str, str]) -> None:
        self._data["split"] = {**config, "assignments": dict(assignments)}

    # --------------------------------------------------------------------- save
    def save(self, sync_recordings: bool = True) -> None:
        """Merge this object's changes into the latest project file and write it atomically
        (under the project lock), then refresh the label copies inside changed files.

        The JSON alone is enough for safety (it is the authority; copies that lag are
        refreshed on the next open), so an editor may save with ``sync_recordings=False``
        after every edit and call :meth:`sync_recordings` when idle: refreshing a copy
        rewrites the whole recording file, which takes a while for an hour of audio."""
        self._data["settings"] = self.settings
        self._prune_classes()
        with project_lock(self.path):
            # Unchanged since this object read or wrote it (every writer holds this lock
            # and replaces the file, so the signature moves): the base is the file, and
            # re-reading and re-checking 10,000 entries (0.4 s) buys nothing.
            unchanged = self._signature is not None and file_signature(self.json_path) == self._signature
            latest = self._base if unchanged else read_project_file(self.json_path)
            merged = merge(self._base, self._data, latest)
            used = {d.get("label") for e in merged["recordings"].values() for d in e.get("segments", ())}
            merged["classes"] = [c for c in merged["classes"] if c["name"] in used]
            if merged != latest:
                atomic_write_text(self.json_path, _dump(merged, self._lines), self._note_own_write)
            self._adopt(merged, merged, file_signature(self.json_path))
            if sync_recordings:
                self._sync_locked()
            self._flush_index()

    def prepare_for_edits(self) -> None:
        """Encode every recording's project-file line now, so the first save of an editor
        encodes only what changed (a window calls this on the worker that opens the project,
        not on the GUI thread; commands that save once do not need it)."""
        _dump(self._data, self._lines)

    @property
    def unsynced_recordings(self) -> list[str]:
        return sorted(self._dirty)

    def sync_recordings(self) -> None:
        """Refresh the segment copies inside recording files whose labels changed."""
        self.save(sync_recordings=True)

    def _sync_locked(self) -> None:
        for rid in sorted(self._dirty):
            rec = self._recordings.get(rid)
            if rec is not None:
                rec.file_segments = read_file_segments(rec.path)  # another process may have synced it
            if rec is not None and rec.segments != rec.file_segments:
                try:
                    rewrite_recording(rec.path, segments=rec.segments)
                except DatasetError as exc:
                    self.repairs.append(f"{rid}.h5: label copy not refreshed ({exc}); the labels are "
                                        f"safe in {schema.PROJECT_FILE} and the copy is refreshed at "
                                        "the next open")
                    continue
                rec.file_segments = list(rec.segments)
                st = index.stamp(rec.path)
                if st is not None:
                    self._index_pending[rid] = (*st, rec.header())
            self._dirty.discard(rid)

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r}, {len(self._recordings)} recordings, classes={self.classes})"
