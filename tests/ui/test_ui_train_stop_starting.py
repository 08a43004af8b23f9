"""Stop pressed while the trainer is still starting (loading TensorFlow) keeps the current
model's results on the Train page (issue 21): the stopped run changed nothing on disk."""

from __future__ import annotations

from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths
from tinystudio.dataset.splits import make_split
from tinystudio.ml.report import TrainReport


def _current_model_report(folder) -> TrainReport:
    """The results the page shows for a project's current model (as read from its package)."""
    cm = [[6, 1], [2, 5]]
    return TrainReport(
        classes=["punch", "flex"], float_metrics={"accuracy": 11 / 14, "confusion": cm, "n": 14},
        int8_metrics={"accuracy": 11 / 14, "confusion": cm, "n": 14}, model_bytes=6656, arena_bytes=4352,
        train_seconds=12.0, total_seconds=20.0, model_path=str(folder / "models" / "m1" / "model.tflite"),
        fits={"nano33": True}, fit_messages={"nano33": "fits"}, tflm={"ops": [], "max_abs_diff": 0},
        model_name="imu_cnn", budget_bytes=20000, epochs_run=9,
        history=[{"epoch": e, "epochs": 9, "loss": 1.0 / e, "accuracy": 0.5 + e / 20, "val_loss": None,
                  "val_accuracy": None, "elapsed_seconds": e * 1.3, "eta_seconds": 0.0} for e in range(1, 10)])


def test_stop_while_starting_keeps_the_current_models_results(qtbot, window, tmp_path, punch_csv, flex_csv):
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    p = Project.open(folder)
    make_split(p, 0.3, seed=0, by="segment")
    p.save()
    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(folder)
    train = window.train_page
    window.show_page("Train")
    report = _current_model_report(folder)
    train._loaded(window.ctx.project.path, report)  # what opening a project with a model does
    assert train.report is report and train.int8_cm.matrix

    train.start_button.click()
    assert train.running and "starting" in train.progress.format()
    assert train.report is None  # the new run owns the page while it runs
    train.stop_button.click()  # still "starting": TensorFlow is not even loaded
    qtbot.waitUntil(lambda: not train.running and train.start_button.isEnabled(), timeout=60_000)
    assert "stopped" in train.status.text()
    assert train.report is report
    assert train.int8_cm.matrix == report.int8_metrics["confusion"]
    assert "imu_cnn" in train.size_label.text()
    assert len(train.curves.epochs) == len(report.history)
    assert window.error_strip.text == ""
