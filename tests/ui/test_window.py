"""The window itself: settings that persist, recent projects, import by drop, the F11
demo, palettes, the camera view."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent


def test_geometry_page_and_recent_projects_persist(qtbot, settings_dir, tmp_path):
    from tinystudio.ui.app import create_app
    from tinystudio.ui.main_window import MainWindow

    create_app()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.build_pages()
    for name in ("a", "b"):
        w.open_project(tmp_path / name)
        qtbot.waitUntil(lambda n=name: w.ctx.project is not None and w.ctx.project.path.name == n, timeout=10_000)
    w.resize(1111, 777)
    w.show_page("Train")
    w.close()
    assert (settings_dir / "TinyStudio" / "TinyStudio.ini").exists()

    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.recent_projects()[:2] == [str(tmp_path / "b"), str(tmp_path / "a")]
    assert [a.text() for a in w2.recent_menu.actions()][:2] == w2.recent_projects()[:2]
    geometry = w2.settings.value("geometry")
    assert geometry is not None and w2.restoreGeometry(geometry)  # (the offscreen screen clamps sizes)
    assert w2.nav.currentRow() == 3
    w2.close()


def test_dropping_a_csv_imports_it(qtbot, window, punch_csv):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(punch_csv))])
    event = QDropEvent(QPointF(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    project_path = window.ctx.project.path
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.ctx.project is not None and len(window.ctx.project.recordings()) == 1,
                    timeout=15_000)
    assert window.ctx.project.path == project_path
    assert window.ctx.project.recordings()[0].n_samples == 1190  # 10 gestures x 119


def test_import_without_project_says_so(qtbot, settings_dir):
    from tinystudio.ui.app import create_app
    from tinystudio.ui.main_window import MainWindow

    create_app()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.import_files(["/nonexistent.csv"])
    assert "open or create a project" in w.error_strip.text
    w.close()


def test_f11_demo_mode_shows_only_the_big_label(qtbot, window):
    deploy = window.deploy_page
    window.fullscreen_action.trigger()
    assert deploy.demo and window.isFullScreen()
    assert not window.nav.isVisible() and not deploy.side.isVisible()
    assert window.stack.currentWidget() is deploy and deploy.big.isVisible()
    window.fullscreen_action.trigger()
    assert not deploy.demo and window.nav.isVisible() and not window.isFullScreen()


def test_dark_palette_reaches_the_plots(qapp):
    import pyqtgraph as pg
    from PySide6.QtGui import QPalette

    from tinystudio.ui.app import apply_palette, configure_plots

    try:
        apply_palette(qapp, dark=True)
        configure_plots(qapp)
        assert qapp.palette().color(QPalette.Window).lightness() < 100
        assert pg.getConfigOption("background").lightness() < 100
    finally:
        apply_palette(qapp, dark=False)
        configure_plots(qapp)
    assert qapp.palette().color(QPalette.Window).lightness() > 150


def test_camera_frames_are_shown(qtbot, window, connect_virtual):
    session = connect_virtual(window, sensors=("camera",))
    cam = session.info.sensors[0]
    assert cam.kind.name == "CAMERA"
    view = window.device_page.views[cam.sensor_id].views[0]
    qtbot.waitUntil(lambda: view.img.image is not None, timeout=15_000)
    assert view.img.image.shape[:2] == (cam.height, cam.width)
