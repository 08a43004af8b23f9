"""Import files into a project: parse everything first, then write.

A bad file anywhere in the list raises DatasetError (naming file and line or offset)
before anything is written, so a failed import leaves the project, or its absence,
unchanged. Folders are walked by :mod:`.folders` (Edge Impulse exports, train/ test/
roots, one sub-folder per class; README and other non-data files skipped and listed);
a split the source states (Edge Impulse's category, train/ and test/ folders) becomes the
project's split for the imported recordings.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tinystudio.dataset.importers.common import Parsed
from tinystudio.dataset.importers.csv_text import NONFINITE_POLICIES, parse_csv
from tinystudio.dataset.importers.folders import IMAGE_SUFFIXES, TEXT_SUFFIXES, Candidate, walk
from tinystudio.dataset.importers.gaps import GAP_MODES, apply_gaps
from tinystudio.dataset.importers.others import parse_ei_json, parse_images, parse_wav
from tinystudio.dataset.importers.report import conflict_warnings, label_warnings, multi_label_spans
from tinystudio.dataset.importers.sensor import SensorDeclaration
from tinystudio.dataset.names import check_label
from tinystudio.dataset.recording import Recording, rewrite_recording, write_recording
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError


@dataclass
class ImportResult:
    recordings: int = 0
    segments: int = 0
    samples: int = 0
    ids: tuple[str, ...] = ()
    #: One entry per recording written: file, id, label, split, rate, units, timing, notes.
    imported: list[dict] = field(default_factory=list)
    #: Files not imported, with the reason (README, hidden, unknown type...).
    skipped: list[dict] = field(default_factory=list)
    #: label -> {"train": n, "test": n, "unassigned": n} recordings.
    classes: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Recordings per split the source stated ("train", "test", "unassigned").
    split: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"recordings": self.recordings, "segments": self.segments, "samples": self.samples,
                "split": self.split, "classes": self.classes, "skipped": self.skipped,
                "warnings": self.warnings, "imported": self.imported}


def _parse_h5(path: Path, label: str | None) -> Parsed:
    rec = Recording(path)  # validates format and schema version; errors name the file
    return Parsed(None, None, [(s.start, s.end, label or s.label) for s in rec.segments], path, path.stem)


def _parse_one(c: Candidate, rate, nonfinite: str, keep_columns: tuple[str, ...] = ()) -> Parsed:
    f, lab = c.path, c.label
    suffix = f.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        p = parse_csv(f, lab, rate, nonfinite, keep_columns)
    elif suffix == ".wav":
        p = parse_wav(f, lab, rate)
    elif suffix == ".json":
        p = parse_ei_json(f, lab, rate, keep_unlabeled=c.label_from == "info.labels")
    elif suffix in (".h5", ".hdf5"):
        return _parse_h5(f, lab)
    else:
        raise DatasetError(f"{f}: unknown file type {suffix or '(none)'}; "
                           "import .csv/.txt, .wav, .json (Edge Impulse), .h5, .png/.jpg")
    p.split = c.split
    if c.attrs and p.meta is not None:
        p.meta.extra.update(c.attrs)
    if c.attrs.get("ei_multi_label") and not p.spans and p.samples is not None:
        p.spans, why = multi_label_spans(c.attrs["ei_multi_label"], len(p.samples))
        if why:
            p.notes.append(why)
    return p


def _parse_naming_the_file(c: Candidate, rate, nonfinite: str, keep_columns: tuple[str, ...]) -> Parsed:
    """:func:`_parse_one`, with the file's full path in every error that does not name it
    yet (a refusal deep in a reader, e.g. a channel name, knows only the short source)."""
    try:
        return _parse_one(c, rate, nonfinite, keep_columns)
    except DatasetError as exc:
        if type(exc) is not DatasetError or str(c.path) in str(exc):
            raise  # subclasses carry meaning their callers match on; keep them as they are
        raise DatasetError(f"{c.path}: {exc}") from exc


def parse_paths(paths, label: str | None = None, rate: float | None = None,
                progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, gaps: str = "keep",
                nonfinite: str = "error", skipped: list | None = None,
                sensor: SensorDeclaration | None = None) -> list[Parsed]:
    if gaps not in GAP_MODES:
        raise DatasetError(f"--gaps {gaps!r}: choose {', '.join(GAP_MODES)}")
    if nonfinite not in NONFINITE_POLICIES:
        raise DatasetError(f"--nonfinite {nonfinite!r}: choose {', '.join(NONFINITE_POLICIES)}")
    if label is not None:
        check_label(label, "--label")
    w = walk(paths, label)
    if skipped is not None:
        skipped.extend(w.skipped)
    parsed: list[Parsed] = []
    images: dict[tuple[str, str | None], list[Candidate]] = {}
    for i, c in enumerate(w.files):
        if stop is not None and stop.is_set():
            raise DatasetError("import cancelled; nothing was written")
        if c.path.suffix.lower() in IMAGE_SUFFIXES:
            if not c.label:
                raise DatasetError(f"{c.path}: images need a label: put them in one sub-folder per class "
                                   "or pass --label")
            images.setdefault((c.label, c.split), []).append(c)
        else:
            parsed.append(_parse_naming_the_file(c, rate, nonfinite, sensor.keep_columns if sensor else ()))
        if progress:
            progress(i + 1, len(w.files))
    for (lab, split), cands in images.items():
        stem = f"{lab}-{split}" if split else lab
        for p in parse_images([c.path for c in cands], lab, stem, {c.path: c.attrs for c in cands}):
            p.split = split
            parsed.append(p)
    if not parsed:
        listed = f" (skipped: {', '.join(s['path'] for s in w.skipped[:5])})" if w.skipped else ""
        raise DatasetError(f"nothing to import in {', '.join(map(str, paths))}{listed}")
    for p in parsed:  # labels from file names, CSV columns and .h5 files, before any write
        for _, _, lab in p.spans:
            if lab:
                check_label(lab, str(p.source))
    if sensor is not None:
        for p in parsed:
            sensor.apply(p)
    return apply_gaps(parsed, gaps)


def keep_imported_split(project, assignments: dict[str, str]) -> None:
    """Store the split a source stated (recording id -> train/test) as the project's split.

    Merged into the project's current assignments, so importing more data keeps an
    earlier split; a project without a split gets one ``by: recording`` marked as coming
    from the import (``make_split`` replaces it if asked)."""
    if not assignments:
        return
    config = project.split_config
    current = dict(config.pop("assignments", {}))
    if not current:
        config = {"by": "recording", "source": "import"}
    current.update(assignments)
    project.set_split(config, current)


def _summarize(result: ImportResult, parsed_written: list[tuple[Parsed, str]]) -> None:
    for p, rid in parsed_written:
        labels = sorted({lab for _, _, lab in p.spans})
        entry = {"file": str(p.source), "recording": rid, "labels": labels, "split": p.split,
                 "samples": 0 if p.samples is None else len(p.samples)}
        if p.meta is not None:
            entry.update({"rate_hz": p.meta.rate_hz, "channels": p.meta.channel_names, "units": p.meta.units})
        if p.timing is not None:
            entry["timing"] = p.timing.to_json()
        if p.notes:
            entry["notes"] = p.notes
        result.imported.append(entry)
        for lab in labels:
            c = result.classes.setdefault(lab, {"train": 0, "test": 0, "unassigned": 0})
            c[p.split or "unassigned"] += 1
    result.split = {k: sum(1 for p, _ in parsed_written if (p.split or "unassigned") == k)
                    for k in ("train", "test", "unassigned")}
    with_split = any(c["train"] or c["test"] for c in result.classes.values())
    for lab, c in sorted(result.classes.items()):
        if with_split and c["train"] == 0:
            result.warnings.append(f"label {lab!r} has no training data ({c['test']} test recording(s) only)")
    result.warnings.extend(label_warnings([p for p, _ in parsed_written]))
    result.warnings.extend(conflict_warnings([p for p, _ in parsed_written]))
    for p, _ in parsed_written:
        if p.timing is not None and p.timing.gaps:
            result.warnings.append(
                f"{p.source.name}: {p.timing.gaps} gap(s) in its timestamps, {p.timing.gap_seconds:.3f} s in all "
                f"(median interval {p.timing.median_interval_s * 1000:.3g} ms); use --gaps split or resample")


def import_paths(project_path, paths, label: str | None = None, rate: float | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 stop: threading.Event | None = None, gaps: str = "keep",
                 nonfinite: str = "error", sensor: SensorDeclaration | None = None) -> ImportResult:
    """Import files into the project at ``project_path`` (created if missing)."""
    from tinystudio.dataset.project import Project

    project_path = Path(project_path)
    existing = (project_path / "project.json").exists()
    project = Project.open(project_path) if existing else None
    result = ImportResult()
    parsed = parse_paths(paths, label, rate, progress, stop, gaps, nonfinite, result.skipped, sensor)
    if project is None:
        project = Project.create(project_path)
    written: list[Path] = []
    done: list[tuple[Parsed, str]] = []
    try:
        for p in parsed:
            rid, path = project.new_recording_path(p.stem)
            segs = [Segment.new(s, e, lab) for s, e, lab in p.spans]
            if p.samples is None:  # a TinyStudio recording: copy it in with its segments
                rewrite_recording(path, segments=segs, source=p.source)
            else:
                write_recording(path, p.samples, p.meta, segs)
            written.append(path)
            rec = project.add_recording(path)
            done.append((p, rec.id))
            result.recordings += 1
            result.segments += len(rec.segments)
            result.samples += rec.n_samples
        keep_imported_split(project, {rid: p.split for p, rid in done if p.split})
        project.save()
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    result.ids = tuple(p.stem for p in written)
    _summarize(result, done)
    return result
