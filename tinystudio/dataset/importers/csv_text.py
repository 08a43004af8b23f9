"""CSV/text import on the shared reader (:mod:`tinystudio.devices.text_table`).

The reader finds the dialect, header, units, time and label columns; this module turns
the table into a recording: numbers checked (NaN/Inf refused with their positions unless
``--nonfinite drop|interpolate``; integers beyond 32 bits and floats beyond float32 are
errors, never a wrap), sample rate and timing quality from the timestamps, segments from
a label column or from blank-line blocks (the Arduino IMU_Capture sketch: header
``aX,aY,aZ,gX,gY,gZ``, 119 samples per gesture, 119 Hz).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from tinystudio.dataset.importers.common import Parsed, read_text
from tinystudio.dataset.recording import RecordingMeta
from tinystudio.devices.text_table import Table, TableError, measure_timing, read_table
from tinystudio.devices.units import guess_units, looks_imu
from tinystudio.errors import DatasetError

IMU_CAPTURE_HEADER = ["aX", "aY", "aZ", "gX", "gY", "gZ"]
IMU_CAPTURE_RATE = 119.0
IMU_CAPTURE_UNITS = ["g", "g", "g", "deg/s", "deg/s", "deg/s"]
NONFINITE_POLICIES = ("error", "drop", "interpolate")
_F32_MAX = float(np.finfo(np.float32).max)
#: Column names that count rows rather than measure anything.
_COUNTER_NAME = re.compile(r"^(count|counter|cnt|index|idx|num|sample|sample_?(no|nr|num|index|id)|"
                           r"seq|sequence|seq_?no|frame|frame_?(no|id)|row|line|id|packet|pkt)$", re.I)
#: Metadata comment keys that state the sample rate (``# data_rate = 2000.0 Hz``).
_RATE_KEY = re.compile(r"^(data[ _]?rate|sample[ _]?rate|sampling[ _]?(rate|frequency|freq)|rate|"
                       r"frequency|freq|fs|odr|output[ _]data[ _]rate)$", re.I)
_RATE_VALUE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?)\s*(hz|khz|sps|samples/s)?\s*$", re.I)
#: A rate in a file name, as loggers name their files (``running_01_26Hz_4g_mg.csv``,
#: ``log-100hz.csv``): a number glued to Hz/kHz between separators.
_RATE_IN_NAME = re.compile(r"(?:^|[_\-. ])([0-9]+(?:\.[0-9]+)?)(hz|khz)(?=$|[_\-. ])", re.I)


def rate_from_metadata(meta: dict[str, str]) -> tuple[float, str] | None:
    """``(rate in Hz, key)`` from a comment line that states it, else None."""
    for key, value in meta.items():
        if _RATE_KEY.match(key.strip()):
            m = _RATE_VALUE.match(value)
            if m:
                rate = float(m.group(1)) * (1000.0 if (m.group(2) or "").lower() == "khz" else 1.0)
                if rate > 0:
                    return rate, key
    return None


def rate_from_name(path: Path) -> float | None:
    """The rate a file name states (``..._26Hz_...``), else None; several different rates
    in one name say nothing, so they give None too."""
    found = {float(m.group(1)) * (1000.0 if m.group(2).lower() == "khz" else 1.0)
             for m in _RATE_IN_NAME.finditer(path.stem)}
    return found.pop() if len(found) == 1 and min(found) > 0 else None


def counter_columns(table: Table, keep: tuple[str, ...] = ()) -> list[int]:
    """Columns that are row counters, not signals: integer columns named like one
    (``count``, ``index``, ``seq``...), or, in a file without a header, integers rising by
    exactly 1 every row (inside each block). A named column (``x``) that ramps is data.
    ``keep`` (``--keep-columns``) names columns to keep whatever they look like."""
    out = []
    for c, name in enumerate(table.names):
        if name in keep:
            continue
        col = table.values[:, c]
        named = bool(_COUNTER_NAME.match(name.strip()))
        steps = [np.diff(col[b0:b1]) for b0, b1 in (table.blocks or [(0, len(col))]) if b1 - b0 > 1]
        rising = (not table.header and table.integer[c] and len(col) >= 8 and bool(steps)
                  and all(np.all(d == 1) for d in steps))
        if (named and table.integer[c]) or rising:
            out.append(c)
    return out


def _where(table: Table, r: int, c: int) -> str:
    return f"line {int(table.lines[r])}, column {table.names[c]!r}"


def _check_ranges(path: Path, table: Table) -> None:
    """Integers that do not fit 32 bits, floats that float32 would make infinite: errors."""
    v = table.values
    for c, is_int in enumerate(table.integer):
        col = v[:, c]
        limit = 2**31 if is_int else _F32_MAX
        over = np.flatnonzero(np.isfinite(col) & (np.abs(col) >= limit))
        if len(over):
            r = int(over[0])
            kind = "does not fit a 32-bit integer" if is_int else "is beyond float32 range (it would become inf)"
            raise DatasetError(f"{path}: {_where(table, r, c)}: {col[r]:.17g} {kind}; "
                               f"{len(over)} such value(s); scale the column down before importing")


def _apply_nonfinite(path: Path, table: Table, policy: str, notes: list[str]) -> np.ndarray:
    """Row mask of rows to keep; NaN/Inf cells interpolated in place if asked."""
    keep = np.ones(len(table.values), dtype=bool)
    if not table.nonfinite:
        return keep
    shown = "; ".join(f"line {ln}, column {name!r}: {tok!r}" for ln, name, tok in table.nonfinite[:5])
    more = f" and {len(table.nonfinite) - 5} more" if len(table.nonfinite) > 5 else ""
    if policy == "error":
        raise DatasetError(f"{path}: {len(table.nonfinite)} cell(s) are missing or not finite ({shown}{more}); "
                           "fix the file, or pass --nonfinite drop (remove those rows) or "
                           "--nonfinite interpolate (fill from neighbours)")
    bad = ~np.isfinite(table.values)
    if policy == "drop":
        keep = ~bad.any(axis=1)
        if not keep.any():
            raise DatasetError(f"{path}: every row holds a missing or non-finite cell; nothing left to import")
        notes.append(f"dropped {int((~keep).sum())} row(s) with missing or non-finite cells ({shown}{more})")
        return keep
    idx = np.arange(len(table.values))
    for c in range(table.values.shape[1]):
        b = bad[:, c]
        if b.all():
            raise DatasetError(f"{path}: column {table.names[c]!r} has no finite value to interpolate from")
        if b.any():
            table.values[b, c] = np.interp(idx[b], idx[~b], table.values[~b, c])
    table.integer = [i and not bad[:, c].any() for c, i in enumerate(table.integer)]
    notes.append(f"interpolated {int(bad.sum())} missing or non-finite cell(s) ({shown}{more})")
    return keep


def _remap_blocks(blocks, keep: np.ndarray) -> list[tuple[int, int]]:
    new_index = np.cumsum(keep) - 1
    out = []
    for b0, b1 in blocks:
        kept = np.flatnonzero(keep[b0:b1])
        if len(kept):
            out.append((int(new_index[b0 + kept[0]]), int(new_index[b0 + kept[-1]]) + 1))
    return out


def _dtype_for(values: np.ndarray, integer: list[bool]) -> str:
    if all(integer) and len(values):
        peak = float(np.max(np.abs(values)))
        return "<i2" if peak < 2**15 else "<i4"
    return "<f4"


def _drop_columns(path: Path, table: Table, keep: tuple[str, ...], notes: list[str]) -> None:
    drop = counter_columns(table, keep)
    if not drop:
        return
    if len(drop) == len(table.names):
        raise DatasetError(f"{path}: every data column ({', '.join(table.names)}) looks like a row counter; "
                           f"pass --keep-columns {','.join(table.names)} to import them as data")
    names = [table.names[c] for c in drop]
    notes.append(f"column(s) {', '.join(map(repr, names))} count rows, not a signal: left out "
                 f"(--keep-columns {','.join(names)} keeps them)")
    cols = [c for c in range(len(table.names)) if c not in drop]
    table.values = table.values[:, cols]
    table.names = [table.names[c] for c in cols]
    table.units = [table.units[c] for c in cols]
    table.integer = [table.integer[c] for c in cols]
    table.decimals = [table.decimals[c] for c in cols]
    table.nonfinite = [x for x in table.nonfinite if x[1] not in names]


#: The longest first line a sensor CSV may have: 4096 columns of up to 256 characters.
#: Checked on the file's head before it is read, so one endless line costs nothing.
MAX_FIRST_LINE_BYTES = 1024 * 1024


def check_first_line(path: Path) -> None:
    """Refuse a text file whose first line is longer than any sensor table's."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(MAX_FIRST_LINE_BYTES + 1)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(head) > MAX_FIRST_LINE_BYTES and b"\n" not in head and b"\r" not in head:
        raise DatasetError(f"{path}: its first line is longer than {MAX_FIRST_LINE_BYTES // 1024 ** 2} MB "
                           "with no line break; a sensor CSV has one row of values per line")


