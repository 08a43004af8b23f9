"""Export a project's labeled segments: CSV, WAV, NumPy windows, Edge Impulse JSON.

Layout: one folder per class (``OUT/<label>/...``), which is exactly what ``import``
reads back with the folder name as the label, so export then import preserves samples
bit for bit and every label (CSV, WAV and Edge Impulse JSON hold the stored raw values;
EI JSON holds physical values when a recording has a non-unit scale, as EI expects).
Camera recordings export to npz only.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinystudio.dataset.importers.csv_text import IMU_CAPTURE_HEADER, IMU_CAPTURE_RATE
from tinystudio.dataset.importers.wav import write_wav
from tinystudio.errors import DatasetError

DATA_FORMATS = ("csv", "wav", "npz", "ei-json")


@dataclass
class ExportResult:
    files: int = 0
    segments: int = 0
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"files": self.files, "segments": self.segments, "skipped": self.skipped}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "_"


def shortest_text(x: np.ndarray) -> np.ndarray:
    """Values as the shortest text that reads back to the same stored number."""
    if x.dtype.kind == "f":
        return x.astype(str)
    return x.astype(np.int64).astype(str)


def _by_recording_and_label(project):
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for ls in project.labeled_segments():
        groups[(ls.recording.id, ls.label)].append(ls)
    return groups


def export_csv(project, out: Path, result: ExportResult, stop=None) -> None:
    for (rid, label), segs in sorted(_by_recording_and_label(project).items()):
        rec = segs[0].recording
        if rec.sensor_kind == "camera":
            result.skipped.append(f"{rid}: camera recordings export to npz only")
            continue
        imu_capture = rec.channel_names == IMU_CAPTURE_HEADER and rec.rate_hz == IMU_CAPTURE_RATE
        header = list(rec.channel_names) if imu_capture else ["timestamp_ms"] + list(rec.channel_names)
        lines = [",".join(header)]
        for ls in segs:
            x = shortest_text(ls.read())
            cols = [x[:, i] for i in range(x.shape[1])]
            if not imu_capture:
                t = np.arange(ls.start, ls.end) * (1000.0 / rec.rate_hz)
                cols.insert(0, np.char.mod("%.6f", t))
            rows = np.stack(cols, axis=1)
            lines.extend(",".join(r) for r in rows)
            lines.append("")
        folder = out / _safe(label)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{_safe(rid)}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        result.files += 1
        result.segments += len(segs)


def export_wav(project, out: Path, result: ExportResult, stop=None) -> None:
    for ls in project.labeled_segments():
        rec = ls.recording
        if rec.sensor_kind != "microphone":
            result.skipped.append(f"{rec.id}/{ls.id}: WAV export is for microphone recordings")
            continue
        bits = rec.attrs.get("wav_bits")
        folder = out / _safe(ls.label)
        folder.mkdir(parents=True, exist_ok=True)
        write_wav(folder / f"{_safe(rec.id)}_{ls.id}.wav", ls.read(), round(rec.rate_hz),
                  int(bits) if bits is not None else None)
        result.files += 1
        result.segments += 1


def export_ei_json(project, out: Path, result: ExportResult, stop=None) -> None:
    for ls in project.labeled_segments():
        rec = ls.recording
        if rec.sensor_kind == "camera":
            result.skipped.append(f"{rec.id}/{ls.id}: camera recordings export to npz only")
            continue
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
        folder = out / _safe(ls.label)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{_safe(ls.label)}.{_safe(rec.id)}_{ls.id}.json").write_text(json.dumps(doc), encoding="utf-8")
        result.files += 1
        result.segments += 1


def export_npz(project, out: Path, result: ExportResult, stop=None, window: int | None = None,
               stride: int | None = None) -> None:
    """One npz per sensor layout: x (n, window, channels) physical float32 (camera:
    (n, H, W, C) images), y class index,
    classes, split ('train'|'test'|''), recording id and start sample of each window."""
    groups: dict[tuple, list] = defaultdict(list)
    for ls in project.labeled_segments():
        r = ls.recording
        groups[(r.sensor_kind, tuple(r.channel_names), r.rate_hz, r.shape[1:])].append(ls)
    classes = project.classes
    for (kind, names, rate, _), segs in groups.items():
        win = window or (1 if kind == "camera" else Counter(s.end - s.start for s in segs).most_common(1)[0][0])
        step = stride or win
        xs, ys, splits, recs, starts = [], [], [], [], []
        short = 0
        for ls in segs:
            if ls.end - ls.start < win:
                short += 1
                continue
            data = ls.read() if kind == "camera" else ls.read_physical()
            for off in range(0, ls.end - ls.start - win + 1, step):
                xs.append(data[off : off + win])
                ys.append(classes.index(ls.label))
                splits.append(ls.split or "")
                recs.append(ls.recording.id)
                starts.append(ls.start + off)
        if short:
            result.skipped.append(f"{kind}: {short} segments shorter than the {win}-sample window")
        if not xs:
            continue
        name = f"{kind}_{len(names)}ch_{_safe(f'{rate:g}')}hz.npz"
        out.mkdir(parents=True, exist_ok=True)
        x = np.stack(xs)
        # camera: one image per example, (n, H, W, C) uint8 as stored
        x = x[:, 0] if kind == "camera" and win == 1 else x.astype(np.float32)
        np.savez_compressed(
            out / name, x=x, y=np.array(ys, np.int64), classes=np.array(classes),
            split=np.array(splits), recording=np.array(recs), start=np.array(starts, np.int64),
            rate_hz=np.float64(rate), channel_names=np.array(names), window=np.int64(win))
        result.files += 1
        result.segments += len({(r, s) for r, s in zip(recs, starts, strict=True)})


_EXPORTERS = {"csv": export_csv, "wav": export_wav, "ei-json": export_ei_json, "npz": export_npz}


def export_data(project, fmt: str, out, progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, **kw) -> ExportResult:
    if fmt not in _EXPORTERS:
        raise DatasetError(f"unknown data export format {fmt!r}; use one of {', '.join(DATA_FORMATS)}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out}: exists and is not a folder")
    if not project.labeled_segments():
        raise DatasetError(f"{project.path}: no labeled segments to export; label some first")
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    _EXPORTERS[fmt](project, out, result, stop, **kw)
    if progress:
        progress(1, 1)
    return result
