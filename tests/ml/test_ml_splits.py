"""Splits without dead ends: fallbacks said in words, previews that change nothing,
achieved test shares per class, subjects, and the `split` command."""

import json

import pytest

from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.splits import apply_split, is_imported, plan_split, summarize
from tinystudio.errors import DatasetError

from .test_ml_windows import add


def test_class_with_one_recording_falls_back_and_preview_changes_nothing(tmp_path):
    p = Project.create(tmp_path / "p")
    for i in range(5):
        add(p, f"wave{i}", 500, "wave")
    add(p, "idle0", 500, "idle")
    p.save()
    plan = plan_split(p, 0.2, seed=3)
    assert p.split_config == {}  # a preview only
    assert plan.classes["wave"]["test"] == 1 and plan.classes["wave"]["test_fraction"] == 0.2
    assert plan.classes["idle"]["test_seconds"] == pytest.approx(2.0)  # last 20 % of 10 s
    assert any("'idle'" in n and "split by time" in n for n in plan.notes)
    apply_split(p, plan)
    assert summarize(p).classes["idle"]["test_fraction"] == 0.2


def test_segments_of_a_single_recording_are_split_by_segment(tmp_path):
    from tinystudio.dataset.segments import Segment

    p = Project.create(tmp_path / "p")
    rec = add(p, "long", 1000, "wave")
    p.set_segments(rec.id, [Segment.new(i * 100, i * 100 + 80, "wave" if i % 2 else "idle")
                            for i in range(10)])
    plan = plan_split(p, 0.2, seed=0)
    assert all(c["test"] == 1 and c["train"] == 4 for c in plan.classes.values())
    assert sum("split by segment" in n for n in plan.notes) == 2


def test_long_recording_warns_about_its_share(tmp_path):
    p = Project.create(tmp_path / "p")
    add(p, "wave_long", 3000, "wave")
    add(p, "wave_short", 100, "wave")
    for i in range(5):
        add(p, f"idle{i}", 300, "idle")
    plan = plan_split(p, 0.2, seed=0)
    # two takes of 'wave': the short one goes to test (3 %), never the long one (97 %)
    assert plan.classes["wave"]["test_fraction"] == pytest.approx(100 / 3100, abs=1e-3)
    assert any("'wave'" in w and "requested 20%" in w for w in plan.warnings)


def test_split_by_subject_and_imported_flag(tmp_path):
    p = Project.create(tmp_path / "p")
    for subj in ("ann", "bob", "cy", "dee", "eve"):
        add(p, f"w_{subj}", 300, "wave", subject=subj)
        add(p, f"i_{subj}", 300, "idle", subject=subj)
    plan = plan_split(p, 0.2, seed=1, by="subject")
    test_subjects = {p.recording(r).attrs["subject"] for r, s in plan.assignments.items() if s == "test"}
    assert len(test_subjects) == 1 and plan.notes[0].startswith("subjects in test")
    with pytest.raises(DatasetError, match="split by 'random'"):
        plan_split(p, 0.2, by="random")
    assert is_imported({"by": "recording", "source": "import"}) and not is_imported({"by": "recording"})


def test_split_command_preview_and_apply(tmp_path, capsys):
    p = Project.create(tmp_path / "p")
    add(p, "wave", 500, "wave")
    add(p, "idle", 500, "idle")
    p.save()
    assert main(["split", str(p.path), "--preview"]) == 0
    out = capsys.readouterr().out
    assert "test share 20%" in out and "split by time" in out
    assert Project.open(p.path).split_config == {}
    assert main(["split", str(p.path), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["classes"]["wave"]["test_fraction"] == 0.2 and s["notes"]
    assert Project.open(p.path).split_config["time_cuts"]


def test_empty_test_split_is_fixed_and_said_and_saved_without_stale_labels(tmp_path):
    from tinystudio.dataset.segments import Segment
    from tinystudio.ml import data as D
    from tinystudio.ml.pipeline import TrainOptions, _examples, _save_split

    p = Project.create(tmp_path / "p")
    recs = [add(p, f"{c}{i}", 300, c) for c in ("wave", "idle") for i in range(3)]
    p.set_split({"by": "recording", "test_fraction": 0.0}, {r.id: "train" for r in recs})
    p.save()
    training = Project.open(p.path)  # the trainer's copy
    statuses, info = [], {"by": "recording", "notes": [], "made_for_this_run": False}
    spec = D.data_spec(training, {})
    train, test = _examples(training, spec, TrainOptions(), statuses.append, info)
    assert sorted(set(test.labels)) == ["idle", "wave"] and info["made_for_this_run"]
    assert "no windows of the trained classes" in statuses[0]
    editor = Project.open(p.path)  # meanwhile the user labels more in the GUI
    editor.set_segments(recs[0].id, [Segment.new(0, 100, "wave"), Segment.new(100, 300, "idle")])
    editor.save()
    _save_split(p.path, training.split_config)
    after = Project.open(p.path)
    assert len(after.segments(recs[0].id)) == 2  # the edit survived the split's save
    assert "test" in after.split_config["assignments"].values()
