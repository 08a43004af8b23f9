"""Continuous motion labeled whole (Edge Impulse's phone-motion export): windows, Edge
Impulse's own split kept, the model search with a baseline, the unknown 'testing' label
reported apart; and the dead ends that used to block training."""

import json

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.ml.inputs import test_windows
from tinystudio.ml.pipeline import (
    TrainOptions,
    load_current_package,
    load_current_report,
    train_project,
)
from tinystudio.ml.tflm import run_tflm

from .conftest import make_ei_project

pytestmark = pytest.mark.slow


def test_ei_phone_motion_search_baseline_and_unknown_label(tmp_path, examples_dir, capsys):
    project = make_ei_project(tmp_path / "ei", examples_dir / "ei_phone_motion")
    rc = main(["train", str(project), "--json", "--quiet", "--epochs", "8", "--seed", "0"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert s["classes"] == ["circle", "idle", "left-right", "up-down"]
    assert (s["window_ms"], s["stride_ms"]) == (2000.0, 496.0)  # 125 / 31 samples at 62.5 Hz
    assert s["split"]["imported"] and not s["split"]["made_for_this_run"]  # Edge Impulse's split kept
    assert s["test_windows"] == 16 * 17 and s["int8_accuracy"] >= 0.9
    assert s["model_bytes"] <= 20 * 1024
    names = [c["name"] for c in s["candidates"]]
    assert names == ["imu_cnn", "imu_features", "imu_spectral"] and s["model"] == s["chosen"] in names
    assert [c["name"] for c in s["candidates"] if c["chosen"]] == [s["chosen"]]
    for c in s["candidates"]:
        assert c["val_accuracy"] is not None and c["model_bytes"] > 0 and c["arena_bytes"] > 0
        assert c["latency_ms"] > 0 and c["fits"]
    assert s["evaluation"]["scheme"] == "holdout 20% by segment"
    assert s["baseline"]["test_accuracy"] >= 0.9 and s["baseline"]["n_test"] == 16 * 17
    unknown = s["unknown_classes"]["testing"]
    assert unknown["windows"] == 3 * 17 and sum(unknown["predicted"].values()) == 3 * 17
    assert load_current_report(project)["candidates"] == s["candidates"]
    pkg = load_current_package(project)
    x, y = test_windows(Project.open(project), pkg)
    known = y >= 0
    assert np.mean(run_tflm(pkg.tflite, x[known]).argmax(1) == y[known]) == s["int8_accuracy"]


def test_one_recording_per_class_and_a_one_second_recording(tmp_path, examples_dir):
    ei = examples_dir / "ei_phone_motion"
    doc = json.loads(next((ei / "training").glob("idle.*.json")).read_text())
    doc["payload"]["values"] = doc["payload"]["values"][:62]  # 1 s at 62.5 Hz
    short = tmp_path / "idle.short1s.json"
    short.write_text(json.dumps(doc))
    project = make_ei_project(tmp_path / "p", ei, train_per_class=1, with_split=False,
                              extra=[short])
    statuses = []
    report = train_project(project, TrainOptions(epochs=10, model="imu_features", seed=0),
                           on_status=statuses.append)
    assert any("short1s (0.99 s)" in w for w in report.warnings)
    assert any("short1s" in st for st in statuses)
    assert report.split["made_for_this_run"]
    assert any("split by time" in n for n in report.split["notes"])
    assert set(np.nonzero(np.array(report.int8_metrics["confusion"]).sum(1))[0]) == {0, 1, 2, 3}
    cuts = Project.open(project).split_config["time_cuts"]  # saved with the model
    assert len(cuts) == 4  # the 1-s take gives no window: it stays in train, uncut
    assert report.evaluation["scheme"] == "test split only" and report.candidates == []
