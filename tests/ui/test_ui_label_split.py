"""The Label page's split button never leaves an empty test set with one take per class."""

from __future__ import annotations

from ui_helpers import open_punch_flex


def test_one_take_per_class_splits_by_segment(qtbot, window, punch_csv, flex_csv):
    open_punch_flex(qtbot, window, punch_csv, flex_csv)
    page = window.label_page
    page.test_fraction.setValue(0.2)
    with qtbot.waitSignal(window.ctx.status, timeout=5_000) as blocker:
        page.make_split()
    assert blocker.args[0].startswith("split by segment: 16 train / 4 test")
    tests = [s for s in window.ctx.project.labeled_segments("test")]
    assert {s.label for s in tests} == {"punch", "flex"}
