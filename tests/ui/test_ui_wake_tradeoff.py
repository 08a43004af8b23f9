"""The Train page's wake-word trade-off (issue 18): a keyword model trained for real (few
epochs: the plot is under test, not the model), measured on continuous audio from the
page's button (worker, real TFLM in its sandbox), drawn per threshold with the chosen
point marked, and saved with the model where the Deploy page's recognizer reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinystudio.deploy.continuous import REPORT_FILE, THRESHOLDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keywords_project(tmp_path_factory) -> Path:
    from tinystudio.examples import create_example
    from tinystudio.ml.pipeline import TrainOptions, train_project

    path = tmp_path_factory.mktemp("wake") / "keywords"
    create_example("keywords", path)
    train_project(path, TrainOptions(seed=0, epochs=3))
    return path


def test_measure_on_continuous_audio_draws_and_saves_the_tradeoff(qtbot, window, keywords_project):
    from tinystudio.ml.store import current_package_dir

    window.open_project(keywords_project)
    train, deploy = window.train_page, window.deploy_page
    qtbot.waitUntil(lambda: train.report is not None, timeout=20_000)
    window.show_page("Train")
    wake = train.wake
    assert wake.isVisible() and not wake.plot.isVisible()
    assert "No continuous evaluation yet" in wake.summary.text()

    folder = current_package_dir(keywords_project)
    assert not (folder / REPORT_FILE).exists()
    wake.button.click()
    assert not wake.button.isEnabled()  # busy: the work runs on a worker, the page stays live
    qtbot.waitUntil(lambda: wake.tradeoff is not None and wake.button.isEnabled(), timeout=120_000)

    saved = json.loads((folder / REPORT_FILE).read_text())
    t = wake.tradeoff
    assert [p.threshold for p in t.points] == [r["threshold"] for r in saved["results"]] == list(THRESHOLDS)
    xs, ys = wake.curve.getData()
    assert len(xs) == len(THRESHOLDS) and wake.plot.isVisible()
    cx, cy = wake.chosen.getData()
    assert (cx[0], cy[0]) == (saved["chosen"]["fa_per_hour"], 100 * saved["chosen"]["miss_rate"])
    assert f"Threshold {saved['chosen']['threshold']:.2f}" in wake.summary.text()
    descriptor = json.loads((folder / "descriptor.json").read_text())
    assert descriptor["recognition"]["threshold"] == saved["chosen"]["threshold"]

    # the Deploy page reloads the model and its recognizer uses the measured threshold
    qtbot.waitUntil(lambda: deploy.package is not None
                    and deploy.package.descriptor.recognition.get("threshold") == saved["chosen"]["threshold"],
                    timeout=20_000)

    # opened again, the page shows the saved trade-off without measuring
    window.open_project(keywords_project)
    qtbot.waitUntil(lambda: train.report is not None and train.wake.tradeoff is not None, timeout=20_000)
    assert train.wake.tradeoff.chosen.threshold == saved["chosen"]["threshold"]


def test_a_hostile_saved_report_is_one_line_on_the_page(qtbot, window, keywords_project, tmp_path):
    import shutil

    from tinystudio.ml.store import current_package_dir

    copy = tmp_path / "copy"
    shutil.copytree(keywords_project, copy)
    (current_package_dir(copy) / REPORT_FILE).write_text('{"results": "everything", "chosen": 1}')
    window.open_project(copy)
    train = window.train_page
    qtbot.waitUntil(lambda: train.report is not None, timeout=20_000)
    window.show_page("Train")
    text = train.wake.summary.text()
    assert "not a continuous-evaluation report" in text and REPORT_FILE in text and "\n" not in text
    assert train.wake.tradeoff is None
