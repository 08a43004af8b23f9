"""Continuous keyword evaluation on the real example model: the example project trained
for real (TensorFlow, int8, TFLM), a stream built from its test split, the recognizer
replayed per threshold (tinystudio/deploy/continuous.py, commands/evaluate.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinystudio.deploy.continuous import choose, score_detections
from tinystudio.deploy.kws_stream import (
    KeywordEvent,
    build_stream,
    read_labels,
    read_stream,
    write_stream,
)
from tinystudio.deploy.recognize import Detection, RecognitionSettings
from tinystudio.errors import DeployError


def cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def trained_keywords(tmp_path_factory) -> Path:
    from tinystudio.examples import create_example
    from tinystudio.ml.pipeline import TrainOptions, train_project

    path = tmp_path_factory.mktemp("kw") / "kw"
    create_example("keywords", path)
    train_project(path, TrainOptions(seed=0))
    return path


def test_built_stream_is_seeded_and_holds_the_test_clips_where_it_says(trained_keywords, tmp_path):
    from tinystudio.dataset import Project

    a, b = build_stream(trained_keywords, seed=1), build_stream(trained_keywords, seed=1)
    assert np.array_equal(a.audio, b.audio) and a.events == b.events
    assert not np.array_equal(a.audio[: len(b.audio) // 2], build_stream(trained_keywords, seed=2).audio[: len(b.audio) // 2])
    test = Project.open(trained_keywords).labeled_segments("test")
    kw = [s for s in test if s.segment.label in ("yes", "no")]
    assert len(a.events) == 3 * len(kw) and {e.label for e in a.events} == {"yes", "no"}
    clips = [s.recording.read(s.segment.start, s.segment.end)[:, 0] for s in kw]
    for e in a.events:  # every event is exactly one of the test clips, at its offset
        piece = a.audio[round(e.start_s * 16000): round(e.end_s * 16000)]
        assert any(np.array_equal(piece, c) for c in clips)
    gaps = [n.start_s - p.end_s for p, n in zip(a.events, a.events[1:], strict=False)]
    assert min(gaps) >= 2.5
    csv_path = write_stream(a, tmp_path / "s.wav")
    back = read_stream(tmp_path / "s.wav", csv_path)
    assert np.array_equal(back.audio, a.audio) and [e.label for e in back.events] == [e.label for e in a.events]


def test_evaluate_continuous_sweeps_chooses_and_saves_the_threshold(trained_keywords, tmp_path):
    import shutil

    from tinystudio.ml.package import ModelPackage
    from tinystudio.ml.store import current_package_dir

    project = tmp_path / "p"
    shutil.copytree(trained_keywords, project)
    done = cli("evaluate", str(project), "--continuous", "--json", "--save-stream", str(tmp_path / "s.wav"))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    results = report["results"]
    assert len(results) >= 5 and report["keywords_inserted"] == 12
    assert all({"fa_per_hour", "miss_rate", "per_keyword"} <= set(r) for r in results)
    # a low threshold fires on background, a high one on nothing: the sweep spans the trade-off
    assert results[0]["false_activations"] > 0 and results[-1]["detections"] == 0
    assert results[-1]["misses"] == 12
    chosen = report["chosen"]
    ok = [r for r in results if r["fa_per_hour"] <= 1.0]
    assert report["target_met"] and chosen["fa_per_hour"] <= 1.0
    assert chosen["misses"] == min(r["misses"] for r in ok) and chosen["hits"] > 0
    desc = ModelPackage.load(current_package_dir(project)).descriptor
    assert desc.recognition["threshold"] == chosen["threshold"]
    settings = RecognitionSettings.for_descriptor(desc)
    assert settings.threshold == chosen["threshold"] and settings.minimum_count == 2  # 500 ms stride
    text = cli("evaluate", str(project), "--continuous", "--no-save", "--thresholds", "0.5,0.6,0.7")
    assert text.returncode == 0 and "<- chosen" in text.stdout and text.stdout.count("\n") >= 6
    # the saved stream and its labels, given back as a user's recording, evaluate the same
    again = cli("evaluate", str(project), "--continuous", str(tmp_path / "s.wav"), "--labels",
                str(tmp_path / "s.csv"), "--no-save", "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert [r["hits"] for r in json.loads(again.stdout)["results"]] == [r["hits"] for r in results]


def test_clear_errors_without_keyword_model_or_test_clips(trained_keywords, tmp_path):
    from tinystudio.dataset import Project

    untrained = tmp_path / "u"
    cli("example", "keywords", str(untrained))
    done = cli("evaluate", str(untrained), "--continuous")
    assert done.returncode != 0 and "no trained model" in done.stderr and "Traceback" not in done.stderr
    no_labels = cli("evaluate", str(trained_keywords), "--continuous", str(tmp_path / "x.wav"))
    assert no_labels.returncode != 0 and "--labels" in no_labels.stderr and "Traceback" not in no_labels.stderr
    import shutil

    p = tmp_path / "nosplit"
    shutil.copytree(trained_keywords, p)
    project = Project.open(p)
    project.set_split({}, {})
    project.save()
    with pytest.raises(DeployError, match="test split holds no keyword clips"):
        build_stream(p)
    bad = tmp_path / "bad.csv"
    bad.write_text("label,start_s,end_s\nyes,one,2\n")
    with pytest.raises(DeployError, match=r"bad.csv:2: expected label,start_s,end_s"):
        read_labels(bad)


def test_matching_rule_and_choice():
    events = [KeywordEvent("yes", 1.0, 2.0), KeywordEvent("no", 6.0, 7.0)]
    dets = [Detection("yes", 0.9, 2500.0), Detection("yes", 0.9, 3200.0),  # hit, then a second: false
            Detection("yes", 0.9, 6500.0), Detection("no", 0.9, 8400.0)]  # wrong label: false; no within late
    r = score_detections(dets, events, late_s=1.5, threshold=0.5, seconds=36.0)
    assert (r.hits, r.false_activations, r.misses) == (2, 2, 0) and r.fa_per_hour == 200.0
    r2 = score_detections(dets[:1], events, late_s=1.5, threshold=0.6, seconds=36.0)
    assert r2.per_keyword == {"no": {"inserted": 1, "missed": 1, "miss_rate": 1.0},
                              "yes": {"inserted": 1, "missed": 0, "miss_rate": 0.0}}
    r3 = score_detections([], events, late_s=1.5, threshold=0.7, seconds=36.0)
    chosen, met = choose([r, r2, r3], target_fa_per_hour=1.0)
    assert met and chosen is r2  # fewest misses among those meeting the target
    chosen, met = choose([r], target_fa_per_hour=1.0)
    assert not met and chosen is r


def test_descriptor_recognition_field_is_checked():
    from tinystudio.errors import TrainingError
    from tinystudio.ml.descriptor_check import check_descriptor_dict

    base = {"labels": ["yes", "silence"], "sensor_kind": "microphone", "frontend": "microfrontend",
            "rate_hz": 16000.0, "channels": ["mic"], "window": 16000, "stride": 8000, "input_shape": [49, 40, 1],
            "input_scale": 1.0, "input_zero_point": 0, "output_scale": 0.00390625, "output_zero_point": -128}
    check_descriptor_dict({**base, "recognition": {"threshold": 0.65, "minimum_count": 2}})
    for bad, word in (({"threshold": 2.0}, "threshold"), ({"shell": 1}, "shell"), ([0.5], "list")):
        with pytest.raises(TrainingError, match=word):
            check_descriptor_dict({**base, "recognition": bad})
