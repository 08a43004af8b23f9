"""A project is a folder: ``project.json`` plus ``recordings/*.h5`` (docs/dataset-format.md).

The JSON file is the authority for labels: it is small and always replaced atomically
(temp file, fsync, rename), so a crash leaves the old or the new labels, never a mix.
Each recording file carries a copy of its segments so it stays self-describing when
shared alone; copies are refreshed by rewriting the file into a fresh one and renaming,
never by editing in place. On open, a copy that disagrees with the JSON is refreshed, and a
file the JSON does not know yet (a crash before the JSON was saved, or a file dropped
into the folder) is adopted with the segments it carries.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path

from tinystudio.dataset import repair as _repair
from tinystudio.dataset import schema
from tinystudio.dataset.names import check_label
from tinystudio.dataset.recording import Recording, rewrite_recording
from tinystudio.dataset.segments import LabeledSegment, Segment
from tinystudio.errors import DatasetError


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _safe_stem(text: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "recording"
    return stem[:60]


class Project:
    def __init__(self, path: Path, data: dict) -> None:
        self.path = Path(path)
        self._data = data
        self.settings: dict = data.setdefault("settings", {})
        self._recordings: dict[str, Recording] = {}
        self._dirty: set[str] = set()
        #: One line per file repaired, adopted or moved aside when the project was opened.
        self.repairs: list[str] = []

    # ------------------------------------------------------------------ opening
    @property
    def json_path(self) -> Path:
        return self.path / schema.PROJECT_FILE

    @property
    def recordings_dir(self) -> Path:
        return self.path / schema.RECORDINGS_DIR

    @classmethod
    def create(cls, path, name: str | None = None) -> Project:
        path = Path(path)
        if (path / schema.PROJECT_FILE).exists():
            raise DatasetError(f"{path}: a project already exists here; open it instead")
        if path.exists() and not path.is_dir():
            raise DatasetError(f"{path}: exists and is not a folder")
        path.mkdir(parents=True, exist_ok=True)
        (path / schema.RECORDINGS_DIR).mkdir(exist_ok=True)
        (path / schema.MODELS_DIR).mkdir(exist_ok=True)
        data = {
            "format": schema.PROJECT_FORMAT,
            "schema_version": schema.SCHEMA_VERSION,
            "name": name or path.resolve().name,
            "classes": [],
            "settings": {},
            "split": {},
            "recordings": {},
        }
        project = cls(path, data)
        project.save()
        return project

    @classmethod
    def open(cls, path) -> Project:
        path = Path(path)
        jpath = path / schema.PROJECT_FILE
        if not jpath.exists():
            raise DatasetError(f"{path}: no TinyStudio project here ({schema.PROJECT_FILE} missing); "
                               "create one with `tinystudio import` or `tinystudio record`")
        try:
            data = json.loads(jpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DatasetError(f"{jpath}: project file is not valid JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != schema.PROJECT_FORMAT:
            raise DatasetError(f"{jpath}: not a TinyStudio project file")
        if int(data.get("schema_version", 0)) > schema.SCHEMA_VERSION:
            raise DatasetError(f"{jpath}: project uses schema version {data['schema_version']}, this "
                               f"TinyStudio reads up to {schema.SCHEMA_VERSION}; update TinyStudio")
        for key, default in (("classes", []), ("split", {}), ("recordings", {})):
            data.setdefault(key, default)
        for c in data["classes"] if isinstance(data["classes"], list) else []:
            check_label(c.get("name") if isinstance(c, dict) else c, str(jpath))
        project = cls(path, data)
        project._load_recordings()
        return project

    @classmethod
    def open_or_create(cls, path) -> Project:
        path = Path(path)
        return cls.open(path) if (path / schema.PROJECT_FILE).exists() else cls.create(path)

    def _load_recordings(self) -> None:
        self.recordings_dir.mkdir(exist_ok=True)
        entries: dict = self._data["recordings"]
        changed = False
        for lock in self.recordings_dir.glob("*.h5.lock"):
            h5 = lock.with_suffix("")
            if not h5.exists() and not _repair.is_being_recorded(h5):
                lock.unlink(missing_ok=True)  # a recorder died before creating its file
        for tmp in self.recordings_dir.glob("*.h5.tmp"):
            # A copy interrupted by a crash before its rename; the original is intact. One
            # that is young or whose recorder is alive may still be written: leave it.
            if _repair.is_being_recorded(tmp.with_suffix("")) or time.time() - tmp.stat().st_mtime < 60:
                continue
            self.repairs.append(_repair.quarantine(tmp, self.path, "unfinished copy left by a crash"))
        for file in sorted(self.recordings_dir.glob("*.h5")):
            if _repair.is_being_recorded(file):
                continue
            if _repair.needs_repair(file):
                self.repairs.append(_repair.repair(file, self.path))
                changed = True
                if not file.exists():
                    continue
            try:
                rec = Recording(file)
            except DatasetError as exc:
                if "schema version" in str(exc):
                    raise  # a newer TinyStudio's file: leave it alone, say so
                self.repairs.append(_repair.quarantine(file, self.path, str(exc).split(": ", 1)[-1]))
                changed = True
                continue
            if rec.id in entries:
                segs = [Segment.from_json(d) for d in entries[rec.id].get("segments", [])]
                rec.segments = segs
                if segs != rec.file_segments:
                    self._dirty.add(rec.id)
            else:
                entries[rec.id] = {"segments": [s.to_json() for s in rec.file_segments]}
                self.repairs.append(f"{file.name}: adopted with {len(rec.file_segments)} segments")
                changed = True
            self._recordings[rec.id] = rec
            for s in rec.segments:
                self._ensure_class(s.label)
        for rid in list(entries):
            if rid not in self._recordings and not _repair.is_being_recorded(self._file_for(rid)):
                self.repairs.append(f"{rid}.h5 is missing; its labels are kept in {schema.PROJECT_FILE}")
        if changed or self._dirty:
            self.save()

    # ------------------------------------------------------------------ classes
    @property
    def classes(self) -> list[str]:
        return [c["name"] for c in self._data["classes"]]

    @property
    def class_colors(self) -> dict[str, str]:
        return {c["name"]: c["color"] for c in self._data["classes"]}

    def _ensure_class(self, name: str, color: str | None = None) -> None:
        if name and name not in self.classes:
            check_label(name, str(self.json_path))
            n = len(self._data["classes"])
            self._data["classes"].append(
                {"name": name, "color": color or schema.DEFAULT_COLORS[n % len(schema.DEFAULT_COLORS)]})

    def add_class(self, name: str, color: str | None = None) -> None:
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
        rec = Recording(path)
        self._recordings[rec.id] = rec
        self._data["recordings"][rec.id] = {"segments": [s.to_json() for s in rec.segments]}
        for s in rec.segments:
            self._ensure_class(s.label)
        return rec

    # ----------------------------------------------------------------- segments
    def segments(self, rec_id: str) -> list[Segment]:
        return list(self.recording(rec_id).segments)

    def set_segments(self, rec_id: str, segments: list[Segment]) -> None:
        """Replace a recording's segments (the primitive behind every label operation)."""
        rec = self.recording(rec_id)
        for s in segments:
            if not (0 <= s.start < s.end <= rec.n_samples):
                raise DatasetError(f"{rec_id}: segment {s.start}..{s.end} is outside 0..{rec.n_samples}")
            if not s.label:
                raise DatasetError(f"{rec_id}: segment {s.start}..{s.end} has no label")
        rec.segments = sorted(segments, key=lambda s: (s.start, s.end, s.id))
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
        """Write the JSON atomically, then refresh the label copies inside changed files.

        The JSON alone is enough for safety (it is the authority; copies that lag are
        refreshed on the next open), so an editor may save with ``sync_recordings=False``
        after every edit and call :meth:`sync_recordings` when idle: refreshing a copy
        rewrites the whole recording file, which takes a while for an hour of audio."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._data["settings"] = self.settings
        atomic_write_text(self.json_path, json.dumps(self._data, indent=1, sort_keys=False) + "\n")
        if sync_recordings:
            self.sync_recordings()

    @property
    def unsynced_recordings(self) -> list[str]:
        return sorted(self._dirty)

    def sync_recordings(self) -> None:
        """Refresh the segment copies inside recording files whose labels changed."""
        for rid in sorted(self._dirty):
            rec = self._recordings.get(rid)
            if rec is not None and rec.segments != rec.file_segments:
                rewrite_recording(rec.path, segments=rec.segments)
                rec.file_segments = list(rec.segments)
            self._dirty.discard(rid)

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r}, {len(self._recordings)} recordings, classes={self.classes})"
