"""Read boards that print numbers as text, one sample per line, with no configuration.

Covers the sketches people already run: Arduino Serial Plotter (values separated by
spaces, tabs or commas, optionally ``name:value``), the Edge Impulse data forwarder
(comma/tab separated), and Arduino's IMU_Capture (a header line ``aX,aY,aZ,gX,gY,gZ``,
then lines of six values, a blank line after each gesture).

* A line of names becomes the channel names (at the start or whenever the board prints
  it again, e.g. after a reset).
* The channel count is locked from the header, or from the first lines that agree
  (the first line after connecting is often cut in half); lines of another width are
  counted in ``bad_lines`` and skipped, never raised.
* A blank line is a segment boundary before the next sample.
* The rate comes from :class:`RateEstimator` on line arrival times (robust to USB
  bursts and to the pauses between gestures); ``rate_override`` replaces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from tinystudio.devices.rate import RateEstimator

_SPLIT = re.compile(r"[,\t; ]+")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/\[\]()]*$")
#: Lines that must agree on their width before it is locked (without a header).
LOCK_LINES = 3
MAX_LINE = 4096
#: Most values a line may hold (docs/protocol.md section 9): a wider line is counted in
#: ``bad_lines`` and skipped, so a 5000-column line can neither lock the channel count nor
#: become a 5000-channel recording.
MAX_COLUMNS = 64
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


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
        tokens = _tokens(raw.decode("ascii", "replace").strip())
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
    """Incremental parser: ``feed`` bytes as they arrive, get samples and boundaries."""

    def __init__(self, rate_override: float | None = None) -> None:
        self.channel_names: list[str] = []
        self.n_channels: int | None = None
        self.header_seen = False
        self.bad_lines = 0
        self.lines = 0
        self.samples = 0
        self.segments = 0
        self.rate_override = rate_override
        self.estimator = RateEstimator()
        self._tail = b""
        self._skipping = False
        self._pending_boundary = False
        # Numeric lines (and whether a blank line preceded them) seen before the width is known.
        self._unlocked: list[tuple[list[float], bool]] = []
        self._candidate: list[str] | None = None  # a names line seen before the width is known

    # ------------------------------------------------------------------ rates
    @property
    def measured_rate_hz(self) -> float | None:
        return self.estimator.rate_hz

    @property
    def rate_hz(self) -> float | None:
        return self.rate_override if self.rate_override else self.estimator.rate_hz

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
        for raw in parts:
            self._line(raw, rows, boundaries)
        n = len(rows)
        width = self.n_channels or 0
        samples = np.array(rows, dtype=np.float64) if n else np.zeros((0, width))
        self.samples += n
        self.estimator.update(t_arrival, n)
        return TextChunk(samples.reshape(n, width) if n else samples, boundaries)

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
        tokens = _tokens(line)
        names: list[str] | None = None
        if ":" in line:  # Serial Plotter "name:value name:value"
            pairs = [t.split(":", 1) for t in tokens]
            if all(len(pr) == 2 and pr[0] and pr[1] for pr in pairs):
                names = [pr[0] for pr in pairs]
                tokens = [pr[1] for pr in pairs]
        if len(tokens) > MAX_COLUMNS:
            self.bad_lines += 1
            return
        values = _numbers(tokens)
        if values is None:
            if len(tokens) <= 64 and all(_NAME.match(t) for t in tokens):
                self._names_line(tokens, rows, boundaries)
            else:
                self.bad_lines += 1
            return
        if names is not None and names != self.channel_names:
            self._names_line(names, rows, boundaries)
        if self.n_channels is None:
            self._unlocked.append((values, self._pending_boundary))
            self._pending_boundary = False
            self._try_lock(rows, boundaries)
            return
        if len(values) != self.n_channels:
            self.bad_lines += 1
            return
        self._append(values, rows, boundaries)

    def _append(self, values: list[float], rows: list[list[float]], boundaries: list[int]) -> None:
        if self._pending_boundary:
            boundaries.append(len(rows))
            self._pending_boundary = False
        rows.append(values)

    def _names_line(self, names: list[str], rows: list[list[float]], boundaries: list[int]) -> None:
        """A line of names: the header if its width fits the data (a lone word such as a
        boot message "Started" does not rename six channels)."""
        if self.n_channels is None:
            self._candidate = list(names)
            self._try_lock(rows, boundaries)
        elif len(names) == self.n_channels:
            self.channel_names = list(names)
            self.header_seen = True
        else:
            self.bad_lines += 1

    def _lock(self, width: int, rows: list[list[float]], boundaries: list[int]) -> None:
        self.n_channels = width
        if self._candidate is not None and len(self._candidate) == width:
            self.channel_names = self._candidate
            self.header_seen = True
        else:
            self.channel_names = [f"ch{i}" for i in range(width)]
        self._candidate = None
        pending, self._unlocked = self._unlocked, []
        for v, boundary in pending:
            self._pending_boundary = self._pending_boundary or boundary
            if len(v) == width:
                self._append(v, rows, boundaries)
            else:
                self.bad_lines += 1

    def _try_lock(self, rows: list[list[float]], boundaries: list[int]) -> None:
        widths = [len(v) for v, _ in self._unlocked]
        # A header locks the width once two lines agree with it (one could be a fragment).
        if self._candidate is not None and widths.count(len(self._candidate)) >= 2:
            self._lock(len(self._candidate), rows, boundaries)
            return
        for w in set(widths):
            if widths.count(w) >= LOCK_LINES:
                self._lock(w, rows, boundaries)
                return
        if len(self._unlocked) > 4 * LOCK_LINES:  # no agreement: drop the oldest guess
            _, boundary = self._unlocked.pop(0)
            if boundary:
                self._unlocked[0] = (self._unlocked[0][0], True)
            self.bad_lines += 1
