"""The View menu's page items and Ctrl+1..Ctrl+5 reach each page (they all went to the
Device page: QAction.triggered's ``checked`` argument was taken as the page index)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tinystudio.ui.main_window import PAGES

TITLES = [title for _m, _c, _i, title in PAGES]


def _view_menu(window):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")


def test_view_menu_items_reach_each_page(qtbot, window):
    items = [a for a in _view_menu(window).actions() if a.text() in TITLES]
    assert [a.text() for a in items] == TITLES
    for action in reversed(items):  # from the last page back, so no step is a no-op
        action.trigger()
        assert window.stack.currentWidget().title == action.text()
        assert window.nav.currentRow() == TITLES.index(action.text())


def test_ctrl_digit_reaches_each_page(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    for i in (5, 3, 1, 4, 2):
        qtbot.keyClick(window, getattr(Qt, f"Key_{i}"), Qt.ControlModifier)
        assert window.stack.currentWidget().title == TITLES[i - 1], f"Ctrl+{i}"
