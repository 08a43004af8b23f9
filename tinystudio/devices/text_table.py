"""One reader for tabular text, so the same bytes give the same channels everywhere.

`import`, `sim --replay` and the live text mode (:mod:`text_stream`) all read what
people's tools write: phyphox exports (``"Time (s)","Acceleration x (m/s^2)"``, also with
semicolons and decimal commas), data loggers (a ``millis`` or epoch column, ``#``
metadata lines), Arduino's IMU_Capture (blank line between gestures), Serial Monitor
pastes (first line cut), spreadsheets (RFC 4180 quoting, `` , `` separators). The pieces
here are shared: :func:`detect_dialect`, :func:`split_fields`, :func:`parse_name`,
:func:`time_scale`, :func:`looks_like_clock`; :func:`read_table` puts them
together for whole files. Qt-free and dependency-light: the live path calls
:func:`split_fields` per line.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from tinystudio.errors import TinyStudioError

#: Seconds per unit of a time column, by its (lower-case) name; None: infer from values.
TIME_NAMES: dict[str, float | None] = {
    "time": None, "timestamp": None, "t": None, "elapsed": None, "elapsed time": None,
    "time_ms": 1e-3, "timestamp_ms": 1e-3, "t_ms": 1e-3, "ms": 1e-3, "millis": 1e-3, "milliseconds": 1e-3,
    "time_us": 1e-6, "timestamp_us": 1e-6, "t_us": 1e-6, "us": 1e-6, "micros": 1e-6, "microseconds": 1e-6,
    "time_s": 1.0, "timestamp_s": 1.0, "t_s": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0,
    "epoch": None, "unix": None, "unix time": None, "unixtime": None,
}
#: Seconds per unit of a time unit written in a header: ``Time (s)``, ``t [ms]``.
TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3,
              "millis": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "micros": 1e-6, "ns": 1e-9}
LABEL_NAMES = ("label", "class")
#: Cells that mean "no value" (spreadsheets, pandas, loggers): non-finite, like NaN.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-nan"})
DELIMITERS = ("\t", ";", ",", " ")
_UNIT = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]*?)\s*[\)\]]$")
_INTEGERS = re.compile(r"(?:[-+]?\d+\n)+")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d*,\d+([eE][-+]?\d+)?$")
#: Most lines a file may have before its header (a title, a cut line).
MAX_PREAMBLE = 5
#: Most columns a file may have: a recording holds at most 4096 channels (dataset/validate).
MAX_TABLE_COLUMNS = 4096


class TableError(TinyStudioError):
    """A text table that cannot be read; the message names the line and column."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    decimal_comma: bool = False
    quoted: bool = False
    #: Every line ends with the delimiter (``Serial.print(x); Serial.print(",")``).
    trailing: bool = False

    def describe(self) -> str:
        names = {"\t": "tab", ";": "semicolon", ",": "comma", " ": "space"}
        return names[self.delimiter] + (", decimal comma" if self.decimal_comma else "") + (
            ", quoted" if self.quoted else "")


def split_fields(line: str, dialect: Dialect) -> list[str]:
    """Tokens of one line (stripped, quotes removed): ``a , b``, ``"1,5";"2"`` and ``1 2``."""
    d = dialect.delimiter
    if dialect.trailing and line.endswith(d):
        line = line[:-1].rstrip()
    if dialect.quoted and '"' in line:
        row = next(csv.reader([line], delimiter=d, skipinitialspace=True), [])
        toks = [t.strip() for t in row]
        return [t for t in toks if t] if d == " " else toks
    if d == " ":
        return line.split()
    return [t.strip() for t in line.split(d)]


def to_float(tok: str, dialect: Dialect) -> float:
    """A number as written (decimal comma too); ValueError if not one."""
    if dialect.decimal_comma:
        tok = tok.replace(",", ".")
    return float(tok)


def _count(line: str, d: str) -> int:
    if d == " ":
        return len(line.split())
    if '"' in line:
        return len(next(csv.reader([line], delimiter=d, skipinitialspace=True), []))
    return line.count(d) + 1


def _numeric_fields(line: str, dialect: Dialect) -> bool:
    toks = split_fields(line, dialect)
    if len(toks) < 2:
        return False
    try:
        for t in toks:
            to_float(t, dialect)
    except ValueError:
        return False
    return True


