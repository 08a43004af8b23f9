"""The whole loop through the window on the virtual board: connect, record two classes
from replayed punch/flex data, auto-label, train a few epochs, flash, see predictions."""

from __future__ import annotations

import pytest
from ui_helpers import record_take

pytestmark = pytest.mark.slow


def _record(qtbot, window, label: str, seconds: float) -> None:
    rec = record_take(qtbot, window, label, seconds)
    assert rec.n_samples == round(seconds * rec.rate_hz)
    assert [s.label for s in rec.segments] == [label]


def test_connect_record_label_train_flash_infer(qtbot, window, connect_virtual, punch_csv, flex_csv):
    session = connect_virtual(window, replay=punch_csv)
    assert session.info.sensors[0].kind.name == "IMU"
    window.show_page("Record")
    _record(qtbot, window, "punch", 10.0)
    connect_virtual(window, replay=flex_csv)
    _record(qtbot, window, "flex", 10.0)
    project = window.ctx.project
    assert sorted(project.classes) == ["flex", "punch"]

    window.show_page("Label")
    label = window.label_page
    with qtbot.waitSignal(label.auto_done, timeout=20_000) as blocker:
        label.buttons["auto_all"].click()
    assert blocker.args == [2]
    segs = project.labeled_segments()
    counts = {c: sum(1 for s in segs if s.label == c) for c in ("punch", "flex")}
    assert counts["punch"] >= 5 and counts["flex"] >= 5, counts
    assert all(s.end - s.start < 2 * 119 for s in segs)  # gestures, not whole takes
    label.undo_stack.undo()  # undo and redo are exact
    assert sum(1 for s in project.labeled_segments() if s.label == "flex") == 1
    label.undo_stack.redo()
    assert sum(1 for s in project.labeled_segments() if s.label == "flex") == counts["flex"]

    window.show_page("Train")
    train = window.train_page
    train.epochs.setValue(6)
    with qtbot.waitSignal(train.trained, timeout=240_000) as blocker:
        train.start_button.click()
        qtbot.waitUntil(lambda: len(train.curves.epochs) >= 1, timeout=200_000)
    report = blocker.args[0]
    assert report.classes and set(report.classes) == {"punch", "flex"}
    assert train.int8_cm.table.rowCount() == 2
    assert sum(map(sum, train.int8_cm.matrix)) == report.int8_metrics["n"] > 0
    assert train.fit_table.rowCount() >= 1
    # no model pinned: the search ran, and its candidates are on the page
    assert train.model_combo.currentData() is None
    names = [train.candidates.item(r, 0).text() for r in range(train.candidates.rowCount())]
    assert {n.split(" ")[0] for n in names[:-1]} == {"imu_cnn", "imu_features", "imu_spectral"}
    assert sum("(chosen)" in n for n in names) == 1 and names[-1].startswith("baseline")

    window.show_page("Deploy")
    deploy = window.deploy_page
    qtbot.waitUntil(lambda: deploy.package is not None and deploy.flash_button.isEnabled(), timeout=20_000)
    with qtbot.waitSignal(deploy.flashed, timeout=60_000) as blocker:
        deploy.flash_button.click()
    assert blocker.args[0].verified
    qtbot.waitUntil(lambda: deploy.listener is not None and deploy.listener.total >= 3, timeout=30_000)
    qtbot.waitUntil(lambda: deploy.big.text in ("punch", "flex", "uncertain"), timeout=10_000)
    # a low-confidence prediction is shown as such, with its best guess, never as a big label
    assert deploy.big.text != "uncertain" or "best guess" in deploy.big.detail.text()
    assert "latency on the board" in deploy.latency_label.text()
    with qtbot.waitSignal(deploy.parity_done, timeout=120_000) as blocker:
        deploy.parity_button.click()
    assert blocker.args[0].mismatches == 0
