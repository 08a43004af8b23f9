"""Record page countdown and space bar; stopping a training run from the Train page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui_helpers import open_punch_flex


def test_space_bar_countdown_then_exact_length(qtbot, window, connect_virtual):
    connect_virtual(window)
    window.show_page("Record")
    page = window.record_page
    page.label_combo.setEditText("idle")
    page.duration.setValue(1.0)
    page.countdown.setValue(1)
    page.record_button.setFocus()
    qtbot.keyClick(page.record_button, Qt.Key_Space)
    assert page.count_timer.isActive() and not page.recording
    assert "Recording in" in page.state_label.text()
    qtbot.waitUntil(lambda: page.recording, timeout=5_000)
    qtbot.waitUntil(lambda: page.last_recording is not None, timeout=15_000)
    rec = page.last_recording
    assert rec.n_samples == round(1.0 * rec.rate_hz)
    assert page.classes.counts.get("idle") == 1


def test_stop_training_leaves_the_project_unchanged(qtbot, window, tmp_path, punch_csv, flex_csv):
    path = window.ctx.project.path
    open_punch_flex(qtbot, window, punch_csv, flex_csv)
    window.show_page("Train")
    train = window.train_page
    train.epochs.setValue(500)
    train.start_button.click()
    assert train.running and train.stop_button.isEnabled()
    # Stop while the model search trains its candidates on folds: seconds of real training,
    # so the press lands mid-run however busy the machine is (the final run may early-stop
    # within a second, which a stop press could miss).
    qtbot.waitUntil(lambda: "fold 2 of" in train.status.text(), timeout=120_000)
    # the bar shows how far the search is, not "starting" (issue 21)
    assert "model search" in train.progress.format() and "%" in train.progress.format()
    assert 0 < train.progress.value() < train.progress.maximum()
    train.stop_button.click()
    # the worker is done before its queued "finished" reaches the page: wait for the page
    qtbot.waitUntil(lambda: not train.running and train.start_button.isEnabled(), timeout=60_000)
    assert "stopped" in train.status.text()
    assert train.report is None
    assert not (path / "models" / "current.json").exists()
    assert window.error_strip.text == ""  # a requested stop is not an error