def detect_dialect(lines: list[str]) -> Dialect:
    """Delimiter, decimal comma and quoting from sample lines (no blank/comment lines).

    The delimiter (tab, semicolon, comma, space) that turns the most lines into two or
    more numbers wins (numbers with a comma between digits count for the non-comma
    delimiters: the phyphox and European spreadsheet export); with no numeric line yet
    (a header alone, ``name:value`` plotter lines), the first that splits most lines into
    the same number of fields. Boot messages and cut lines among the samples do not sway
    it."""
    sample = [ln.strip() for ln in lines if ln.strip()][:60]
    quoted = any('"' in ln for ln in sample)
    best, best_score = Dialect(), 0
    for d in DELIMITERS:
        dc = d != "," and any(_DECIMAL_COMMA.match(t) for ln in sample for t in split_fields(ln, Dialect(d)))
        trailing = d != " " and bool(sample) and all(ln.endswith(d) for ln in sample)
        cand = Dialect(d, dc, quoted, trailing)
        score = sum(_numeric_fields(ln, cand) for ln in sample)
        if score > best_score:
            best, best_score = cand, score
    if best_score:
        return best
    for d in DELIMITERS:
        counts = Counter(_count(ln, d) for ln in sample)
        if counts:
            width, freq = counts.most_common(1)[0]
            if width > 1 and freq >= 0.8 * len(sample):
                return Dialect(d, False, quoted, d != " " and all(ln.endswith(d) for ln in sample))
    return Dialect(",", False, quoted)


def parse_name(token: str) -> tuple[str, str]:
    """``Acceleration x (m/s^2)`` -> (``Acceleration x``, ``m/s^2``); units in () or []."""
    token = token.strip().strip('"').strip()
    m = _UNIT.match(token)
    if m and m.group(1):
        return m.group(1).strip(), m.group(2)
    return token, ""


def label_index(header: list[str]) -> int | None:
    """Index of a ``label``/``class`` column in a header, if any."""
    return next((j for j, t in enumerate(header) if parse_name(t)[0].lower() in LABEL_NAMES), None)


def is_number(tok: str, dialect: Dialect) -> bool:
    try:
        to_float(tok, dialect)
        return True
    except ValueError:
        return tok.lower() in MISSING and tok != ""


def time_scale(name: str, unit: str) -> tuple[bool, float | None]:
    """(is a time column, seconds per unit or None to infer) from a header name and unit."""
    key = name.strip().lower()
    key_ = key.replace(" ", "_")
    if key not in TIME_NAMES and key_ not in TIME_NAMES:
        return False, None
    if unit.strip().lower() in TIME_UNITS:
        return True, TIME_UNITS[unit.strip().lower()]
    return True, TIME_NAMES.get(key, TIME_NAMES.get(key_))


def infer_time_unit(values: np.ndarray, integers: bool) -> tuple[float, str]:
    """Seconds per unit of an unlabelled time column: epoch by magnitude (s/ms/us/ns since
    1970), else integers are milliseconds (``millis()``), fractions with sub-unit steps are
    seconds."""
    v0 = abs(float(values[0])) if len(values) else 0.0
    for lo, scale, name in ((1e18, 1e-9, "epoch ns"), (1e15, 1e-6, "epoch us"),
                            (1e12, 1e-3, "epoch ms"), (1e9, 1.0, "epoch s")):
        if lo <= v0 < lo * 10:
            return scale, name
    if integers:
        d = np.diff(values)
        if len(d) and float(np.median(d)) >= 2000:
            return 1e-6, "us"
        return 1e-3, "ms"
    d = np.diff(values)
    if len(d) and 0 < float(np.median(d)) < 1.0:
        return 1.0, "s"
    return 1e-3, "ms"


def looks_like_clock(first: list[float], integers: bool) -> bool:
    """True if the first values of column 0 look like a clock: integers, strictly rising,
    at a steady pace, and large (``millis()`` after boot, or an epoch). Small counters and
    plotter values (1, 3, 5...) stay data. Import, replay and the live parser all decide
    on the first 3..16 rows, so they agree."""
    if len(first) < 3 or not integers:
        return False
    col = np.array(first[:16], dtype=np.float64)
    d = np.diff(col)
    if not np.all(d > 0) or col[0] < 1000:
        return False
    return float(d.max()) <= 4 * float(d.min())


@dataclass
class Timing:
    """How regular a file's timestamps are (the import report and `info` show it)."""

    rate_hz: float
    median_interval_s: float
    jitter_s: float
    gaps: int
    gap_seconds: float
    #: Row indices after which a gap (interval > 2 medians) or a clock reset occurs.
    gap_after: list[int]
    duration_s: float

    def to_json(self) -> dict:
        return {"rate_hz": self.rate_hz, "median_interval_s": round(self.median_interval_s, 9),
                "jitter_s": round(self.jitter_s, 9), "gaps": self.gaps,
                "gap_seconds": round(self.gap_seconds, 6), "duration_s": round(self.duration_s, 6)}


