"""A model trained on mislabeled takes is never shown as good: the below-chance warning in
``train --json``, on the Train page and on the Deploy page before flashing (issue 21)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _mislabeled_project(folder: Path, examples_dir: Path) -> None:
    """Punch and flex takes, the test takes labeled as the other class (test data gone wrong)."""
    from tinystudio.dataset.importers import import_paths
    from tinystudio.dataset.project import Project
    from tinystudio.dataset.segments import Segment

    data = examples_dir / "gestures_punch_flex"
    import_paths(folder, [data / "punch.csv"], label="punch")
    import_paths(folder, [data / "flex.csv"], label="flex")
    project = Project.open(folder)
    other = {"punch": "flex", "flex": "punch"}
    assign = {}
    for rec in project.recordings():
        segments = []
        for i, s in enumerate(sorted(rec.segments, key=lambda s: s.start)):
            test = i >= 6
            assign[s.id] = "test" if test else "train"
            segments.append(Segment(s.id, s.start, s.end, other[s.label]) if test else s)
        project.set_segments(rec.id, segments)
    project.set_split({"by": "segment", "test_fraction": 0.4, "seed": 0}, assign)
    project.save()


def test_mislabeled_model_warns_in_train_json_train_page_and_deploy_page(qtbot, window, examples_dir, tmp_path):
    folder = tmp_path / "mislabeled"
    _mislabeled_project(folder, examples_dir)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "tinystudio", "train", str(folder), "--epochs", "8",
                          "--model", "imu_cnn", "--json", "--quiet"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["int8_accuracy"] <= 0.5
    concerns = [q["concern"] for q in summary["quality"]]
    assert "at_or_below_chance" in concerns and "small_test_set" in concerns
    assert {c["label"] for c in summary["per_class"]} == {"punch", "flex"}
    assert all(c["test_windows"] == 4 for c in summary["per_class"])

    window.open_project(folder)
    train, deploy = window.train_page, window.deploy_page
    qtbot.waitUntil(lambda: train.report is not None, timeout=20_000)
    window.show_page("Train")
    assert train.quality_label.isVisible()
    assert "at or below chance" in train.quality_label.text()
    assert "precision" in train.class_scores.text() and "F1" in train.class_scores.text()
    window.show_page("Deploy")
    qtbot.waitUntil(lambda: deploy.package is not None, timeout=20_000)
    assert deploy.quality_label.isVisible() and "at or below chance" in deploy.quality_label.text()
    assert not deploy.flash_button.isEnabled()  # no board: nothing flashed; the warning came first
