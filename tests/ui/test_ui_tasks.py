"""The window knows the project's task (issue 23): New project offers it, the Label page
says what a label means, the Train page reports AUC / false alarms or MAE / RMSE / R² with
a predicted-vs-true plot, and the Deploy page shows the board's streamed anomaly score as
NORMAL / ANOMALY against the threshold, or its predicted value, on the virtual board.
The anomaly model is trained once per session in-process (tests/task_projects.py); the
sine model is trained here, by the Train page's Start button (the trainer's child process)."""

from __future__ import annotations

import shutil

import pytest

from tests.task_projects import (
    anomaly_project,
    write_sine_replay,
    write_vibration_replay,
)


def _open(qtbot, window, path):
    window.open_project(path)
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path == path,
                    timeout=10_000)
    return window.ctx.project


def _flash(qtbot, window):
    window.show_page("Deploy")
    deploy = window.deploy_page
    qtbot.waitUntil(lambda: deploy.package is not None and deploy.flash_button.isEnabled(), timeout=20_000)
    with qtbot.waitSignal(deploy.flashed, timeout=30_000) as blocker:
        deploy.flash_button.click()
    assert blocker.args[0].verified
    return deploy


def test_new_project_offers_the_task_and_the_pages_follow_it(qtbot, window, tmp_path):
    from tinystudio.dataset import Project
    from tinystudio.ui.new_project_dialog import NewProjectDialog

    dialog = NewProjectDialog(str(tmp_path / "fan"))
    qtbot.addWidget(dialog)
    assert [dialog.task.itemData(i) for i in range(dialog.task.count())] == [
        "classification", "anomaly", "regression"]
    dialog.task.setCurrentIndex(1)
    assert "normal" in dialog.why.text()
    window.new_project(*dialog.choice())
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path == tmp_path / "fan",
                    timeout=10_000)
    assert Project.open(tmp_path / "fan").task == "anomaly"  # written to project.json
    label, train = window.label_page, window.train_page
    assert "normal" in label.task_hint.text() and "test data only" in label.task_hint.text()
    assert train.task_combo.currentData() == "anomaly"
    assert [train.model_combo.itemData(i) for i in range(1, 3)] == ["kmeans", "autoencoder"]
    train.task_combo.setCurrentIndex(train.task_combo.findData("regression"))  # changed later
    assert Project.open(tmp_path / "fan").task == "regression"
    assert "a number" in label.task_hint.text()
    window.ctx.project.settings.setdefault("train", {})["target"] = "y"
    window.ctx.project_changed.emit(window.ctx.project)
    assert "channel 'y'" in label.task_hint.text()


def test_anomaly_train_report_and_deploy_state_on_the_virtual_board(qtbot, window, connect_virtual,
                                                                   task_base, tmp_path):
    path = tmp_path / "machine"
    shutil.copytree(anomaly_project(task_base), path)
    _open(qtbot, window, path)
    window.show_page("Train")
    train = window.train_page
    qtbot.waitUntil(lambda: train.report is not None, timeout=10_000)
    m = train.report.int8_metrics
    assert train.task_results.isVisibleTo(window) and not train.int8_cm.isVisibleTo(window)
    text = train.task_results.text.text()
    assert f"AUC (int8): {m['auc']:.3f}" in text and "false alarms: " in text and "threshold" in text
    assert "per hour" in train.status.text() and "accuracy" not in train.status.text()
    connect_virtual(window, replay=write_vibration_replay(tmp_path / "run.csv", 1.5, 1.5))
    deploy = _flash(qtbot, window)
    threshold = deploy.package.descriptor.score_threshold
    assert deploy.values.isVisibleTo(window) and not deploy.scores.isVisibleTo(window)
    assert deploy.values.threshold == pytest.approx(threshold)
    # the replay runs normally, then with a fault: the page follows the board's score
    qtbot.waitUntil(lambda: deploy.big.text == "NORMAL", timeout=15_000)
    assert deploy.reading.value <= threshold and "threshold" in deploy.big.detail.text()
    qtbot.waitUntil(lambda: deploy.big.text == "ANOMALY", timeout=15_000)
    assert deploy.reading.value > threshold
    assert deploy.values.values.max() > threshold >= deploy.values.values.min()  # both sides drawn


