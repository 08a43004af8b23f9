"""Fixtures for the window tests: isolated settings, a built window, the virtual board.

Every test gets its own QSettings folder and project folder; windows are closed (which
stops the board, its virtual board process and every worker) at the end of the test.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def settings_dir(tmp_path, monkeypatch):
    d = tmp_path / "settings"
    d.mkdir()
    monkeypatch.setenv("TINYSTUDIO_SETTINGS_DIR", str(d))
    return d


@pytest.fixture
def window(qtbot, settings_dir, tmp_path):
    from tinystudio.ui.app import create_app
    from tinystudio.ui.main_window import MainWindow

    create_app()
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.build_pages()
    w.open_project(tmp_path / "project")
    qtbot.waitUntil(lambda: w.ctx.project is not None, timeout=10_000)
    yield w
    w.close()


def _connect_virtual(qtbot, window, replay=None, sensors=("imu",), timeout=30_000):
    """Connect through the Device page's own controls; returns the session."""
    page = window.device_page
    page.replay_edit.setText(str(replay) if replay else "")
    for name, box in page.sensor_boxes.items():
        box.setChecked(name in sensors)
    with qtbot.waitSignal(window.board.connected, timeout=timeout):
        page.connect_button.click()
    return window.board.session


@pytest.fixture
def connect_virtual(qtbot):
    return lambda window, **kw: _connect_virtual(qtbot, window, **kw)

