"""The numpy path of :func:`text_table.read_table`, for plain numeric bodies.

Why: the tokenizing reader keeps every cell as a Python string until the end: ~830 B of
memory per row and 26 s for a 12 MB CSV of 3 M rows. Most big files (loggers, phyphox,
IMU_Capture, exports) are numbers and delimiters only. For those this module parses the
body in blocks of lines (1 MB) with ``np.fromstring`` (the same correctly rounded conversion as
``float()``; checked bit for bit in tests/devices/test_text_fast.py) and checks the
structure of every line with byte arrays instead of a token list.

The first lines (header, dialect, preamble) go through the same functions as the
tokenizing path. The body is taken only if every line is blank or holds exactly the
header's width of numbers separated by the delimiter; anything else (a comment, a
quote, a letter, NaN, a ragged or partial line, a decimal comma, a label column, an
infinite value) returns None and the tokenizing path reads the whole file, so results
and error messages are the tokenizing path's by construction.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from tinystudio.devices import text_table as tt

#: Lines read by the shared head logic (it looks at the first 81 non-blank ones).
HEAD_LINES = 400
#: Bytes of body parsed per block: bounds the temporary arrays (~15 bytes per byte).
BLOCK_BYTES = 1 << 20
_NL, _SP, _TAB = 10, 32, 9


def _allowed(delimiter: str) -> re.Pattern:
    extra = "" if delimiter in " \t" else re.escape(delimiter)
    return re.compile(rf"[^0-9eE+\-. \t\n{extra}]")


def read_plain(text: str, source: str) -> tt.Table | None:
    """The table, or None when the body is not plain numbers (then the caller tokenizes)."""
    head_end = _offset_after_lines(text, HEAD_LINES)
    head_lines = text[:head_end].splitlines()
    if len(head_lines) != text.count("\n", 0, head_end) + (head_end == len(text) and not text.endswith("\n")
                                                             and head_end > 0):
        return None  # a line break other than \n (\r, \f, \u2028...) in the head
    meta: dict[str, str] = {}
    comments: list[str] = []
    content = tt._scan(head_lines, meta, comments)
    if head_end < len(text) and sum(1 for _, s in content if s) < 81:
        return None  # the head decision would need lines beyond the head
    try:
        h = tt._read_head(content, source)
    except tt.TableError:
        return None  # the tokenizing path raises it, with its own wording
    d = h.dialect
    if d.decimal_comma or d.trailing or h.label_col is not None:
        return None
    body, base = text, _offset_after_lines(text, h.start_line - 1)  # no copy of the body
    if text.find("\r", base) >= 0:
        body, base = text[base:].replace("\r\n", "\n"), 0
        if "\r" in body:
            return None
    if _allowed(d.delimiter).search(body, base) is not None:
        return None
    parsed = _parse_body(body, base, d.delimiter, h.width)
    if parsed is None:
        return None
    arr, rel_lines, nonint = parsed
    if len(arr) == 0 or not np.all(np.isfinite(arr)):
        return None  # no rows (its error), or cells the tokenizing path names one by one
    row_lines = rel_lines
    row_lines += h.start_line
    gaps = np.flatnonzero(np.diff(row_lines) > 1) + 1  # a blank line between two rows
    edges = [0, *gaps.tolist(), len(arr)]
    blocks = [(int(a), int(b)) for a, b in zip(edges, edges[1:], strict=False)]
    integer = [j not in nonint for j in range(h.width)]
    first_rows = _first_rows(body, base, d, 2000)
    return tt.assemble(h, source, arr, row_lines, blocks, integer, first_rows, None, [], meta, comments)


def _offset_after_lines(text: str, n: int, pos: int = 0) -> int:
    """Offset just after the ``n``-th ``\\n`` from ``pos`` (the start of line n+1), or
    len(text)."""
    for _ in range(n):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


def _first_rows(body: str, pos: int, dialect: tt.Dialect, n: int) -> list[list[str]]:
    """Tokens of the first ``n`` rows from ``pos``, as the tokenizing path has them (for
    decimals)."""
    rows: list[list[str]] = []
    while len(rows) < n and pos < len(body):
        end = _offset_after_lines(body, 4 * n, pos)
        for line in body[pos:end].splitlines():
            s = line.strip()
            if s:
                rows.append(tt.split_fields(s, dialect))
                if len(rows) == n:
                    break
        pos = end
    return rows


def _parse_body(body: str, pos: int, delimiter: str, width: int):
    """(values (rows, width), line index of each row relative to the line at ``pos``,
    columns holding a non-integer literal) or None if a line is not ``width`` numbers.
    The outputs are allocated once for the most rows the body can hold (its line count)
    and filled block by block: no list of blocks to concatenate (a second copy)."""
    most = body.count("\n", pos) + 1
    arr = np.empty((most, width), dtype=np.float64)
    rel_lines = np.empty(most, dtype=np.int64)
    nonint: set[int] = set()
    line0, k = 0, 0
    while pos < len(body):
        end = body.find("\n", min(len(body), pos + BLOCK_BYTES))
        end = len(body) if end < 0 else end + 1
        block = body[pos:end]
        got = _parse_block(block, delimiter, width)
        if got is None:
            return None
        values, rel, cols = got
        arr[k:k + len(values)] = values
        rel_lines[k:k + len(values)] = rel + line0
        k += len(values)
        nonint |= cols
        line0 += block.count("\n")
        pos = end
    return arr[:k], rel_lines[:k], nonint


def _parse_block(block: str, delimiter: str, width: int):
    b = np.frombuffer(block.encode("ascii"), dtype=np.uint8)
    nl = b == _NL
    delim = b == ord(delimiter) if delimiter != " " else np.zeros(len(b), bool)
    tok = ~(nl | (b == _SP) | (b == _TAB) | delim)
    start = tok.copy()
    start[1:] &= ~tok[:-1]
    sp = np.flatnonzero(start)  # where each token begins
    nlp = np.flatnonzero(nl)
    n_lines = len(nlp) + (1 if len(b) and b[-1] != _NL else 0)
    tok_line = np.searchsorted(nlp, sp)  # the line of each token (newlines before it)
    per_line = np.bincount(tok_line, minlength=n_lines)
    if not np.all((per_line == 0) | (per_line == width)):
        return None  # ragged, partial or extra values: the tokenizing path says which
    if delimiter != " " and not _delimited(sp, tok_line, np.flatnonzero(delim), nlp, per_line, width):
        return None
    rows = np.flatnonzero(per_line == width)
    if len(sp) == 0:  # blank lines only
        return np.zeros((0, width)), rows, set()
    flat = block.replace(delimiter, " ") if delimiter not in " \t" else block
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # older numpy warns where newer raises
            values = np.fromstring(flat, dtype=np.float64, sep=" ")
    except ValueError:  # "string or file could not be read to its end"
        return None
    if len(values) != len(sp):
        return None  # a token that is not exactly one number ("1e", "1.2.3", "1-2")
    marks = np.flatnonzero((b == ord(".")) | (b == ord("e")) | (b == ord("E")))
    tok_of_mark = np.searchsorted(sp, marks, side="right") - 1
    nonint = set(np.unique(tok_of_mark % width).tolist()) if len(marks) else set()
    return values.reshape(len(rows), width), rows, nonint


def _delimited(sp, tok_line, dp, nlp, per_line, width: int) -> bool:
    """Every line reads ``number (delimiter number)*``: ``width - 1`` delimiters on a row
    (none on a blank line) and exactly one between two neighbouring numbers, so none at
    a line's ends, none doubled, no two numbers side by side."""
    per_line_d = np.bincount(np.searchsorted(nlp, dp), minlength=len(per_line))
    if not np.array_equal(per_line_d, np.where(per_line == width, width - 1, 0)):
        return False
    before = np.searchsorted(dp, sp)  # delimiters before each token
    same = tok_line[1:] == tok_line[:-1]
    return bool(np.all(np.diff(before)[same] == 1))
