"""Read boards that print numbers as text, one sample per line, with no configuration.

Covers the sketches people already run: Arduino Serial Plotter (values separated by
spaces, tabs or commas, optionally ``name:value``), the Edge Impulse data forwarder
(comma/tab separated), Arduino's IMU_Capture (a header line ``aX,aY,aZ,gX,gY,gZ``,
then lines of six values, a blank line after each gesture), and anything a file in
:mod:`text_table` may hold (semicolons and decimal commas, quoting, units in the header,
a time column, ``#`` lines): the dialect, names, units and time column are found by the
same functions `import` and `sim --replay` use, so the same bytes give the same channels.

* A line of names becomes the channel names (at the start or whenever the board prints
  it again, e.g. after a reset); units in brackets/parentheses become channel units.
* The channel count is locked from the header, or from the first lines that agree
  (the first line after connecting is often cut in half); lines of another width are
  counted in ``bad_lines`` and skipped, never raised.
* A time column (by name, or a ``millis()``-like first column) is not a channel: its
  timestamps give the rate. A ``label``/``class`` column is not a channel either.
* A blank line is a segment boundary before the next sample.
* A line with ``nan``, ``inf`` or a value float32 cannot hold (``1e308``) is counted in
  ``bad_lines`` and skipped: a stored NaN would poison every window it falls in.
* Otherwise the rate comes from :class:`RateEstimator` on line arrival times (robust to
  USB bursts and to the pauses between gestures); ``rate_override`` replaces it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from tinystudio.devices.rate import RateEstimator
from tinystudio.devices.text_table import (
    Dialect,
    detect_dialect,
    infer_time_unit,
    label_index,
    looks_like_clock,
    measure_timing,
    parse_name,
    split_fields,
    time_scale,
    to_float,
)
from tinystudio.devices.units import normalize_unit

_SPLIT = re.compile(r"[,\t; ]+")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/\[\]()^%° ]*$")
#: Lines that must agree on their width before it is locked (without a header).
LOCK_LINES = 3
MAX_LINE = 4096
#: Most values a line may hold (docs/protocol.md section 9): a wider line is counted in
#: ``bad_lines`` and skipped, so a 5000-column line can neither lock the channel count nor
#: become a 5000-channel recording.
MAX_COLUMNS = 64
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
#: Largest magnitude a float32 sample holds (text boards' samples are stored as float32).
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Timestamps kept for the rate of a stream that has a time column.
TIME_WINDOW = 1024


@dataclass
class TextChunk:
    #: (n, channels) float64 samples parsed from one ``feed``; n may be 0.
    samples: np.ndarray
    #: Indices into ``samples`` before which a blank line (segment boundary) occurred.
    boundaries: list[int] = field(default_factory=list)


def looks_like_text(data: bytes) -> bool:
    """True if ``data`` reads as lines of printable text with numbers (a text board).

    Used at connect to tell text boards from binary ones: protocol frames are COBS
    binary with 0x00 delimiters and are never mostly printable.
    """
    if not data or b"\n" not in data:
        return False
    printable = sum(1 for b in data if b in _PRINTABLE)
    if printable < 0.97 * len(data):
        return False
    lines = data.split(b"\n")[1:-1] or data.split(b"\n")[:1]  # complete lines only
    for raw in lines:
        tokens = [t.strip('"') for t in _tokens(raw.decode("ascii", "replace").strip())]
        if tokens and _numbers(tokens) is not None:
            return True
    return False


def _tokens(line: str) -> list[str]:
    return [t for t in _SPLIT.split(line) if t]


def _numbers(tokens: list[str]) -> list[float] | None:
    try:
        return [float(t) for t in tokens]
    except ValueError:
        return None


class TextStreamParser:
    """Incremental parser: ``feed`` bytes as they arrive, get samples and boundaries.

    Until the width is locked, lines are kept as text; the dialect (delimiter, decimal
    comma, quoting), the header's names and units and the time column are then found
    by the same functions :func:`text_table.read_table` uses for files, so a file and the
    same bytes streamed give the same channels."""

    def __init__(self, rate_override: float | None = None) -> None:
        self.channel_names: list[str] = []
        self.channel_units: list[str] = []
        self.n_channels: int | None = None
        self.header_seen = False
        self.bad_lines = 0
        #: Of ``bad_lines``: lines of numbers with nan, inf or a value beyond float32.
        self.nonfinite_lines = 0
        self.lines = 0
        self.samples = 0
        self.segments = 0
        self.rate_override = rate_override
        self.estimator = RateEstimator()
        self.dialect: Dialect | None = None
        #: Name of the column that holds timestamps (not a channel), if any.
        self.time_column = ""
        self._tail = b""
        self._skipping = False
        self._pending_boundary = False
        # Lines (text, blank line before) seen before the width is known.
        self._unlocked: list[tuple[str, bool]] = []
        self._candidate: str | None = None  # a names line seen before the width is known
        self._width = 0  # fields per line, time column included
        self._time_index: int | None = None
        self._label_index: int | None = None  # a label column: not a channel
        self._keep: list[int] = []
        self._time_scale = 1.0
        self._times: deque[float] = deque(maxlen=TIME_WINDOW)
        self._fast = False

    # ------------------------------------------------------------------ rates
    @property
    def measured_rate_hz(self) -> float | None:
        if len(self._times) >= 3:
            t = measure_timing(np.fromiter(self._times, dtype=np.float64) * self._time_scale)
            if t is not None:
                return t.rate_hz
        return self.estimator.rate_hz

    @property
    def rate_hz(self) -> float | None:
        return self.rate_override if self.rate_override else self.measured_rate_hz

    @property
    def pending_boundary(self) -> bool:
        """A blank line arrived and no sample after it yet (a gesture just ended)."""
        return self._pending_boundary

    # ---------------------------------------------------------------- parsing
    def feed(self, data: bytes, t_arrival: float) -> TextChunk:
        buf = self._tail + data if self._tail else data
        parts = buf.split(b"\n")
        if self._skipping:  # the rest of a line already dropped (and counted) as too long
            if len(parts) == 1:
                parts = [b""]  # still no newline: keep discarding
            else:
                parts.pop(0)
                self._skipping = False
        self._tail = parts.pop()
        if len(self._tail) > MAX_LINE:  # no newline for far too long: not a text board line
            self._tail = b""
            self.bad_lines += 1
            self._skipping = True
        rows: list[list[float]] = []
        boundaries: list[int] = []
        line = self._line
        for raw in parts:
            line(raw, rows, boundaries)
        n = len(rows)
        width = self.n_channels or 0
        samples = np.array(rows, dtype=np.float64) if n else np.zeros((0, width))
        if n:
            samples, boundaries = self._drop_unstorable(samples.reshape(n, width), boundaries)
            n = len(samples)
        self.samples += n
        self.estimator.update(t_arrival, n)
        return TextChunk(samples.reshape(n, width) if n else samples, boundaries)

    def _drop_unstorable(self, samples: np.ndarray, boundaries: list[int]) -> tuple[np.ndarray, list[int]]:
        """Lines holding nan, inf or a value float32 cannot hold (1e308) are counted in
        ``bad_lines`` and ``nonfinite_lines`` and skipped, like any line that is not a sample.

        Why: a text board's samples are stored as float32; a NaN or an overflow to inf
        would poison every window, feature and normalisation statistic it falls in."""
        ok = np.isfinite(samples).all(axis=1) & (np.abs(samples) <= FLOAT32_MAX).all(axis=1)
        if ok.all():
            return samples, boundaries
        dropped = int((~ok).sum())
        self.bad_lines += dropped
        self.nonfinite_lines += dropped
        kept_before = np.concatenate(([0], np.cumsum(ok)))
        return samples[ok], sorted({int(kept_before[b]) for b in boundaries})

    def _line(self, raw: bytes, rows: list[list[float]], boundaries: list[int]) -> None:
        if len(raw) > MAX_LINE:
            self.lines += 1
            self.bad_lines += 1
            return
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            if self.samples or rows or self._unlocked:
                if not self._pending_boundary:
                    self.segments += 1
                self._pending_boundary = True
            return
        self.lines += 1
        if line[0] == "#":
            return  # a comment or metadata line, as in files
        if self.dialect is None:
            self._pre_lock(line, rows, boundaries)
            return
        if self._fast:
            try:
                values = [float(t) for t in line.split(self.dialect.delimiter)]
            except ValueError:
                values = None
            if values is not None and len(values) == self._width:
                self._append(self._data_of(values), rows, boundaries)
                return
        self._slow_line(line, rows, boundaries)

    def _slow_line(self, line: str, rows: list[list[float]], boundaries: list[int]) -> None:
        d = self.dialect
        tokens = split_fields(line, d)
        names: list[str] | None = None
        if ":" in line and d.delimiter != ";" and not d.decimal_comma:  # Serial Plotter "name:value"
            pairs = [t.split(":", 1) for t in tokens]
            if all(len(pr) == 2 and pr[0] and pr[1] for pr in pairs):
                names = [pr[0] for pr in pairs]
                tokens = [pr[1] for pr in pairs]
        if len(tokens) > MAX_COLUMNS:
            self.bad_lines += 1
            return
        li = self._label_index
        try:
            values = [to_float(t, d) if i != li else 0.0 for i, t in enumerate(tokens)]
        except ValueError:
            if len(tokens) == self._width and all(_NAME.match(parse_name(t)[0] or "") for t in tokens):
                self._rename(tokens)
            else:
                self.bad_lines += 1
            return
        if len(values) != self._width:
            self.bad_lines += 1
            return
        if names is not None and names != self.channel_names:
            self._rename(names)
        self._append(self._data_of(values), rows, boundaries)

    def _data_of(self, values: list[float]) -> list[float]:
        ti = self._time_index
        if ti is None and self._label_index is None:
            return values
        if ti is not None:
            self._times.append(values[ti])
        return [values[i] for i in self._keep]

    def _append(self, values: list[float], rows: list[list[float]], boundaries: list[int]) -> None:
        if self._pending_boundary:
            boundaries.append(len(rows))
            self._pending_boundary = False
        rows.append(values)

    def _rename(self, tokens: list[str]) -> None:
        """The header printed again (a board reset): names and units, same columns."""
        parsed = [parse_name(t) for t in tokens]
        self.channel_names = [parsed[i][0] for i in self._keep]
        self.channel_units = [normalize_unit(parsed[i][1]) for i in self._keep]
        self.header_seen = True

    # ------------------------------------------------------------ locking
    def _pre_lock(self, line: str, rows: list[list[float]], boundaries: list[int]) -> None:
        if ":" in line:  # Serial Plotter "name:value name:value": names, then the values
            pairs = [t.split(":", 1) for t in _tokens(line)]
            if all(len(pr) == 2 and pr[0] and _NAME.match(pr[0]) and _numbers([pr[1]]) for pr in pairs):
                self._candidate = " ".join(pr[0] for pr in pairs)
                line = " ".join(pr[1] for pr in pairs)
        if not _any_number(line):
            toks = _tokens(line)
            if len(toks) <= 64 and all(_NAME.match(parse_name(t)[0] or "") for t in _header_fields(line)):
                self._candidate = line
            else:
                self.bad_lines += 1
            self._try_lock(rows, boundaries)
            return
        self._unlocked.append((line, self._pending_boundary))
        self._pending_boundary = False
        self._try_lock(rows, boundaries)

    def _try_lock(self, rows: list[list[float]], boundaries: list[int]) -> None:
        if not self._unlocked:
            return
        sample = [ln for ln, _ in self._unlocked]
        dialect = detect_dialect(sample + ([self._candidate] if self._candidate else []))
        widths = [len(split_fields(ln, dialect)) for ln in sample]
        header = split_fields(self._candidate, dialect) if self._candidate else None
        # A header locks the width once two lines agree with it (one could be a fragment).
        if header is not None and widths.count(len(header)) >= 2:
            self._lock(dialect, len(header), header, rows, boundaries)
            return
        for w in sorted(set(widths)):
            if widths.count(w) >= LOCK_LINES:
                self._lock(dialect, w, None, rows, boundaries)
                return
        if len(self._unlocked) > 4 * LOCK_LINES:  # no agreement: drop the oldest guess
            _, boundary = self._unlocked.pop(0)
            if boundary:
                self._unlocked[0] = (self._unlocked[0][0], True)
            self.bad_lines += 1

    def _lock(self, dialect: Dialect, width: int, header: list[str] | None,
              rows: list[list[float]], boundaries: list[int]) -> None:
        self.dialect = dialect
        self._width = width
        pending, self._unlocked = self._unlocked, []
        parsed_rows: list[tuple[list[float] | None, list[str], bool]] = []
        for ln, boundary in pending:
            toks = split_fields(ln, dialect)
            li = label_index(header) if header is not None else None
            try:
                vals = [to_float(t, dialect) if i != li else 0.0 for i, t in enumerate(toks)] \
                    if len(toks) == width else None
            except ValueError:
                vals = None
            parsed_rows.append((vals, toks, boundary))
        good = [(v, t) for v, t, _ in parsed_rows if v is not None]
        if header is not None:
            names = [parse_name(t) for t in header]
            self._label_index = label_index(header)
            for i, (n, u) in enumerate(names):
                if time_scale(n, u)[0] and i != self._label_index:
                    self._time_index = i
                    self._time_scale = time_scale(n, u)[1] or 1.0
                    self.time_column = n
                    break
            self.header_seen = True
        else:
            names = [(f"ch{i}", "") for i in range(width)]
            integers = all(t[0].lstrip("+-").isdigit() for _, t in good)
            if width > 1 and looks_like_clock([v[0] for v, _ in good], integers):
                self._time_index = 0
                self.time_column = "ch0"
                names = [("time", "")] + [(f"ch{i}", "") for i in range(width - 1)]
        if self._time_index is not None and header is not None and time_scale(*names[self._time_index])[1] is None:
            col = np.array([v[self._time_index] for v, _ in good])
            integers = all(t[self._time_index].lstrip("+-").isdigit() for _, t in good)
            self._time_scale = infer_time_unit(col, integers)[0] if len(col) else 1e-3
        elif self._time_index is not None and header is None:
            col = np.array([v[0] for v, _ in good])
            self._time_scale = infer_time_unit(col, True)[0]
        keep = [i for i in range(width) if i not in (self._time_index, self._label_index)]
        self._keep = keep
        self.channel_names = [names[i][0] for i in keep]
        self.channel_units = [normalize_unit(names[i][1]) for i in keep]
        self.n_channels = len(keep)
        self._candidate = None
        self._fast = (not dialect.quoted and not dialect.decimal_comma and not dialect.trailing
                      and dialect.delimiter != " ")
        for vals, _, boundary in parsed_rows:
            self._pending_boundary = self._pending_boundary or boundary
            if vals is not None:
                self._append(self._data_of(vals), rows, boundaries)
            else:
                self.bad_lines += 1


def _any_number(line: str) -> bool:
    """A line with at least one number in it (a sample or a cut sample, not a header)."""
    for t in _tokens(line):
        t = t.strip('"')
        try:
            float(t.replace(",", ".") if "," in t else t)
            return True
        except ValueError:
            continue
    return False


def _header_fields(line: str) -> list[str]:
    return split_fields(line, detect_dialect([line]))
