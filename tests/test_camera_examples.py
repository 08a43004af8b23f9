"""The camera examples end to end, as a new user runs them (issue 20).

`example images` + `train --json` from the shipped digits; `example person-detection`
flashes TFLM's pretrained model to a virtual board whose camera shows the two test images,
and both `classify` and the board's own live inference say person / no person.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


@pytest.mark.slow
def test_images_example_then_train_with_its_baseline(tmp_path):
    project = tmp_path / "P"
    made = cli("example", "images", str(project), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["classes"] == {"zero": 40, "one": 40, "two": 40, "three": 40}
    trained = cli("train", str(project), "--json", "--epochs", "12")  # CI time; 30 by default
    assert trained.returncode == 0, trained.stderr[-2000:]
    result = json.loads(trained.stdout.strip().splitlines()[-1])
    assert Path(result["model_path"]).is_file() and result["model"] == "image_cnn"
    assert result["int8_accuracy"] >= 0.8  # 4 clearly different digits, 8 test images each
    base = result["baseline"]
    assert base["method"] == "logistic regression on 16x16 gray pixels"
    assert base["n_test"] == result["test_windows"] and base["test_accuracy"] >= 0.8


def test_person_detection_classify_says_person_and_no_person(tmp_path, examples_dir):
    project = tmp_path / "PD"
    assert cli("example", "person-detection", str(project)).returncode == 0
    images = examples_dir / "person_detection"
    out = cli("classify", "--model", str(project), "--json",
              str(images / "person" / "person.png"), str(images / "no_person" / "no_person.png"))
    assert out.returncode == 0, out.stderr
    person, nobody = json.loads(out.stdout)
    assert (person["label"], nobody["label"]) == ("person", "no_person")
    assert person["scores"][1] > 0.8 and nobody["scores"][0] > 0.6
    # its report is a whole TrainReport (the Train page reads it): TFLM figures, board fits
    from tinystudio.ml.report import TrainReport
    from tinystudio.ml.store import load_current_report

    report = TrainReport(**load_current_report(project))
    assert report.int8_metrics["n"] == 2 and report.int8_metrics["accuracy"] == 1.0
    assert report.fits["sparkfun_edge"] and not report.fits["virtual"]  # 300 KB vs a 256 KB slot


def test_person_detection_flashes_and_the_board_sees_the_person(tmp_path, examples_dir):
    from tinystudio.boards.virtual.board import SimConfig, build_board

    # the example images as the camera, on a profile whose 320 KB slot holds the 300 KB model
    board = build_board(SimConfig(sensors=("camera",), board="sparkfun_edge", camera_fps=10.0,
                                  camera_folder=str(examples_dir / "person_detection")))
    board.start()
    try:
        made = cli("example", "person-detection", str(tmp_path / "PD"), "--port", board.port, "--json")
        assert made.returncode == 0, made.stderr[-2000:]
        assert json.loads(made.stdout)["flashed"]["bytes"] == 300_568
        out = cli("infer", "--port", board.port, "--seconds", "5", "--json")
        assert out.returncode == 0, out.stderr[-2000:]
    finally:
        board.stop()
    counts = json.loads(out.stdout)["counts"]
    # the camera shows 12 frames of each class in turn (1.2 s each): the board calls both
    total = sum(counts.values())
    assert total >= 20 and min(counts.get("person", 0), counts.get("no_person", 0)) >= 0.25 * total, counts
