"""States that must stay current: a failed connection (in words, once, views cleared, the
fix applies itself), the score plot's fixed time window, the Train page's final states
and its candidate table."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def _type_replay(qtbot, page, text: str) -> None:
    page.replay_edit.setFocus()
    page.replay_edit.selectAll()
    qtbot.keyClicks(page.replay_edit, text)
    qtbot.keyClick(page.replay_edit, Qt.Key_Return)


def _shown_in(window, fragment: str) -> int:
    return sum(1 for w in window.findChildren(QLabel) if w.isVisible() and fragment in w.text())


def test_failed_replay_says_so_once_clears_the_views_and_the_fix_applies_itself(
        qtbot, window, connect_virtual, tmp_path, punch_csv):
    connect_virtual(window)
    page = window.device_page
    window.show_page("Device")
    assert len(page.views) == 1
    empty = tmp_path / "empty.csv"
    empty.write_text("aX,aY,aZ\n", encoding="utf-8")
    with qtbot.waitSignal(window.board.failed, timeout=30_000) as blocker:
        _type_replay(qtbot, page, str(empty))
    message = blocker.args[0]
    assert "no data lines" in message and "virtual board could not start" in message
    assert "--" not in message and "tinystudio sim" not in message  # words, not a command line
    assert window.error_strip.text == message
    assert _shown_in(window, "no data lines") == 1
    assert page.views == {} and window.board.session is None
    assert window.board_label.text() == "no board (connection failed)"
    assert window.rate_label.text() == ""

    # a file that does not exist is refused before anything starts, in words
    with qtbot.waitSignal(window.board.failed, timeout=5_000) as blocker:
        _type_replay(qtbot, page, str(tmp_path / "missing.csv"))
    assert "does not exist" in blocker.args[0] and _shown_in(window, "does not exist") == 1

    # choosing a good file is enough: no Connect press
    with qtbot.waitSignal(window.board.connected, timeout=30_000):
        _type_replay(qtbot, page, str(punch_csv))
    assert window.error_strip.text == "" and len(page.views) == 1
    assert window.board_label.text().startswith("board: ")

    # a sensor box is applied the same way
    with qtbot.waitSignal(window.board.connected, timeout=30_000):
        page.sensor_boxes["mic"].click()
    assert {s.kind.name for s in window.board.info.sensors} == {"IMU", "MICROPHONE"}
    assert len(page.views) == 2


def test_score_plot_keeps_a_fixed_time_window(qtbot):
    from tinystudio.deploy.inference import InferenceResult
    from tinystudio.ui.app import configure_plots
    from tinystudio.ui.widgets.score_plot import ScorePlot

    configure_plots()
    plot = ScorePlot()
    qtbot.addWidget(plot)
    plot.set_labels(("punch", "flex"))
    results = [InferenceResult(i, 900, i % 2, (0.8, 0.2), (76, -77), "punch", i, 1000.0 + 0.5 * i)
               for i in range(150)]  # 75 s of predictions
    for end in (10, 60, 150):
        plot.show_results(results[:end], now=results[end - 1].received)
        assert plot.x_range == (-plot.window_s, 0.0)
        xs, _ys = plot.curves[0].getData()
        assert xs.min() >= -plot.window_s and xs.max() == 0.0
    plot.clear_scores()
    assert plot.curves[0].getData()[0] is None or len(plot.curves[0].getData()[0]) == 0


def _report(tmp_path, **extra):
    from tinystudio.ml.pipeline import TrainReport

    m = {"accuracy": 0.9, "confusion": [[9, 1], [1, 9]], "n": 20}
    report = TrainReport(
        classes=["punch", "flex"], float_metrics=m, int8_metrics=m, model_bytes=4321,
        arena_bytes=2100, train_seconds=3.0, total_seconds=5.0,
        model_path=str(tmp_path / "models" / "imu_cnn-x" / "model.tflite"), fits={}, fit_messages={},
        tflm={}, model_name="imu_cnn", budget_bytes=20000, epochs_run=47,
        history=[{"epoch": e, "epochs": 999, "loss": 1.0 / e, "accuracy": 0.5, "val_loss": None,
                  "val_accuracy": None, "elapsed_seconds": e, "eta_seconds": 0} for e in range(1, 48)])
    data = {**report.__dict__, **extra}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_train_page_final_state_after_early_stop_and_candidates(qtbot, window, tmp_path):
    from tinystudio.ui.train_process import read_report

    candidates = [  # the fields of ml.search.Candidate.to_dict()
        {"name": "imu_cnn", "accuracy": 0.93, "model_bytes": 4321, "arena_bytes": 2100, "latency_ms": 0.85,
         "chosen": True},
        {"name": "imu_features", "accuracy": 0.88, "model_bytes": 9000, "arena_bytes": 1500, "latency_ms": 0.4},
        {"name": "odd", "accuracy": "n/a"},
    ]
    baseline = {"method": "nearest neighbour", "val_accuracy": 0.9}
    report = read_report(_report(tmp_path, candidates=candidates, baseline=baseline, future_field=1))
    assert report.candidates == candidates  # a field the dataclass does not know is kept
    train = window.train_page
    window.show_page("Train")
    train._requested_epochs = 999
    train._done(report)
    assert train.progress.format() == "done: 47 epochs (stopped early)"
    assert "Stopped early after epoch 47 of 999" in train.status.text()
    assert "No validation curve" in train.status.text()
    listed = [label.text for _s, label in train.curves.loss_plot.legend.items]
    assert listed == ["train"]  # "validation" is not listed when it is not drawn
    table = train.candidates
    assert table.isVisible() and table.rowCount() == 4
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(4)]
    assert rows[0] == ["imu_cnn (chosen)", "93.0%", "4,321 B", "2,100 B", "0.85 ms"]
    assert rows[1] == ["imu_features", "88.0%", "9,000 B", "1,500 B", "0.40 ms"]
    assert rows[2] == ["odd", "n/a", "–", "–", "–"]
    assert rows[3] == ["baseline", "90.0%", "–", "–", "–"]
    assert len(train.curves.epochs) == 47  # the curves come from the report's history

    train._done(read_report(_report(tmp_path)))  # no candidates: no empty table
    assert not train.candidates.isVisible()
