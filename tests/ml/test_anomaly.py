"""Anomaly detection from normal data only, on generated machine vibration (issue 23).

The acceptance run: 15 minutes of normal takes for training (a quarter held out for the
threshold), an hour of normal operation and two takes of each fault for testing, 2 s
windows every 2 s.
"""

import json

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.synthetic import FAULTS, vibration, vibration_project
from tinystudio.errors import TrainingError
from tinystudio.ml.anomaly import auc, calibrate_threshold


@pytest.fixture(scope="module")
def trained_vibration(tmp_path_factory):
    from tinystudio.ml.pipeline import TrainOptions, train_project

    folder = tmp_path_factory.mktemp("vib") / "machine"
    vibration_project(folder)
    return folder, train_project(folder, TrainOptions(seed=0))


def test_faults_found_and_at_most_one_false_alarm_per_hour(trained_vibration):
    _, report = trained_vibration
    m = report.int8_metrics
    assert report.task == "anomaly" and report.classes == ["anomaly"]
    assert m["normal_hours"] >= 0.99  # an hour of normal operation in the test split
    assert m["auc"] >= 0.95
    assert m["false_alarms_per_hour"] <= 1.0
    assert set(m["detected"]) == set(FAULTS)
    assert report.evaluation["calibration_windows"] > 0
    # TFLM (what the board runs) and TFLite agree within one int8 step on every window
    assert report.tflm["max_abs_diff"] <= 1 and report.tflm["unsupported_ops"] == []
    assert report.tflm["n_compared"] == m["n"]
    assert report.model_bytes <= 20 * 1024


def test_package_says_anomaly_and_the_board_firmware_has_every_op(trained_vibration):
    folder, report = trained_vibration
    from tinystudio.ml.op_contract import glue_ops
    from tinystudio.ml.pipeline import load_current_package

    pkg = load_current_package(folder)
    d = pkg.descriptor
    assert d.task == "anomaly" and d.labels == ["anomaly"] and d.score_threshold is not None
    assert d.impulse["learning"]["block"] == "anomaly"
    assert d.impulse["learning"]["threshold_q"] == report.evaluation["threshold_q"]
    assert set(d.ops) <= set(glue_ops())
    summary = report.summary()
    assert summary["task"] == "anomaly" and summary["metrics"]["auc"] == report.int8_metrics["auc"]


def test_fault_windows_in_the_training_split_are_test_data_only(tmp_path):
    from tinystudio.ml.blocks.input_windows import BLOCK as WINDOWS
    from tinystudio.ml.blocks.learning_anomaly import _data
    from tinystudio.ml.blocks.processing_raw import BLOCK as RAW
    from tinystudio.ml.impulse import Callbacks, LearnContext
    from tinystudio.ml.pipeline import TrainOptions

    p = vibration_project(tmp_path / "m", train_takes=4, take_seconds=10, test_minutes=1,
                          fault_seconds=10)
    split = dict(p.split_config["assignments"])
    fault = next(r for r in p.recordings() if r.segments[0].label == "impulse")
    split[fault.id] = "train"
    p.set_split({"by": "recording"}, split)
    settings = p.settings["train"]
    info = {"made_for_this_run": False}
    w = WINDOWS.examples(p, settings, TrainOptions(), Callbacks(), info)
    f = RAW.features(w, settings, 0, None)
    ctx = LearnContext(p, settings, TrainOptions(), None, w, f, None, Callbacks(), info)
    d = _data(ctx)
    assert d["moved"] == 5 and d["test_labels"].count("impulse") == 10
    assert len(d["fit"]) + len(d["cal"]) == f.train_labels.count("normal")
    assert "used as test data only" in ctx.warnings[0]


def test_two_labels_and_none_normal_is_refused_before_training(tmp_path):
    from tinystudio.dataset.synthetic import RATE, add_recording
    from tinystudio.ml.pipeline import train_project

    p = Project.create(tmp_path / "m", task="anomaly")
    for i, label in enumerate(("quiet", "loud", "quiet", "loud")):
        add_recording(p, f"t{i}", vibration(20, None, i), label, RATE)
    p.save()
    with pytest.raises(TrainingError, match="label the normal data 'normal'"):
        train_project(p.path)


def test_auc_and_threshold_rules():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 20, 300), rng.integers(5, 30, 200)  # with many ties
    ref = roc_auc_score([0] * 300 + [1] * 200, np.concatenate([a, b]))
    assert auc(a, b) == pytest.approx(ref)
    assert auc(a, []) is None
    # enough windows for the rate: the quantile; too few: above the highest by a margin
    assert calibrate_threshold(np.arange(-100, 100), 0.05, 0.5) == 89
    assert calibrate_threshold(np.array([-10, 0, 10]), 1e-4, 0.5) == 15


def test_new_command_creates_a_project_with_its_task(tmp_path, capsys):
    assert main(["new", str(tmp_path / "fan"), "--task", "anomaly", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "anomaly"
    data = json.loads((tmp_path / "fan" / "project.json").read_text())
    assert data["task"] == "anomaly" and Project.open(tmp_path / "fan").task == "anomaly"
    assert Project.create(tmp_path / "plain").task == "classification"
    data["task"] = "clustering"
    (tmp_path / "fan" / "project.json").write_text(json.dumps(data))
    from tinystudio.errors import DatasetError

    with pytest.raises(DatasetError, match="task.*'clustering'; use one of classification"):
        Project.open(tmp_path / "fan")


def test_classify_prints_the_score_and_the_state(trained_vibration, tmp_path, capsys):
    from tinystudio.dataset.synthetic import SCALE_G
    from tinystudio.ml.pipeline import current_package_dir

    folder, _ = trained_vibration
    files = []
    for fault in ("impulse", None):
        raw = np.round(vibration(20, fault, 99)[:, 0] / SCALE_G).astype(int)
        path = tmp_path / f"{fault or 'normal'}.csv"
        path.write_text("accel\n" + "\n".join(map(str, raw)) + "\n")
        files.append(path)
    assert main(["classify", "--model", str(current_package_dir(folder)), *map(str, files),
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    rows = rows if isinstance(rows, list) else rows["results"]
    fault_rows = [r for r in rows if r["file"].endswith("impulse.csv")]
    normal_rows = [r for r in rows if r["file"].endswith("normal.csv")]
    assert len(fault_rows) == len(normal_rows) == 10
    assert all(r["label"] == "anomaly" and r["score"] > r["threshold"] for r in fault_rows)
    assert sum(r["label"] == "normal" for r in normal_rows) >= 9
