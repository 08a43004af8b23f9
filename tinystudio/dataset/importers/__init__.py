"""Import files into a project: parse everything first, then write.

A bad file anywhere in the list raises DatasetError (naming file and line or offset)
before anything is written, so a failed import leaves the project, or its absence,
unchanged. Directories are walked; a file inside a sub-folder of a given directory takes
the sub-folder's name as its label unless ``--label`` is given (one folder per class).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinystudio.dataset.importers.common import Parsed
from tinystudio.dataset.importers.csv_text import parse_csv
from tinystudio.dataset.importers.others import (
    IMAGE_SUFFIXES,
    parse_ei_json,
    parse_images,
    parse_wav,
)
from tinystudio.dataset.names import check_label, read_label_manifest
from tinystudio.dataset.recording import Recording, rewrite_recording, write_recording
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError

TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".log"}


@dataclass
class ImportResult:
    recordings: int = 0
    segments: int = 0
    samples: int = 0
    ids: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"recordings": self.recordings, "segments": self.segments, "samples": self.samples}


def _collect(paths) -> list[tuple[Path, str | None]]:
    """(file, folder label) pairs; folder label is the class sub-folder of a given dir."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            texts = read_label_manifest(p)  # an export's labels, by their text
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    rel = f.relative_to(p)
                    folder = rel.parts[0] if len(rel.parts) > 1 else None
                    out.append((f, check_label(texts.get(folder, folder), str(p / folder)) if folder else None))
        elif p.exists():
            out.append((p, None))
        else:
            raise DatasetError(f"{p}: no such file or folder")
    return out


def _parse_h5(path: Path, label: str | None) -> Parsed:
    rec = Recording(path)  # validates format and schema version; errors name the file
    return Parsed(None, None, [(s.start, s.end, label or s.label) for s in rec.segments], path, path.stem)


def parse_paths(paths, label: str | None = None, rate: float | None = None,
                progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None) -> list[Parsed]:
    if label is not None:
        check_label(label, "--label")
    files = _collect(paths)
    parsed: list[Parsed] = []
    images: dict[str, list[Path]] = {}
    for i, (f, folder) in enumerate(files):
        if stop is not None and stop.is_set():
            raise DatasetError("import cancelled; nothing was written")
        lab = label or folder
        suffix = f.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            parsed.append(parse_csv(f, lab, rate))
        elif suffix == ".wav":
            parsed.append(parse_wav(f, lab, rate))
        elif suffix == ".json":
            parsed.append(parse_ei_json(f, lab, rate))
        elif suffix in (".h5", ".hdf5"):
            parsed.append(_parse_h5(f, label))
        elif suffix in IMAGE_SUFFIXES:
            if not lab:
                raise DatasetError(f"{f}: images need a label: put them in one sub-folder per class or pass --label")
            images.setdefault(lab, []).append(f)
        else:
            raise DatasetError(f"{f}: unknown file type {suffix or '(none)'}; "
                               "import .csv/.txt, .wav, .json (Edge Impulse), .h5, .png/.jpg")
        if progress:
            progress(i + 1, len(files))
    for lab, imgs in images.items():
        parsed.extend(parse_images(imgs, lab, lab))
    if not parsed:
        raise DatasetError(f"nothing to import in {', '.join(map(str, paths))}")
    for p in parsed:  # labels from file names, CSV columns and .h5 files, before any write
        for _, _, lab in p.spans:
            if lab:
                check_label(lab, str(p.source))
    return parsed


def import_paths(project_path, paths, label: str | None = None, rate: float | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 stop: threading.Event | None = None) -> ImportResult:
    """Import files into the project at ``project_path`` (created if missing)."""
    from tinystudio.dataset.project import Project

    project_path = Path(project_path)
    existing = (project_path / "project.json").exists()
    project = Project.open(project_path) if existing else None
    parsed = parse_paths(paths, label, rate, progress, stop)
    if project is None:
        project = Project.create(project_path)
    written: list[Path] = []
    result = ImportResult()
    try:
        for p in parsed:
            rid, path = project.new_recording_path(p.stem)
            if p.samples is None:  # a TinyStudio recording: copy it in with its segments
                segs = [Segment.new(s, e, lab) for s, e, lab in p.spans]
                rewrite_recording(path, segments=segs, source=p.source)
            else:
                segs = [Segment.new(s, e, lab) for s, e, lab in p.spans]
                write_recording(path, p.samples, p.meta, segs)
            written.append(path)
            rec = project.add_recording(path)
            result.recordings += 1
            result.segments += len(rec.segments)
            result.samples += rec.n_samples
        project.save()
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    result.ids = tuple(p.stem for p in written)
    return result