def nice_rate(rate: float) -> float:
    """Snap a measured rate to an integer when within 10 ppm, else 6 significant digits."""
    r = round(rate)
    if r > 0 and abs(rate - r) <= 1e-5 * rate:
        return float(r)
    return float(f"{rate:.6g}")


def measure_timing(t: np.ndarray) -> Timing | None:
    """Rate, jitter and gaps of timestamps in seconds; None if too few to say.

    The rate is the mean of the regular intervals (not the median: millisecond timestamps
    of a 119 Hz board step 8, 8, 9 ms); intervals over 2 medians are gaps, a clock that
    goes back (a board reset) counts as a gap of unknown length. Pauses between blank-line
    blocks are gaps too: real time the samples do not cover."""
    if len(t) < 2:
        return None
    d = np.diff(t)
    pos = d[d > 0]
    if len(pos) == 0:
        return None
    med = float(np.median(pos))
    regular = (d > 0) & (d <= 2 * med)
    if not regular.any():
        return None
    period = float(np.mean(d[regular]))
    gap_mask = ~regular
    gap_after = [int(i) for i in np.flatnonzero(gap_mask)]
    gap_seconds = float(np.sum(np.clip(d[gap_mask], 0, None) - period * (d[gap_mask] > 0)))
    duration = float(np.sum(d[d > 0])) + period
    return Timing(nice_rate(1.0 / period), med, float(np.std(d[regular])), len(gap_after),
                  max(0.0, gap_seconds), gap_after, duration)


