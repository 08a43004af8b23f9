"""Export a project's labeled segments: CSV, WAV, NumPy windows, Edge Impulse JSON.

Layout: one folder per class (``OUT/<label slug>/...``), which is exactly what ``import``
reads back with the folder name as the label, so export then import preserves samples
bit for bit and every label (CSV, WAV and Edge Impulse JSON hold the stored raw values;
EI JSON holds physical values when a recording has a non-unit scale, as EI expects).
Camera recordings export to npz only.

Folder and file names are slugs (:mod:`tinystudio.dataset.names`): a label, recording id
or segment id from a project file never becomes a path as it is. The labels' text goes in
a manifest beside the folders (``import`` reads it), and in the npz ``classes`` array.
Every exporter only *plans* its files; :class:`~tinystudio.dataset.outputs.OutputPlan`
checks the whole plan (inside ``--out``, nothing overwritten without ``force``) before it
writes anything, and writes each file atomically.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinystudio.dataset.importers.csv_text import IMU_CAPTURE_HEADER, IMU_CAPTURE_RATE
from tinystudio.dataset.importers.wav import write_wav
from tinystudio.dataset.names import LABEL_MANIFEST, label_manifest_text, slug, unique_slugs
from tinystudio.dataset.outputs import OutputPlan
from tinystudio.errors import DatasetError

DATA_FORMATS = ("csv", "wav", "npz", "ei-json")


@dataclass
class ExportResult:
    files: int = 0
    segments: int = 0
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"files": self.files, "segments": self.segments, "skipped": self.skipped}


def shortest_text(x: np.ndarray) -> np.ndarray:
    """Values as the shortest text that reads back to the same stored number."""
    if x.dtype.kind == "f":
        return x.astype(str)
    return x.astype(np.int64).astype(str)


def _text(fn, *args) -> Callable[[Path], None]:
    """A writer that makes its text only when written: a plan holds no sample data."""
    return lambda path: path.write_text(fn(*args), encoding="utf-8")


def _by_recording_and_label(project):
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for ls in project.labeled_segments():
        groups[(ls.recording.id, ls.label)].append(ls)
    return groups


@dataclass
class _Names:
    """Slugs of every label and recording id in one export (unique, case-insensitively)."""

    labels: dict[str, str]
    recs: dict[str, str]
    used: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, project) -> _Names:
        segs = project.labeled_segments()
        return cls(unique_slugs(ls.label for ls in segs), unique_slugs(ls.recording.id for ls in segs))

    def seg(self, ls) -> str:
        """``<recording slug>_<segment slug>``, unique within the export: segment ids come
        from the project file, where a hand edit can repeat one."""
        base = name = f"{self.recs[ls.recording.id]}_{slug(ls.id)}"
        n = 1
        while name.lower() in self.used:
            n += 1
            name = f"{base}-{n}"
        self.used.add(name.lower())
        return name


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: formula starts (= + - @ tab CR) get a
    leading apostrophe (OWASP's CSV-injection advice), and a comma, quote or line break
    makes it a quoted field, so a channel named '=HYPERLINK(...)' or 'a,b\nc' cannot
    run or break the header. Numbers are never passed through here."""
    text = str(text)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    if any(c in text for c in ',"\n\r'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _csv_text(rec, segs) -> str:
    imu_capture = rec.channel_names == IMU_CAPTURE_HEADER and rec.rate_hz == IMU_CAPTURE_RATE
    header = list(rec.channel_names) if imu_capture else ["timestamp_ms"] + list(rec.channel_names)
    lines = [",".join(csv_cell(h) for h in header)]
    for ls in segs:
        x = shortest_text(ls.read())
        cols = [x[:, i] for i in range(x.shape[1])]
        if not imu_capture:
            t = np.arange(ls.start, ls.end) * (1000.0 / rec.rate_hz)
            cols.insert(0, np.char.mod("%.6f", t))
        rows = np.stack(cols, axis=1)
        lines.extend(",".join(r) for r in rows)
        lines.append("")
    return "\n".join(lines) + "\n"


def plan_csv(project, plan: OutputPlan, result: ExportResult, names: _Names) -> None:
    for (rid, label), segs in sorted(_by_recording_and_label(project).items()):
        rec = segs[0].recording
        if rec.sensor_kind == "camera":
            result.skipped.append(f"{rid}: camera recordings export to npz only")
            continue
        plan.add(f"{names.labels[label]}/{names.recs[rid]}.csv", _text(_csv_text, rec, segs))
        result.files += 1
        result.segments += len(segs)


def plan_wav(project, plan: OutputPlan, result: ExportResult, names: _Names) -> None:
    for ls in project.labeled_segments():
        rec = ls.recording
        if rec.sensor_kind != "microphone":
            result.skipped.append(f"{rec.id}/{ls.id}: WAV export is for microphone recordings")
            continue
        bits = rec.attrs.get("wav_bits")

        def write(path: Path, ls=ls, rec=rec, bits=bits) -> None:
            write_wav(path, ls.read(), round(rec.rate_hz), int(bits) if bits is not None else None)

        plan.add(f"{names.labels[ls.label]}/{names.seg(ls)}.wav", write)
        result.files += 1
        result.segments += 1


def _ei_doc(rec, ls) -> str:
    if np.all(rec.scale == 1.0):
        x = ls.read()
        values = shortest_text(x).astype(np.float64 if x.dtype.kind == "f" else np.int64).tolist()
    else:
        values = shortest_text(ls.read_physical()).astype(np.float64).tolist()
    doc = {
        "protected": {"ver": "v1", "alg": "none", "iat": 0},
        "signature": "0" * 64,
        "payload": {
            "device_name": rec.attrs.get("board_id", "") or rec.id,
            "device_type": rec.attrs.get("board", "") or "TINYSTUDIO",
            "interval_ms": 1000.0 / rec.rate_hz,
            "sensors": [{"name": n, "units": u or "N/A"} for n, u in zip(rec.channel_names, rec.units, strict=True)],
            "values": values,
        },
    }
    return json.dumps(doc)


def plan_ei_json(project, plan: OutputPlan, result: ExportResult, names: _Names) -> None:
    for ls in project.labeled_segments():
        rec = ls.recording
        if rec.sensor_kind == "camera":
            result.skipped.append(f"{rec.id}/{ls.id}: camera recordings export to npz only")
            continue
        lab = names.labels[ls.label]
        # Edge Impulse names files <label>.<sample id>.json; the slug holds no dot.
        plan.add(f"{lab}/{lab}.{names.seg(ls)}.json", _text(_ei_doc, rec, ls))
        result.files += 1
        result.segments += 1


def plan_npz(project, plan: OutputPlan, result: ExportResult, names: _Names, window: int | None = None,
             stride: int | None = None) -> None:
    """One npz per sensor layout: x (n, window, channels) physical float32 (camera:
    (n, H, W, C) images), y class index,
    classes, split ('train'|'test'|''), recording id and start sample of each window."""
    if window is not None and window < 1 or stride is not None and stride < 1:
        raise DatasetError(f"--window {window} / --stride {stride}: both must be at least 1 sample")
    groups: dict[tuple, list] = defaultdict(list)
    for ls in project.labeled_segments():
        r = ls.recording
        groups[(r.sensor_kind, tuple(r.channel_names), r.rate_hz, r.shape[1:])].append(ls)
    classes = project.classes
    used: set[str] = set()
    for (kind, chans, rate, _), segs in groups.items():
        win = window or (1 if kind == "camera" else Counter(s.end - s.start for s in segs).most_common(1)[0][0])
        step = stride or win
        usable = [ls for ls in segs if ls.end - ls.start >= win]
        if len(usable) < len(segs):
            result.skipped.append(f"{kind}: {len(segs) - len(usable)} segments shorter than the {win}-sample window")
        if not usable:
            continue
        name = slug(f"{kind}_{len(chans)}ch_{rate:g}hz".replace(".", "_"))
        while name.lower() in used:  # two layouts with the same kind, width and rate
            name += "_2"
        used.add(name.lower())

        def write(path: Path, usable=usable, kind=kind, chans=chans, rate=rate, win=win, step=step) -> None:
            xs, ys, splits, recs, starts = [], [], [], [], []
            for ls in usable:
                data = ls.read() if kind == "camera" else ls.read_physical()
                for off in range(0, ls.end - ls.start - win + 1, step):
                    xs.append(data[off : off + win])
                    ys.append(classes.index(ls.label))
                    splits.append(ls.split or "")
                    recs.append(ls.recording.id)
                    starts.append(ls.start + off)
            x = np.stack(xs)
            # camera: one image per example, (n, H, W, C) uint8 as stored
            x = x[:, 0] if kind == "camera" and win == 1 else x.astype(np.float32)
            with open(path, "wb") as fh:
                np.savez_compressed(
                    fh, x=x, y=np.array(ys, np.int64), classes=np.array(classes),
                    split=np.array(splits), recording=np.array(recs), start=np.array(starts, np.int64),
                    rate_hz=np.float64(rate), channel_names=np.array(chans), window=np.int64(win))

        plan.add(f"{name}.npz", write)
        result.files += 1
        result.segments += sum(len(range(0, ls.end - ls.start - win + 1, step)) for ls in usable)


_PLANNERS = {"csv": plan_csv, "wav": plan_wav, "ei-json": plan_ei_json, "npz": plan_npz}


def plan_data_export(project, fmt: str, out, **kw) -> tuple[OutputPlan, ExportResult]:
    """Every file a data export would write (nothing is written)."""
    if fmt not in _PLANNERS:
        raise DatasetError(f"unknown data export format {fmt!r}; use one of {', '.join(DATA_FORMATS)}")
    if not project.labeled_segments():
        raise DatasetError(f"{project.path}: no labeled segments to export; label some first")
    plan = OutputPlan(Path(out))
    plan.check_root()
    result = ExportResult()
    names = _Names.of(project)
    _PLANNERS[fmt](project, plan, result, names, **kw)
    if fmt != "npz" and plan.files:
        used = {rel.parts[0] for rel, _ in plan.files}
        plan.add_text(LABEL_MANIFEST, label_manifest_text({t: s for t, s in names.labels.items() if s in used}))
    return plan, result


def would_overwrite(project, fmt: str, out, **kw) -> list[Path]:
    """Files an export to ``out`` would replace: the GUI asks before passing ``force``."""
    plan, _ = plan_data_export(project, fmt, out, **kw)
    return plan.existing()


def export_data(project, fmt: str, out, progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, force: bool = False, **kw) -> ExportResult:
    """Write the export; refuses (before writing anything) targets outside ``out`` and, unless
    ``force``, existing files. Never deletes anything."""
    plan, result = plan_data_export(project, fmt, out, **kw)
    plan.write(force=force, progress=progress, stop=stop)
    return result
