"""Shared pieces of the importers: the parsed-file record and small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinystudio.dataset.recording import RecordingMeta
from tinystudio.errors import DatasetError


@dataclass
class Parsed:
    """One file parsed in memory, not yet written: imports write nothing until every
    input parsed, so a bad file leaves the project unchanged."""

    samples: np.ndarray
    meta: RecordingMeta
    spans: list[tuple[int, int, str]]
    source: Path
    stem: str


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{path}: line {line} (byte offset {exc.start}): not UTF-8 text") from exc


def nice_rate(rate: float) -> float:
    """Snap a measured rate to an integer when it is within 10 ppm (timestamps printed
    with finite digits), else keep 6 significant digits."""
    r = round(rate)
    if r > 0 and abs(rate - r) <= 1e-5 * rate:
        return float(r)
    return float(f"{rate:.6g}")


def rate_from_timestamps(t_seconds: np.ndarray, blocks, path: Path) -> float:
    """Sample rate from per-row timestamps, robust to gaps between blocks."""
    diffs = []
    span = 0.0
    steps = 0
    for b0, b1 in blocks:
        d = np.diff(t_seconds[b0:b1])
        diffs.append(d)
    d = np.concatenate(diffs) if diffs else np.array([])
    if len(d) == 0:
        raise DatasetError(f"{path}: too few timestamped rows to measure the sample rate; pass --rate HZ")
    med = float(np.median(d))
    if med <= 0:
        raise DatasetError(f"{path}: timestamps do not increase; pass --rate HZ")
    for b0, b1 in blocks:
        if b1 - b0 >= 2:
            total = t_seconds[b1 - 1] - t_seconds[b0]
            if abs(total / (b1 - b0 - 1) - med) < 0.05 * med:  # no gap inside this block
                span += total
                steps += b1 - b0 - 1
    period = span / steps if steps else med
    return nice_rate(1.0 / period)