def parse_csv(path: Path, label: str | None = None, rate: float | None = None,
              nonfinite: str = "error", keep_columns: tuple[str, ...] = ()) -> Parsed:
    path = Path(path)
    check_first_line(path)
    try:
        table = read_table(read_text(path), str(path))
    except TableError as exc:
        raise DatasetError(str(exc)) from None
    notes = list(table.skipped)
    _drop_columns(path, table, tuple(keep_columns), notes)
    _check_ranges(path, table)
    keep = _apply_nonfinite(path, table, nonfinite, notes)
    every = bool(keep.all())  # no copy of a file's worth of values when nothing is dropped
    values = table.values if every else table.values[keep]
    times = table.time if every or table.time is None else table.time[keep]
    labels = [lab for lab, k in zip(table.labels, keep, strict=True) if k] if table.labels is not None else None
    blocks = table.blocks if every else _remap_blocks(table.blocks, keep)
    samples = values.astype(_dtype_for(values, table.integer))
    names = table.names
    imu_capture = names == IMU_CAPTURE_HEADER
    timing = measure_timing(times) if times is not None else None
    stated = rate_from_metadata(table.metadata)
    if rate is None and stated is not None:
        rate = stated[0]
        notes.append(f"sample rate {rate:g} Hz from the comment line '{stated[1]}'")
        if timing is not None and abs(timing.rate_hz - rate) > 0.02 * rate:
            notes.append(f"its timestamps measure {timing.rate_hz:g} Hz; the stated rate is used "
                         "(--rate overrides)")
    if rate is None and timing is not None:
        rate = timing.rate_hz
    if rate is None and imu_capture:
        rate = IMU_CAPTURE_RATE
    if rate is None and (named := rate_from_name(path)) is not None:
        rate = named
        notes.append(f"sample rate {rate:g} Hz from the file name '{path.name}' (--rate overrides)")
    if rate is None:
        raise DatasetError(f"{path}: no timestamp column, rate comment or rate in the file name "
                           "(like '_26Hz_') to take the sample rate from; pass --rate HZ")
    spans: list[tuple[int, int, str]] = []
    if labels is not None and label is None:
        for b0, b1 in blocks:
            i = b0
            while i < b1:
                j = i
                while j < b1 and labels[j] == labels[i]:
                    j += 1
                if labels[i]:
                    spans.append((i, j, labels[i]))
                i = j
    elif label:
        spans = [(b0, b1, label) for b0, b1 in blocks]
    units = IMU_CAPTURE_UNITS if imu_capture else guess_units(names, table.units)
    extra: dict = {"text_dialect": table.dialect.describe()}
    if table.time is not None:
        extra.update({"time_column": table.time_name, "time_unit": table.time_unit,
                      "time_column_found_by": table.time_found})
    if timing is not None:
        extra.update({"timing_median_interval_s": timing.median_interval_s, "timing_jitter_s": timing.jitter_s,
                      "timing_gaps": timing.gaps, "timing_gap_seconds": timing.gap_seconds,
                      "duration_s": timing.duration_s})
    if table.metadata:
        extra["text_metadata"] = json.dumps(table.metadata)
    if notes:
        extra["import_notes"] = json.dumps(notes)
    meta = RecordingMeta(
        sensor_kind="imu" if imu_capture or looks_imu(names, units) else "generic", channel_names=names,
        units=units, rate_hz=float(rate), sample_type=samples.dtype.newbyteorder("=").name,
        source=f"csv:{path.name}", board="Arduino Nano 33 BLE Sense (IMU_Capture)" if imu_capture else "",
        extra=extra)
    parsed = Parsed(samples, meta, spans, path, path.stem)
    parsed.times = times
    parsed.timing = timing
    parsed.notes = notes
    parsed.blocks = list(blocks)
    return parsed
