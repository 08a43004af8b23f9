"""Shared pieces of the importers: the parsed-file record and small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinystudio.dataset.recording import RecordingMeta
from tinystudio.devices.text_table import nice_rate  # noqa: F401 (record imports it from here)
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
    #: Per-sample timestamps in seconds (text files with a time column), for --gaps.
    times: np.ndarray | None = None
    #: Timing quality measured from ``times`` (tinystudio.devices.text_table.Timing).
    timing: object | None = None
    #: What the import report should say about this file (skipped lines, dropped rows...).
    notes: list[str] = field(default_factory=list)
    #: "train"/"test" when the source says so (Edge Impulse category, train/ test/ folders).
    split: str | None = None
    #: Blank-line blocks of a text file (row ranges), for readers that keep them apart.
    blocks: list[tuple[int, int]] = field(default_factory=list)


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
