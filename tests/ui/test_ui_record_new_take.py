"""A take just recorded is the row the user sees: selected and scrolled into view in the
Record page's takes table, however many takes the project already holds."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QApplication

from tests.ui.ui_helpers import record_take
from tinystudio.dataset.importers import import_paths


def test_new_take_is_selected_and_scrolled_into_view(qtbot, window, connect_virtual, tmp_path, punch_csv):
    copies = []
    for i in range(30):  # more rows than the table shows: the new take lands below the fold
        copies.append(tmp_path / f"a{i:02d}.csv")
        shutil.copy(punch_csv, copies[-1])
    path = window.ctx.project.path
    import_paths(path, copies, label="punch")
    window.open_project(path)
    qtbot.waitUntil(lambda: len(window.ctx.project.recordings()) == 30, timeout=10_000)
    connect_virtual(window)
    window.resize(1024, 700)
    page = window.record_page
    table = page.panel.table
    table.scrollToTop()
    rec = record_take(qtbot, window, "punch", 0.5)
    qtbot.wait(100)  # the view lays out its new row
    QApplication.processEvents()
    assert page.panel.selected_ids() == [rec.id]
    row = [r.id for r in page.panel.rows].index(rec.id)
    assert row >= 20, f"{rec.id} sorts at row {row}: the test needs it below the fold"
    rect = table.visualRect(page.panel.model.index(row, 0))
    viewport = table.viewport().rect()
    assert rect.isValid() and viewport.contains(rect), \
        f"new take {rec.id} at row {row} is drawn at {rect}, outside the table's viewport {viewport}"
