"""Motion auto-segmentation in known units with gravity removed, and `label --auto` that
never drops labels silently (acceptance: an idle phone in m/s2 with gravity gives no
motion; punch/flex still give their gestures)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.dataset.helpers import tree_digest
from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.autoseg import accel_in_g, propose_motion
from tinystudio.dataset.importers.csv_text import parse_csv
from tinystudio.dataset.importers.others import parse_ei_json


def _ei(examples_dir, cls):
    return [parse_ei_json(f, None, None) for f in sorted((examples_dir / "ei_phone_motion").glob(f"*/{cls}.*.json"))]


def test_idle_phone_in_m_s2_with_gravity_has_no_motion(examples_dir):
    idle = _ei(examples_dir, "idle")
    assert len(idle) == 21
    for p in idle:
        x = p.samples.astype(np.float64)
        assert propose_motion(x, p.meta.rate_hz, names=p.meta.channel_names, units=p.meta.units) == []
        # without units (what the label page passes today) gravity's 9.8 says m/s2
        _, how = accel_in_g(x)
        assert how.unit == "m/s2" and how.unit_from == "gravity magnitude"
        assert propose_motion(x, p.meta.rate_hz) == []
    up_down = _ei(examples_dir, "up-down")
    assert sum(bool(propose_motion(p.samples.astype(float), 62.5, names=p.meta.channel_names,
                                   units=p.meta.units)) for p in up_down) >= 18


@pytest.mark.parametrize("which", ["punch", "flex"])
def test_punch_and_flex_still_give_every_gesture(which, punch_csv, flex_csv):
    p = parse_csv(punch_csv if which == "punch" else flex_csv)
    props = propose_motion(p.samples.astype(np.float64), p.meta.rate_hz, names=p.meta.channel_names,
                           units=p.meta.units, length_s=None)
    gestures_hit = {q.start // 119 for q in props} | {(q.end - 1) // 119 for q in props}
    assert len(gestures_hit) >= 9, props  # the 10 IMU_Capture gestures (one may merge with the next)


def _run(capsys, *args):
    capsys.readouterr()
    code = main([*map(str, args)])
    return code, capsys.readouterr()


def test_label_auto_keeps_idle_labels_and_dry_run_changes_nothing(tmp_path, examples_dir, capsys):
    src = tmp_path / "src"
    src.mkdir()
    train = examples_dir / "ei_phone_motion" / "training"
    for f in sorted(train.glob("idle.*.json"))[:2] + sorted(train.glob("up-down.*.json"))[:2]:
        shutil.copy(f, src / f.name)
    project = tmp_path / "p"
    assert _run(capsys, "import", project, src)[0] == 0
    before = tree_digest(project)
    code, out = _run(capsys, "label", project, "--auto", "--dry-run", "--json")
    assert code == 0 and tree_digest(project) == before
    dry = json.loads(out.out)
    assert dry["dry_run"] is True
    actions = {c["recording"]: c for c in dry["changes"]}
    rec_label = {r.id: r.segments[0].label for r in Project.open(project).recordings()}
    for rid, c in actions.items():
        if rec_label[rid] == "idle":
            assert c["action"] == "kept" and "no motion found" in c["why"] and "m/s2 (units)" in c["why"]
        else:
            assert c["action"] == "replaced" and c["removed_labels"] == ["up-down"] and c["after"] >= 1
    code, out = _run(capsys, "label", project, "--auto")
    assert code == 0 and "existing segment(s) kept" in out.out
    after = Project.open(project)
    for rec in after.recordings():
        labels = {s.label for s in rec.segments}
        assert labels == {rec_label[rec.id]}  # nothing silently dropped
        if rec_label[rec.id] == "idle":
            assert [(s.start, s.end) for s in rec.segments] == [(0, rec.n_samples)]
