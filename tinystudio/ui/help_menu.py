"""The Help menu: the docs (opened locally, no network), a shortcut sheet, About with versions.

Why: a first-time user looks for Help; a bug report needs the versions of the parts that
matter (Qt, TensorFlow, TFLM), which About lists without importing TensorFlow.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

#: Keys the pages handle themselves (menu actions are listed from the menus).
PAGE_KEYS = (
    ("Record", "Space", "start or stop a take"),
    ("Label", "1-9", "give the selected segment that class"),
    ("Label", "N", "new segment in view"),
    ("Label", "Delete", "remove the selected segment"),
    ("Label", "A", "auto-segment this recording"),
    ("Label", "Ctrl+Z / Ctrl+Shift+Z", "undo / redo (one step per action)"),
    ("Deploy", "Ctrl+U", "flash the model to the board"),
    ("Deploy", "F11 / Esc", "full-screen demo of the prediction / leave it"),
)
PACKAGES = ("tinystudio", "PySide6", "pyqtgraph", "numpy", "h5py", "pyserial", "tensorflow", "tflite-micro")


def docs_dir() -> Path | None:
    """The docs folder of a checkout (the package's parent), if it is there."""
    root = Path(__file__).resolve().parents[2]
    docs = root / "docs"
    return docs if docs.is_dir() else None


def versions() -> list[tuple[str, str]]:
    out = [("Python", platform.python_version()), ("platform", platform.platform(terse=True))]
    for name in PACKAGES:
        version = "not installed"
        for dist in (name, f"{name}-Essentials"):  # PySide6 may come as PySide6-Essentials
            try:
                version = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
        out.append((name, version))
    from PySide6 import QtCore

    out.append(("Qt", QtCore.qVersion()))
    return out


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    rows = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for act in menu.actions():
            keys = act.shortcut().toString()
            if keys:
                rows.append((menu_action.text().replace("&", ""), keys, act.text().replace("&", "")))
    return rows + list(PAGE_KEYS)


def show_shortcuts(window) -> QDialog:
    dlg = QDialog(window)
    dlg.setWindowTitle("Keyboard shortcuts")
    text = QTextBrowser()
    body = "".join(f"<tr><td>{w}</td><td><b>{k}</b></td><td>{d}</td></tr>" for w, k, d in shortcut_rows(window))
    text.setHtml(f"<table cellpadding='4'><tr><th>Where</th><th>Keys</th><th>Does</th></tr>{body}</table>")
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dlg.reject)
    layout = QVBoxLayout(dlg)
    layout.addWidget(text)
    layout.addWidget(buttons)
    dlg.resize(560, 480)
    dlg.show()
    return dlg


def about_text() -> str:
    rows = "".join(f"<tr><td>{n}</td><td>{v}</td></tr>" for n, v in versions())
    return ("<h3>TinyStudio</h3><p>An offline desktop studio for TinyML: record, label, train, "
            f"flash, watch the board infer. No account, no network.</p><table>{rows}</table>"
            f"<p>Python at {sys.executable}</p>")


def open_docs(window) -> bool:
    docs = docs_dir()
    if docs is None:
        QMessageBox.information(window, "Documentation",
                                "The docs folder is not installed with this copy; it is in the source "
                                "checkout under docs/ (README.md at its top).")
        return False
    target = docs.parent / "README.md"
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target if target.exists() else docs)))


def build_help_menu(window) -> None:
    menu = window.menuBar().addMenu("&Help")
    window.help_menu = menu
    window._action(menu, "&Documentation", "F1", lambda: open_docs(window))
    window._action(menu, "Open the docs &folder", "", lambda: docs_dir() and QDesktopServices.openUrl(
        QUrl.fromLocalFile(str(docs_dir()))))
    window._action(menu, "&Keyboard shortcuts", "Ctrl+/", lambda: show_shortcuts(window))
    window._action(menu, "&About TinyStudio", "", lambda: QMessageBox.about(window, "About TinyStudio", about_text()))