@dataclass
class Table:
    """A whole text file read: data columns only (time and label columns taken out)."""

    names: list[str]
    units: list[str]
    #: (rows, channels) float64; NaN where a cell was missing or not finite.
    values: np.ndarray
    integer: list[bool]
    decimals: list[int]
    #: Source line number of each row (1-based), for messages.
    lines: np.ndarray
    dialect: Dialect
    header: bool
    #: Seconds from the first row, if the file has a time column.
    time: np.ndarray | None = None
    time_name: str = ""
    time_unit: str = ""
    time_found: str = ""  # "name" or "values"
    labels: list[str] | None = None
    blocks: list[tuple[int, int]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    #: "line N: why" for every line skipped (cut first/last line, preamble, repeated header).
    skipped: list[str] = field(default_factory=list)
    #: (line, column name, text) of cells that are missing, NaN or infinite.
    nonfinite: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def timing(self) -> Timing | None:
        return measure_timing(self.time) if self.time is not None else None


def _meta_line(text: str, table_meta: dict, comments: list) -> None:
    body = text.lstrip("#/").strip()
    m = re.match(r"^([A-Za-z][\w .\-/]{0,40}?)\s*[:=]\s*(.*)$", body)
    if m:
        table_meta[m.group(1).strip()] = m.group(2).strip()
    elif body:
        comments.append(body)


def _decimals(tok: str) -> int:
    t = tok.lower()
    if "e" in t:
        return 6
    for sep in (".", ","):
        if sep in t:
            return len(t.split(sep, 1)[1])
    return 0


@dataclass
class _Head:
    """What the first lines decide: dialect, width, header, where the rows start."""

    dialect: Dialect
    width: int
    header_tokens: list[str] | None
    start_line: int
    names: list[str]
    units: list[str]
    label_col: int | None
    time_col: int | None
    time_scale: float | None
    #: Tokens of the first 80 non-blank lines, by line number.
    fields: dict[int, list[str]]
    skipped: list[str]


def _scan(lines, meta: dict[str, str], comments: list[str]) -> list[tuple[int, str]]:
    """(line number, stripped text) of every line that is not a comment; comments and
    ``key: value`` metadata lines go to ``comments`` / ``meta``."""
    content: list[tuple[int, str]] = []
    for i, ln in enumerate(lines, 1):
        s = ln.strip().lstrip("\ufeff")
        if s.startswith(("#", "//")):
            _meta_line(s, meta, comments)
            continue
        content.append((i, s))
    return content


def _read_head(content: list[tuple[int, str]], source: str) -> _Head:
    nonblank = [(i, s) for i, s in content[:4000] if s]
    if len(nonblank) < 81:
        nonblank = [(i, s) for i, s in content if s]
    if not nonblank:
        raise TableError(f"{source}: file is empty (no data lines)")
    dialect = detect_dialect([s for _, s in nonblank[1:61]] or [nonblank[0][1]])
    fields = {i: split_fields(s, dialect) for i, s in nonblank[:80]}
    counts = Counter(len(f) for f in fields.values())
    width = counts.most_common(1)[0][0]
    if width > MAX_TABLE_COLUMNS:  # on the header, before any row is parsed or written
        raise TableError(f"{source}: lines hold {width} columns, more than the {MAX_TABLE_COLUMNS} a "
                         "recording can have; keep the sensor columns you need (e.g. cut -d, -f1-64)")
    skipped: list[str] = []
    # Header: the first line of the common width with a non-number; lines before it that
    # are cut or are not of that width are preamble (reported, at most a few).
    k = 0
    header_tokens: list[str] | None = None
    while k < len(nonblank) and k <= MAX_PREAMBLE:
        lineno, _ = nonblank[k]
        toks = fields[lineno]
        numeric = all(is_number(t, dialect) for t in toks)
        if len(toks) == width and not numeric:
            header_tokens = toks
            k += 1
            break
        if len(toks) == width:
            break
        if len(toks) < width:
            skipped.append(f"line {lineno}: partial line ({len(toks)} of {width} values), skipped")
        else:
            skipped.append(f"line {lineno}: not data ({len(toks)} fields where rows have {width}), skipped")
        k += 1
    start_line = nonblank[k][0] if k < len(nonblank) else None
    if start_line is None:
        raise TableError(f"{source}: file has a header but no data lines")
    if header_tokens is not None:
        parsed = [parse_name(t) for t in header_tokens]
        all_names = [n or f"ch{j}" for j, (n, _) in enumerate(parsed)]
        all_units = [u for _, u in parsed]
    else:
        all_names = [f"ch{j}" for j in range(width)]
        all_units = [""] * width
    label_col = label_index(header_tokens) if header_tokens is not None else None
    time_col, time_scale_v = None, None
    for j, (n, u) in enumerate(zip(all_names, all_units, strict=True)):
        is_t, sc = time_scale(n, u)
        if is_t and j != label_col:
            time_col, time_scale_v = j, sc
            break
    return _Head(dialect, width, header_tokens, start_line, all_names, all_units, label_col, time_col,
                 time_scale_v, fields, skipped)


def read_table(text: str, source: str = "text") -> Table:
    """Read a whole file (see the module docstring); raise :class:`TableError` naming the
    line and column of anything that is not data.

    A plain numeric body (numbers and delimiters only, every row of the header's width)
    is parsed by numpy in blocks (:mod:`text_fast`): the same table, ~10x faster and
    without a Python token per cell. Anything else, and every error, takes the
    tokenizing path below, so messages and results never depend on which path ran."""
    from tinystudio.devices import text_fast

    table = text_fast.read_plain(text, source)
    return table if table is not None else read_table_tokens(text, source)


def read_table_tokens(text: str, source: str = "text") -> Table:
    """:func:`read_table` by tokenizing every line (the reference path)."""
    meta: dict[str, str] = {}
    comments: list[str] = []
    content = _scan(text.splitlines(), meta, comments)
    h = _read_head(content, source)
    dialect, width, header_tokens, start_line = h.dialect, h.width, h.header_tokens, h.start_line
    fields, skipped, label_col, time_col, all_names = h.fields, h.skipped, h.label_col, h.time_col, h.names

    # ---------------------------------------------------------------- rows
    rows_tok: list[list[str]] = []
    row_lines: list[int] = []
    blocks: list[tuple[int, int]] = []
    block_start = 0
    data_content = [(i, s) for i, s in content if i >= start_line]
    last_data = max((i for i, s in data_content if s), default=start_line)
    for lineno, s in data_content:
        if not s:
            if len(rows_tok) > block_start:
                blocks.append((block_start, len(rows_tok)))
            block_start = len(rows_tok)
            continue
        toks = fields.get(lineno) or split_fields(s, dialect)
        if len(toks) != width:
            if len(toks) < width and (not rows_tok or lineno == last_data):
                where = "first" if not rows_tok else "last"
                skipped.append(f"line {lineno}: partial {where} line ({len(toks)} of {width} values), skipped")
                continue
            raise TableError(f"{source}: line {lineno}: expected {width} values, found {len(toks)} "
                             f"(ragged row; delimiter {dialect.delimiter!r})")
        if header_tokens is not None and toks == header_tokens:
            skipped.append(f"line {lineno}: the header again (a board reset?), skipped")
            if len(rows_tok) > block_start:
                blocks.append((block_start, len(rows_tok)))
            block_start = len(rows_tok)
            continue
        rows_tok.append(toks)
        row_lines.append(lineno)
    if len(rows_tok) > block_start:
        blocks.append((block_start, len(rows_tok)))
    if not rows_tok:
        raise TableError(f"{source}: file has a header but no data lines")

    # ------------------------------------------------------------- numbers
    num_cols = [j for j in range(width) if j != label_col]
    n = len(rows_tok)
    nonfinite: list[tuple[int, str, str]] = []

    def cell(r: int, j: int) -> float:
        tok = rows_tok[r][j]
        try:
            return to_float(tok, dialect)
        except ValueError:
            if tok.lower() in MISSING:
                return math.nan
            what = "timestamp" if j == time_col else "number"
            raise TableError(f"{source}: line {row_lines[r]}, column {j + 1} ({all_names[j]!r}): "
                             f"{tok!r} is not a {what}") from None

    simple = not dialect.decimal_comma and label_col is None
    rows_f: list[list[float]] = []
    for r, toks in enumerate(rows_tok):
        if simple:
            try:
                rows_f.append(list(map(float, toks)))
                continue
            except ValueError:
                pass
        rows_f.append([cell(r, j) if j != label_col else 0.0 for j in range(width)])
    arr = np.array(rows_f, dtype=np.float64).reshape(n, width)
    bad = ~np.isfinite(arr[:, num_cols]) if num_cols else np.zeros((n, 0), bool)
    for r, c in zip(*np.nonzero(bad), strict=True):
        j = num_cols[c]
        nonfinite.append((row_lines[r], all_names[j], rows_tok[r][j]))
    integer = [_INTEGERS.fullmatch("\n".join(row[j] for row in rows_tok) + "\n") is not None
               for j in range(width)]
    labels = [row[label_col] for row in rows_tok] if label_col is not None else None
    return assemble(h, source, arr, np.array(row_lines), blocks, integer, rows_tok[:2000], labels,
                    nonfinite, meta, comments)


def assemble(h: _Head, source: str, arr: np.ndarray, row_lines: np.ndarray, blocks: list[tuple[int, int]],
             integer: list[bool], first_rows: list[list[str]], labels: list[str] | None,
             nonfinite: list[tuple[int, str, str]], meta: dict[str, str], comments: list[str]) -> Table:
    """The table from parsed rows: time column (named or a clock in column 0), its unit,
    data columns, decimals (from the first 2000 rows' tokens). Shared by both paths."""
    width, label_col, time_col, time_scale_v = h.width, h.label_col, h.time_col, h.time_scale
    header_tokens, all_names, all_units = h.header_tokens, list(h.names), h.units
    num_cols = [j for j in range(width) if j != label_col]
    if time_col is None and label_col != 0 and width > 1 and looks_like_clock(arr[:16, 0].tolist(), integer[0]):
        time_col = 0
        if header_tokens is None:  # as the live parser names them
            all_names = ["time"] + [f"ch{j}" for j in range(width - 1)]
    time = None
    time_unit = ""
    found = ""
    if time_col is not None:
        tv = arr[:, time_col]
        if not np.all(np.isfinite(tv)):
            r = int(np.flatnonzero(~np.isfinite(tv))[0])
            raise TableError(f"{source}: line {row_lines[r]}, column {time_col + 1} "
                             f"({all_names[time_col]!r}): missing timestamp")
        if time_scale_v is None:
            time_scale_v, time_unit = infer_time_unit(tv, integer[time_col])
        else:
            time_unit = {1.0: "s", 1e-3: "ms", 1e-6: "us", 1e-9: "ns"}.get(time_scale_v, "")
        time = (tv - tv[0]) * time_scale_v
        found = "values" if header_tokens is None or not time_scale(all_names[time_col], all_units[time_col])[0] \
            else "name"
        nonfinite = [x for x in nonfinite if x[1] != all_names[time_col]]
    data_cols = [j for j in num_cols if j != time_col]
    if not data_cols:
        raise TableError(f"{source}: line {h.start_line}: no data columns besides time/label")
    decimals = [max((_decimals(row[j]) for row in first_rows), default=0) for j in data_cols]
    return Table(
        names=[all_names[j] for j in data_cols], units=[all_units[j] for j in data_cols],
        values=arr if data_cols == list(range(arr.shape[1])) else arr[:, data_cols], integer=[integer[j] for j in data_cols], decimals=decimals,
        lines=row_lines, dialect=h.dialect, header=header_tokens is not None,
        time=time, time_name=all_names[time_col] if time_col is not None else "", time_unit=time_unit,
        time_found=found, labels=labels, blocks=blocks, metadata=meta, comments=comments,
        skipped=h.skipped, nonfinite=nonfinite)
