"""QApplication set-up: identity, settings storage, high-DPI policy, light/dark palette.

Must run before any widget exists: the high-DPI rounding policy and pyqtgraph's colours
are read when the first window and plot are created.
"""

from __future__ import annotations

import contextlib
import os
import sys

from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from tinystudio.resources import resource_path

ORG = "TinyStudio"
APP = "TinyStudio"
#: Tests and portable installs keep settings in their own folder.
SETTINGS_ENV = "TINYSTUDIO_SETTINGS_DIR"


def _dark_palette() -> QPalette:
    pal = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    for group in (QPalette.Active, QPalette.Inactive):
        pal.setColor(group, QPalette.Window, window)
        pal.setColor(group, QPalette.WindowText, text)
        pal.setColor(group, QPalette.Base, base)
        pal.setColor(group, QPalette.AlternateBase, window)
        pal.setColor(group, QPalette.ToolTipBase, base)
        pal.setColor(group, QPalette.ToolTipText, text)
        pal.setColor(group, QPalette.Text, text)
        pal.setColor(group, QPalette.Button, window)
        pal.setColor(group, QPalette.ButtonText, text)
        pal.setColor(group, QPalette.Highlight, QColor(53, 116, 240))
        pal.setColor(group, QPalette.HighlightedText, QColor(255, 255, 255))
        pal.setColor(group, QPalette.Link, QColor(88, 157, 246))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor(120, 120, 120))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor(120, 120, 120))
    pal.setColor(QPalette.Disabled, QPalette.WindowText, QColor(120, 120, 120))
    return pal


def system_prefers_dark(app: QGuiApplication) -> bool:
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        return app.palette().color(QPalette.Window).lightness() < 128


def apply_palette(app: QApplication, dark: bool | None = None) -> bool:
    """Fusion style with a light or dark palette; plots follow it. Returns ``dark``."""
    if dark is None:
        dark = system_prefers_dark(app)
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    app.setProperty("tinystudio_dark", dark)
    if "pyqtgraph" in sys.modules:
        configure_plots(app)
    return dark


def configure_plots(app: QApplication | None = None) -> None:
    """Give pyqtgraph the palette's colours. Called when the first plot is about to exist:
    importing pyqtgraph costs about half a second, which the window does not wait for."""
    import pyqtgraph as pg

    pal = (app or QApplication.instance()).palette()
    pg.setConfigOptions(
        background=pal.color(QPalette.Base),
        foreground=pal.color(QPalette.WindowText),
        antialias=False,
        useOpenGL=False,
    )


def settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORG, APP)


def create_app(argv: list[str] | None = None, dark: bool | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv or ["tinystudio"])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    app.setDesktopFileName("tinystudio")  # matches the launcher from `tinystudio desktop`
    with contextlib.suppress(FileNotFoundError):
        app.setWindowIcon(QIcon(str(resource_path("icons", "tinystudio.png"))))
    folder = os.environ.get(SETTINGS_ENV)
    if folder:
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder)
    apply_palette(app, dark)
    pool = QThreadPool.globalInstance()
    # Long jobs (training, upload, parity) must not queue behind each other on a 2-core
    # machine, and pool threads never expire: the virtual board process is tied to the
    # thread that started it (PR_SET_PDEATHSIG), which must live as long as the window.
    pool.setMaxThreadCount(max(8, pool.maxThreadCount()))
    pool.setExpiryTimeout(-1)
    return app


def install_excepthook() -> None:
    """An exception nobody caught: a crash report (tinystudio.crash) and one message box
    naming it, never a silent traceback on a terminal the user does not see. An expected
    TinyStudioError that escaped a page shows its own message. Installed by the `gui`
    command only, so pytest-qt keeps its own hook in tests."""
    from tinystudio.crash import crash_message, write_crash_report
    from tinystudio.errors import TinyStudioError

    previous = sys.excepthook

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        if issubclass(exc_type, TinyStudioError):
            message = str(exc)
        else:
            report = write_crash_report(exc_type, exc, tb, "gui")
            message = crash_message(exc, report)
            if report is None:
                previous(exc_type, exc, tb)
        print(f"tinystudio: error: {message}", file=sys.stderr)
        app = QApplication.instance()
        if app is not None:  # shown on the GUI thread whichever thread raised
            QTimer.singleShot(0, app, lambda: QMessageBox.critical(None, APP, message))

    sys.excepthook = hook
