"""CSV export's text cells (channel names in the header) are quoted and formula-safe (issue 24)."""

from __future__ import annotations

import csv
import io

import pytest

from tinystudio.dataset.exporters import csv_cell

HOSTILE = ['=HYPERLINK("http://evil/","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx",
           "a,b", 'say "hi"', "line\nbreak", "aX"]


def test_a_hostile_header_parses_back_as_one_row_of_inert_text():
    line = ",".join(csv_cell(h) for h in ["timestamp_ms", *HOSTILE])
    rows = list(csv.reader(io.StringIO(line + "\n1.0," + ",".join(["0"] * len(HOSTILE)) + "\n")))
    assert len(rows) == 2 and len(rows[0]) == len(HOSTILE) + 1 == len(rows[1])
    for cell, original in zip(rows[0][1:], HOSTILE, strict=True):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell in (original, "'" + original)


@pytest.mark.parametrize("name", ["aX", "gyro_z", "mic 1"])
def test_ordinary_names_are_unchanged(name):
    assert csv_cell(name) == name
