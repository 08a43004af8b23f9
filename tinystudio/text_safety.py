"""Which characters a name may hold once it came from outside (a board, a file, a person).

Why one module: labels, channel names, units, sensor and board names all end up in CSV
headers, C string literals, HDF5 attributes and on a terminal. A control character breaks
the first three; a bidirectional override (U+202E) or an invisible format character
(U+FEFF, U+2066) makes a name read as something it is not ("acc‮X" shown as "accX" reversed)
in a terminal, a table or a review. The rule is the one labels already had, now shared:
no Unicode category Cc, Cs, Zl, Zp, and no Cf except the zero-width (non-)joiners that
emoji and some scripts need.
"""

from __future__ import annotations

import unicodedata

#: Format characters that real text needs (emoji sequences, Persian, Indic scripts).
JOINERS = frozenset({"\u200c", "\u200d"})


def unsafe_character(text: str) -> str | None:
    """The first character ``text`` may not hold, as ``U+XXXX``, or None when it is clean."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Zl", "Zp") or (cat == "Cf" and ch not in JOINERS):
            return f"U+{ord(ch):04X}"
    return None


def name_problem(text: str) -> str | None:
    """Why ``text`` is not a safe name ("contains the control or invisible character U+202E"),
    or None. Lengths are the caller's business: each field has its own limit."""
    bad = unsafe_character(text)
    return None if bad is None else f"contains the control or invisible character {bad}"