def test_regression_trained_in_the_window_plot_and_deploy_value_on_the_virtual_board(
        qtbot, window, connect_virtual, tmp_path):
    from tinystudio.examples import create_example

    path = create_example("sine", tmp_path / "sine")  # untrained: the Train page trains it
    _open(qtbot, window, path)
    window.show_page("Train")
    train = window.train_page
    assert train.task_combo.currentData() == "regression" and train.learning_rate.value() == 0.01
    train.epochs.setValue(25)
    with qtbot.waitSignal(train.trained, timeout=120_000):
        train.start_button.click()
    assert train.status.text().startswith("Done: int8 MAE") and "accuracy" not in train.status.text()
    assert "MAE" in train.task_results.text.text() and "R²" in train.task_results.text.text()
    true, pred = train.task_results.pairs
    assert len(true) == len(pred) == 200 and train.task_results.plot.isVisibleTo(window)
    assert max(abs(p - t) for t, p in zip(true, pred, strict=True)) < 0.5  # predicted follows true
    assert "channel 'y'" in window.label_page.task_hint.text()
    replay, x = write_sine_replay(tmp_path / "x.csv")
    connect_virtual(window, replay=replay)
    deploy = _flash(qtbot, window)
    assert deploy.values.isVisibleTo(window) and deploy.values.threshold is None
    qtbot.waitUntil(lambda: deploy.reading is not None and len(deploy.values.values) > len(x), timeout=15_000)
    assert deploy.big.detail.text() == "predicted y"
    vals = deploy.values.values
    assert vals.min() < -0.8 and vals.max() > 0.8  # the board's values trace sin(x)
    assert deploy.big.text == f"{deploy.reading.value:.3g}"
    _board_equals_host_on_the_replay(qtbot, deploy, x)
    with qtbot.waitSignal(deploy.parity_done, timeout=60_000) as blocker:  # the page's own check
        deploy.parity_button.click()
    assert blocker.args[0].windows == 200 and blocker.args[0].mismatches == 0


def _board_equals_host_on_the_replay(qtbot, deploy, x):
    """Sine parity on the virtual board: one full pass of the replay, as the board streamed
    it live (int8 outputs, consecutive windows), is the host TFLM's outputs on the same x,
    and within [0, 2 pi] its values are sin(x) to MAE <= 0.05."""
    import numpy as np

    from tinystudio.ml.package import dequantize, quantize_raw_window
    from tinystudio.ml.tflm import TflmRunner

    n = len(x)
    qtbot.waitUntil(lambda: deploy.listener.total >= n + 8, timeout=15_000)
    results = deploy.listener.latest(n)
    assert [r.window_index for r in results] == list(range(results[0].window_index, results[0].window_index + n))
    board = np.array([r.raw[0] for r in results])
    d = deploy.package.descriptor
    raw = np.round(x / d.raw_scale[0])[:, None, None]  # the replay's raw samples (its scale is 2e-4)
    # a fixed arena: TFLM's binding can crash while bisecting this tiny graph's arena
    host = TflmRunner(deploy.package.tflite, 16 * 1024).run_batch(quantize_raw_window(raw, d)).reshape(-1)
    shifts = [k for k in range(n) if np.array_equal(np.roll(host, -k), board)]
    assert len(shifts) == 1, (board.tolist(), host.tolist())  # the board's pass is the host's, rotated
    inside = x <= 2 * np.pi
    y = dequantize(host[inside], d.output_scale, d.output_zero_point)
    assert np.mean(np.abs(y - np.sin(x[inside]))) <= 0.05
