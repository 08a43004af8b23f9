"""Regression: TFLM's Hello World from generated data (`tinystudio example sine`)."""

import json

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.synthetic import RATE, add_recording, vibration
from tinystudio.errors import TrainingError


def test_example_sine_trains_a_small_int8_regressor_equal_in_tflm(tmp_path, capsys):
    folder = tmp_path / "sine"
    assert main(["example", "sine", str(folder)]) == 0
    assert Project.open(folder).task == "regression"
    capsys.readouterr()
    assert main(["train", str(folder), "--json"]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["task"] == "regression" and s["outputs"] == ["y"]
    assert s["model_bytes"] <= 4 * 1024
    assert s["metrics"]["n"] == 200  # evenly spaced over [0, 2 pi]
    assert s["metrics"]["mae"] <= 0.05 and s["metrics"]["r2"] >= 0.98
    from tinystudio.ml.evaluate import run_tflite
    from tinystudio.ml.package import dequantize
    from tinystudio.ml.pipeline import load_current_package, load_current_report
    from tinystudio.ml.tflm import TflmRunner

    report = load_current_report(folder)
    assert report["tflm"]["max_abs_diff"] == 0 and report["tflm"]["n_compared"] == 200
    pkg = load_current_package(folder)
    d = pkg.descriptor
    assert d.task == "regression" and d.channels == ["x"] and d.input_shape == [1, 1]
    assert d.impulse["learning"] == {"block": "regressor", "target": "y",
                                     "target_from": "channel", "epochs": 200}
    # the descriptor alone turns x into the int8 input and the int8 output into sin(x)
    x = np.linspace(0, 2 * np.pi, 50)
    q = np.clip(np.round(x[:, None, None] / 2e-4 * d.input_gain[0] + d.input_bias[0]),
                -128, 127).astype(np.int8)
    # a fixed arena: TFLM's binding can crash while bisecting this tiny graph's arena
    micro = TflmRunner(pkg.tflite, 16 * 1024).run_batch(q)
    assert np.array_equal(micro, run_tflite(pkg.tflite, q))
    y = dequantize(micro.reshape(-1), d.output_scale, d.output_zero_point)
    assert np.mean(np.abs(y - np.sin(x))) <= 0.05


def test_regression_refuses_labels_that_are_not_numbers(tmp_path):
    from tinystudio.ml.pipeline import train_project

    p = Project.create(tmp_path / "r", task="regression")
    for i, label in enumerate(("0.5", "fast", "1.5")):
        add_recording(p, f"t{i}", vibration(20, None, i), label, RATE)
    p.save()
    with pytest.raises(TrainingError, match="'fast' are not numbers"):
        train_project(p.path)
