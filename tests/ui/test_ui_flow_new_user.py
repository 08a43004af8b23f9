"""The whole loop the way a first-time user walks it, asserting no step fails and nothing
stale is shown: connect the virtual board replaying punch, record one take, switch the
replay to flex by editing the field (no Reconnect), record one take, auto-segment, split
(one take per class: by recording would leave the test set empty, the window says so and
offers the fix), train, flash, restart the board without its model (nothing stale on the
Deploy page), flash again, live inference, train again (the board runs the older model and
the page says so), flash; a new window shows the model's results."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from ui_helpers import record_take

from tinystudio.ui import split_plan
from tinystudio.ui.board_model import Holds
from tinystudio.ui.split_plan import SplitChoice

pytestmark = pytest.mark.slow


def _record(qtbot, window, label: str, seconds: float):
    return record_take(qtbot, window, label, seconds)


def _visible_texts(window) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [w.text() for w in window.findChildren(QLabel) if w.isVisible()]


def _flash(qtbot, deploy):
    qtbot.waitUntil(lambda: deploy.flash_button.isEnabled(), timeout=20_000)
    with qtbot.waitSignal(deploy.flashed, timeout=60_000) as blocker:
        deploy.flash_button.click()
    assert blocker.args[0].verified
    # the board's own answer to MODEL_STATUS (it alone knows the arena it uses)
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.THIS and deploy.board_model.arena_used_bytes > 0,
                    timeout=10_000)
    assert "runs this model" in deploy.board_model_label.text()
    assert "verified: yes" in deploy.flash_status.text()
    qtbot.waitUntil(lambda: deploy.big.text in ("punch", "flex", "uncertain"), timeout=30_000)


def test_new_user_loop_without_stale_state(qtbot, window, punch_csv, flex_csv, settings_dir):
    device, train, deploy = window.device_page, window.train_page, window.deploy_page
    board = window.board
    # first run: every empty state says what to do next
    assert "record your first class" in train.status.text()
    assert "Virtual board" in device.placeholder.text() and "Open example" in device.placeholder.text()
    assert "not connected" in deploy.board_model_label.text()

    # connect the virtual board replaying punch
    window.show_page("Device")
    device.replay_edit.setText(str(punch_csv))
    device.sensor_boxes["mic"].setChecked(False)  # the replay is IMU data
    with qtbot.waitSignal(board.connected, timeout=30_000):
        device.connect_button.click()
    assert window.board_label.text().startswith("board: ")
    assert "punch.csv" in device.info_label.text()
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.NOTHING, timeout=10_000)
    assert "holds no model" in deploy.board_model_label.text()
    punch = _record(qtbot, window, "punch", 8.0)
    assert [s.label for s in punch.segments] == ["punch"]

    # switch the replay file the way a user does (type, Enter): it applies itself
    window.show_page("Device")
    first = board.session
    assert len(device.views) == 1
    device.replay_edit.setFocus()
    device.replay_edit.selectAll()
    qtbot.keyClicks(device.replay_edit, str(flex_csv))
    with qtbot.waitSignal(board.disconnected, timeout=5_000):
        qtbot.keyClick(device.replay_edit, Qt.Key_Return)
    assert device.views == {}  # the punch plots are gone at once, not frozen
    qtbot.waitUntil(lambda: board.session is not None and board.session is not first, timeout=30_000)
    assert board.last_target[1].replay == str(flex_csv)
    assert "flex.csv" in device.info_label.text() and len(device.views) == 1
    assert not device.banner.isVisible() and window.error_strip.text == ""
    flex = _record(qtbot, window, "flex", 8.0)
    assert [s.label for s in flex.segments] == ["flex"]

    # label: auto-segment both takes
    window.show_page("Label")
    with qtbot.waitSignal(window.label_page.auto_done, timeout=20_000):
        window.label_page.buttons["auto_all"].click()
    project = window.ctx.project
    per_class = split_plan.labeled_classes(project)
    assert per_class["punch"] >= 5 and per_class["flex"] >= 5, per_class

    # the split control: one take per class -> it proposes by segment, counts first
    window.show_page("Train")
    assert "labeled segments in 2 classes" in train.status.text()
    panel = train.split_panel
    assert panel.choice().by == "segment" and "no split yet" in panel.now_label.text()
    preview = panel.preview_result
    assert all(n["train"] > 0 and n["test"] > 0 for n in preview.counts.values()), preview.counts
    assert "by segment" in panel.verdict.text() and panel.apply_button.isEnabled()
    panel.strategy.setCurrentIndex(panel.strategy.findData("recording"))
    # one take per class: by recording falls back to a split by segment and says so
    assert panel.preview_result.total("test") > 0 and panel.apply_button.isEnabled()
    assert any("split by segment" in n for n in panel.preview_result.notes)
    assert project.split_config.get("assignments", {}) == {}  # a preview changes nothing

    # a split made earlier with nothing in test: Start offers the fix, not a failure
    split_plan.apply(project, SplitChoice("recording", 0.0))
    window.ctx.recordings_changed.emit()
    assert "test set would be empty" in panel.now_label.text()
    train.epochs.setValue(8)
    train.start_button.click()
    assert not train.running and train.banner.isVisible()
    assert train.banner.button.text() == "Split by segment and train"
    assert window.error_strip.text == ""
    with qtbot.waitSignal(train.trained, timeout=240_000) as blocker:
        train.banner.button.click()
        assert train.running
    report = blocker.args[0]
    assert set(report.classes) == {"punch", "flex"}
    assert project.split_config["by"] == "segment"
    assert "by segment" in panel.now_label.text()
    # a clear final state: no epoch counter or ETA left behind
    assert train.progress.format().startswith("done: ") and "ETA" not in train.progress.format()
    assert train.status.text().startswith("Done: int8 accuracy")
    if report.epochs_run < 8:
        assert "stopped early" in train.progress.format()
    drawn = any(h.get("val_loss") is not None for h in report.history)
    listed = [label.text for _s, label in train.curves.loss_plot.legend.items]
    assert ("validation" in listed) == drawn

    # deploy: the board holds no model and the page says so; flash; predictions
    window.show_page("Deploy")
    qtbot.waitUntil(lambda: deploy.package is not None, timeout=20_000)
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.NOTHING, timeout=10_000)
    assert "holds no model" in deploy.board_model_label.text() and deploy.big.text == "—"
    _flash(qtbot, deploy)
    x_range = deploy.scores.x_range
    assert x_range == pytest.approx((-deploy.scores.window_s, 0.0), abs=1e-6)

    # the board restarts without its model: first it is gone ...
    with qtbot.waitSignal(board.board_lost, timeout=15_000):
        board.kill_virtual_board()
    assert window.board_label.text() == "board: gone" and window.rate_label.text() == ""
    assert device.views == {}
    assert deploy.big.text == "—" and "verified" not in deploy.flash_status.text()
    assert "%" not in deploy.big.detail.text() and deploy.latency_label.text() == "latency: —"
    assert not any(t.endswith("%") for t in _visible_texts(window))  # no score of a gone board
    # ... then it is back, empty
    window.show_page("Device")
    with qtbot.waitSignal(board.connected, timeout=30_000):
        device.banner.button.click()
    window.show_page("Deploy")
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.NOTHING, timeout=10_000)
    assert "holds no model" in deploy.board_model_label.text()
    assert deploy.big.text == "—" and deploy.flash_status.text() == ""
    assert deploy.listener is not None and deploy.listener.total == 0
    assert all("verified: yes" not in t for t in _visible_texts(window))

    # flash again: live inference from the board
    _flash(qtbot, deploy)
    qtbot.waitUntil(lambda: deploy.listener.total >= 3, timeout=30_000)
    assert "latency on the board" in deploy.latency_label.text()
    assert window.error_strip.text == ""

    # train again (fewer epochs: other weights): the board still runs the old model, and says so
    window.show_page("Train")
    train.epochs.setValue(5)
    with qtbot.waitSignal(train.trained, timeout=240_000):
        train.start_button.click()
    window.show_page("Deploy")
    qtbot.waitUntil(lambda: deploy.board_model.holds == Holds.OTHER, timeout=20_000)
    assert "runs a different model" in deploy.board_model_label.text()
    assert deploy.big.text == "—" and deploy.flash_status.text() == ""
    assert not deploy.parity_button.isEnabled() and deploy.flash_button.isEnabled()
    _flash(qtbot, deploy)

    # a restart of the window: the Train page shows the model's results from the project
    from tinystudio.ui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    again.build_pages()
    again.open_project(project.path)
    qtbot.waitUntil(lambda: again.train_page.report is not None, timeout=20_000)
    assert again.train_page.int8_cm.table.rowCount() == 2
    assert "Current model" in again.train_page.status.text()
    assert "Label some data" not in again.train_page.status.text()
    again.close()
