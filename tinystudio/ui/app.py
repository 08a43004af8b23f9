"""QApplication set-up: identity, settings storage, high-DPI policy, light/dark palette.

Must run before any widget exists: the high-DPI rounding policy and pyqtgraph's colours
are read when the first window and plot are created.
"""

from __future__ import annotations

import contextlib
import os
import sys

from PySide6.QtCore import QSettings, QSize, Qt, QThreadPool, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QProxyStyle, QStyleFactory

from tinystudio.resources import resource_path

ORG = "TinyStudio"
APP = "TinyStudio"
#: Tests and portable installs keep settings in their own folder.
SETTINGS_ENV = "TINYSTUDIO_SETTINGS_DIR"


def _dark_palette() -> QPalette:
    """Every role in every group: roles left unset fall back to Qt's light defaults, which
    made disabled buttons light grey, the brightest things in a dark window."""
    pal = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    button = QColor(53, 55, 59)
    roles = {
        QPalette.Window: window, QPalette.WindowText: text, QPalette.Base: base,
        QPalette.AlternateBase: QColor(38, 39, 42), QPalette.ToolTipBase: base,
        QPalette.ToolTipText: text, QPalette.Text: text, QPalette.Button: button,
        QPalette.ButtonText: text, QPalette.BrightText: QColor(255, 110, 110),
        QPalette.Highlight: QColor(53, 116, 240), QPalette.HighlightedText: QColor(255, 255, 255),
        QPalette.Link: QColor(110, 170, 255), QPalette.LinkVisited: QColor(180, 140, 255),
        QPalette.PlaceholderText: QColor(140, 143, 150),
        QPalette.Light: QColor(75, 78, 83), QPalette.Midlight: QColor(62, 64, 68),
        QPalette.Mid: QColor(36, 37, 40), QPalette.Dark: QColor(22, 23, 25), QPalette.Shadow: QColor(0, 0, 0),
    }
    for group in (QPalette.Active, QPalette.Inactive, QPalette.Disabled):
        for role, color in roles.items():
            pal.setColor(group, role, color)
    dim = QColor(112, 115, 121)  # readable, clearly quieter than enabled text
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText, QPalette.ToolTipText):
        pal.setColor(QPalette.Disabled, role, dim)
    pal.setColor(QPalette.Disabled, QPalette.Button, window)  # flatter than an enabled button
    pal.setColor(QPalette.Disabled, QPalette.Base, window)
    pal.setColor(QPalette.Disabled, QPalette.Highlight, QColor(70, 73, 78))
    pal.setColor(QPalette.Disabled, QPalette.HighlightedText, dim)
    pal.setColor(QPalette.Disabled, QPalette.Light, window)
    return pal


class _DarkIconStyle(QProxyStyle):
    """Qt's standard icons are drawn dark for light windows; on a dark palette the dark
    ones would vanish, so they are redrawn in the text colour (shape kept by alpha)."""

    def standardIcon(self, icon, option=None, widget=None):  # noqa: N802 - Qt API
        return tint_if_dark(super().standardIcon(icon, option, widget), QColor(223, 225, 229))


def tint_if_dark(icon: QIcon, color: QColor) -> QIcon:
    sizes = icon.availableSizes() or [QSize(16, 16), QSize(24, 24), QSize(32, 32)]
    out = QIcon()
    for size in sizes:
        for mode in (QIcon.Normal, QIcon.Disabled):
            pm = icon.pixmap(size, mode)
            if pm.isNull():
                continue
            if _mean_lightness(pm.toImage()) < 110:
                tinted = QPixmap(pm.size())
                tinted.setDevicePixelRatio(pm.devicePixelRatio())
                tinted.fill(Qt.transparent)
                painter = QPainter(tinted)
                painter.drawPixmap(0, 0, pm)
                painter.setCompositionMode(QPainter.CompositionMode_SourceIn)
                c = QColor(color)
                if mode == QIcon.Disabled:
                    c.setAlpha(110)
                painter.fillRect(tinted.rect(), c)
                painter.end()
                pm = tinted
            out.addPixmap(pm, mode)
    return out


def _mean_lightness(image) -> float:
    total = weight = 0.0
    step = max(1, image.width() // 16)
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            c = image.pixelColor(x, y)
            a = c.alphaF()
            total += a * c.lightness()
            weight += a
    return total / weight if weight else 255.0


def system_prefers_dark(app: QGuiApplication) -> bool:
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        return app.palette().color(QPalette.Window).lightness() < 128


def apply_palette(app: QApplication, dark: bool | None = None) -> bool:
    """Fusion style with a light or dark palette; plots follow it. Returns ``dark``."""
    if dark is None:
        dark = system_prefers_dark(app)
    app.setStyle(_DarkIconStyle("Fusion") if dark else QStyleFactory.create("Fusion"))
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
