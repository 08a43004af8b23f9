"""CSV/text import: delimiter, header, timestamp and label columns detected.

Accepts what boards print: the Arduino IMU_Capture sketch (header ``aX,aY,aZ,gX,gY,gZ``,
gestures separated by a blank line, 119 Hz), serial-plotter style lines, Edge Impulse
CSV (``timestamp`` column in ms). Blank-line blocks become segments. Every error names
the file, the line and the column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinystudio.dataset.importers.common import Parsed, rate_from_timestamps, read_text
from tinystudio.dataset.recording import RecordingMeta
from tinystudio.errors import DatasetError

IMU_CAPTURE_HEADER = ["aX", "aY", "aZ", "gX", "gY", "gZ"]
IMU_CAPTURE_RATE = 119.0
IMU_CAPTURE_UNITS = ["g", "g", "g", "deg/s", "deg/s", "deg/s"]
_TIME_NAMES = {"timestamp": 1e-3, "time": 1e-3, "t": 1e-3, "ms": 1e-3, "millis": 1e-3, "time_ms": 1e-3,
               "timestamp_ms": 1e-3, "t_ms": 1e-3, "us": 1e-6, "micros": 1e-6, "time_us": 1e-6,
               "timestamp_us": 1e-6, "s": 1.0, "sec": 1.0, "seconds": 1.0, "time_s": 1.0, "timestamp_s": 1.0}
_DELIMS = [",", ";", "\t", " "]


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _split(line: str, delim: str) -> list[str]:
    if delim == " ":
        return line.split()
    return [t.strip() for t in line.split(delim)]


def detect_delimiter(lines: list[str]) -> str:
    sample = [ln for ln in lines if ln.strip()][:20]
    best, best_n = ",", 1
    for d in _DELIMS:
        counts = {len(_split(ln, d)) for ln in sample}
        if len(counts) == 1 and (n := counts.pop()) > best_n:
            best, best_n = d, n
    return best


def parse_csv(path: Path, label: str | None = None, rate: float | None = None) -> Parsed:
    path = Path(path)
    text = read_text(path)
    lines = text.splitlines()
    if not any(ln.strip() for ln in lines):
        raise DatasetError(f"{path}: file is empty (no data lines)")
    delim = detect_delimiter(lines)
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    tokens = _split(lines[first], delim)
    has_header = not all(_is_number(t) for t in tokens if t != "")
    header = tokens if has_header else [f"ch{i}" for i in range(len(tokens))]
    width = len(header)
    lower = [h.lower() for h in header]
    time_col = next((i for i, h in enumerate(lower) if h in _TIME_NAMES), None) if has_header else None
    label_col = lower.index("label") if has_header and "label" in lower else None
    data_cols = [i for i in range(width) if i not in (time_col, label_col)]
    if not data_cols:
        raise DatasetError(f"{path}: line {first + 1}: no data columns besides time/label")
    rows: list[list[float]] = []
    times: list[float] = []
    row_labels: list[str] = []
    blocks: list[tuple[int, int]] = []
    block_start = 0
    all_int = True
    for lineno, line in enumerate(lines[first + (1 if has_header else 0):], start=first + (2 if has_header else 1)):
        if not line.strip():
            if len(rows) > block_start:
                blocks.append((block_start, len(rows)))
            block_start = len(rows)
            continue
        toks = _split(line, delim)
        if len(toks) != width:
            raise DatasetError(f"{path}: line {lineno}: expected {width} values, found {len(toks)} "
                               f"(ragged row; delimiter {delim!r})")
        vals = []
        for i in data_cols:
            tok = toks[i]
            try:
                vals.append(float(tok))
            except ValueError:
                raise DatasetError(f"{path}: line {lineno}, column {i + 1} ({header[i]!r}): "
                                   f"{tok!r} is not a number") from None
            if all_int and not (tok.lstrip("+-").isdigit()):
                all_int = False
        if time_col is not None:
            try:
                times.append(float(toks[time_col]))
            except ValueError:
                raise DatasetError(f"{path}: line {lineno}, column {time_col + 1} ({header[time_col]!r}): "
                                   f"{toks[time_col]!r} is not a timestamp") from None
        if label_col is not None:
            row_labels.append(toks[label_col])
        rows.append(vals)
    if len(rows) > block_start:
        blocks.append((block_start, len(rows)))
    if not rows:
        raise DatasetError(f"{path}: file has a header but no data lines")
    arr = np.array(rows, dtype=np.float64)
    if all_int and np.all(np.abs(arr) < 2**15):
        samples = arr.astype("<i2")
    elif all_int and np.all(np.abs(arr) < 2**31):
        samples = arr.astype("<i4")
    else:
        samples = arr.astype("<f4")
    names = [header[i] for i in data_cols]
    imu_capture = names == IMU_CAPTURE_HEADER
    if rate is None and time_col is not None:
        unit = _TIME_NAMES[lower[time_col]]
        rate = rate_from_timestamps(np.array(times) * unit, blocks, path)
    if rate is None and imu_capture:
        rate = IMU_CAPTURE_RATE
    if rate is None:
        raise DatasetError(f"{path}: no timestamp column to take the sample rate from; pass --rate HZ")
    spans: list[tuple[int, int, str]] = []
    if label_col is not None and label is None:
        for b0, b1 in blocks:
            i = b0
            while i < b1:
                j = i
                while j < b1 and row_labels[j] == row_labels[i]:
                    j += 1
                if row_labels[i]:
                    spans.append((i, j, row_labels[i]))
                i = j
    elif label:
        spans = [(b0, b1, label) for b0, b1 in blocks]
    low = [n.lower() for n in names]
    looks_imu = imu_capture or any(n.startswith(("acc", "gyr", "ax", "ay", "az", "gx", "gy", "gz")) for n in low)
    meta = RecordingMeta(
        sensor_kind="imu" if looks_imu else "generic", channel_names=names,
        units=IMU_CAPTURE_UNITS if imu_capture else None, rate_hz=float(rate),
        sample_type=samples.dtype.newbyteorder("=").name, source=f"csv:{path.name}",
        board="Arduino Nano 33 BLE Sense (IMU_Capture)" if imu_capture else "")
    return Parsed(samples, meta, spans, path, path.stem)
