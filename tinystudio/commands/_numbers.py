"""Argument types for numbers given on the command line: finite and in range, or refused.

Why: ``float("nan")``, ``float("1e999")`` and ``-1`` all parse, and each went on to a
crash deep inside (``cannot convert float NaN to integer`` with exit 70) or to a silent
nonsense run (``train --epochs -1`` "trained"). argparse reports an
``ArgumentTypeError`` as one usage line naming the option, exit 2, before any work.
(The leading underscore keeps this module out of command discovery.)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(kind: type, low: float | None, high: float | None, low_open: bool, high_open: bool,
            what: str) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (it must be finite)")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    parse.__name__ = what
    return parse


positive = _number(float, 0, None, True, False, "a number above 0")
non_negative = _number(float, 0, None, False, False, "a number of 0 or more")
positive_int = _number(int, 1, None, False, False, "a whole number of 1 or more")
non_negative_int = _number(int, 0, None, False, False, "a whole number of 0 or more")
#: k of k-fold validation: at least two folds.
folds = _number(int, 2, None, False, False, "a whole number of 2 or more")
#: A share of the data: 0 (none) up to, not including, 1 (all).
fraction = _number(float, 0, 1, False, True, "a fraction from 0 up to (not including) 1")
