"""Steps several window tests share (a take on the Record page, the punch/flex project)."""

from __future__ import annotations


def record_take(qtbot, window, label: str, seconds: float):
    """One take through the Record page's own controls (no countdown); returns the recording."""
    from PySide6.QtCore import Qt

    page = window.record_page
    window.show_page("Record")
    page.label_combo.setEditText(label)
    page.duration.setValue(seconds)
    page.countdown.setValue(0)
    before = page.last_recording
    qtbot.mouseClick(page.record_button, Qt.LeftButton)
    assert page.recording
    qtbot.waitUntil(lambda: page.last_recording is not before, timeout=seconds * 1000 + 20_000)
    return page.last_recording


def open_punch_flex(qtbot, window, punch_csv, flex_csv) -> None:
    """The window's project holds the punch and flex recordings, one take per class."""
    from tinystudio.dataset.importers import import_paths

    path = window.ctx.project.path
    import_paths(path, [punch_csv], label="punch")
    import_paths(path, [flex_csv], label="flex")
    window.open_project(path)
    qtbot.waitUntil(lambda: window.ctx.project is not None and len(window.ctx.project.recordings()) == 2,
                    timeout=10_000)
