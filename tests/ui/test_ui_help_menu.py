"""The Help menu: docs opened locally, a shortcut sheet from the real menus, About with versions."""

from __future__ import annotations

from tinystudio.ui import help_menu


def test_help_menu_lists_docs_shortcuts_and_versions(qtbot, window):
    titles = [a.text() for a in window.help_menu.actions()]
    assert titles == ["&Documentation", "Open the docs &folder", "&Keyboard shortcuts", "&About TinyStudio"]
    assert help_menu.docs_dir() is not None and (help_menu.docs_dir() / "protocol.md").exists()
    rows = help_menu.shortcut_rows(window)
    assert ("Board", "Ctrl+K", "Connect") in rows and ("Help", "F1", "Documentation") in rows
    assert any(k == "Space" and w == "Record" for w, k, _d in rows)
    dlg = help_menu.show_shortcuts(window)
    qtbot.addWidget(dlg)
    from PySide6.QtWidgets import QTextBrowser

    sheet = dlg.findChild(QTextBrowser).toPlainText()
    assert "Ctrl+K" in sheet and "auto-segment this recording" in sheet
    text = help_menu.about_text()
    names = dict(help_menu.versions())
    assert names["PySide6"] != "not installed" and names["numpy"] in text and "Qt" in names
