"""Keyword clips -> keyword front end (microfrontend) -> DS-CNN -> int8 -> TFLM, end to end."""

import json

import pytest

from tinystudio.cli import main
from tinystudio.ml.pipeline import TrainOptions, load_current_package, train_project

pytestmark = pytest.mark.slow


def test_keyword_project_trains_and_passes_tflm_verification(keyword_project, capsys):
    report = train_project(keyword_project, TrainOptions(epochs=25, seed=0))
    assert report.classes == ["down", "noise", "up"]
    assert report.tflm["unsupported_ops"] == [] and report.tflm["max_abs_diff"] == 0
    assert report.tflm["n_compared"] >= 3
    assert report.int8_metrics["accuracy"] >= 0.66
    assert report.fits["nano33ble_rev1"]
    pkg = load_current_package(keyword_project)
    d = pkg.descriptor
    assert d.frontend == "microfrontend" and d.input_shape == [49, 40, 1]
    assert (d.input_scale, d.input_zero_point) == (1.0, 0)  # front-end int8 fed unchanged
    assert report.model_bytes <= 24 * 1024
    # the audio baseline (MFCC statistics of the same features, same split) is beside it
    assert report.baseline is not None
    assert any("MFCC" in b["method"] for b in report.baseline["all"]), report.baseline

    clip = next((keyword_project / "recordings").glob("*.h5"))
    assert clip  # classify the project's own WAV-sourced clips through the package
    wavs = sorted(keyword_project.parent.glob("clips/up/*.wav"))[:3]
    assert main(["classify", "--model", str(keyword_project), *map(str, wavs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 3 and all(r["label"] in report.classes for r in out)
