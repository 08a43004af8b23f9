"""The split adapter behind the split control and the Train page's pre-flight check, on real
imported recordings: which strategy it proposes, the counts it previews (without touching
the project's split), and the fix it offers before a training run that would fail."""

from __future__ import annotations

import h5py

from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths
from tinystudio.ui import split_plan
from tinystudio.ui.split_plan import SplitChoice


def _project(tmp_path, takes):
    path = tmp_path / "p"
    for csv, label in takes:
        import_paths(path, [csv], label=label)
    return Project.open(path)


def test_one_take_per_class_previews_by_segment_and_refuses_an_empty_test_set(tmp_path, punch_csv, flex_csv):
    project = _project(tmp_path, [(punch_csv, "punch"), (flex_csv, "flex")])
    assert split_plan.recommended(project).by == "segment"
    assert split_plan.training_blocker(project) is None  # train would split by segment itself

    seg = split_plan.preview(project, SplitChoice("segment", 0.2))
    assert seg.ok and seg.counts == {"punch": {"train": 8, "test": 2, "unassigned": 0},
                                      "flex": {"train": 8, "test": 2, "unassigned": 0}}
    rec = split_plan.preview(project, SplitChoice("recording", 0.2))
    # one take per class: by recording falls back to a split by segment and says so
    assert rec.ok and rec.total("test") == 4
    assert any("split by segment" in n for n in rec.notes)
    assert project.split_config.get("assignments", {}) == {}  # previews change nothing

    split_plan.apply(project, SplitChoice("segment", 0.0))  # a trap still: nothing in test
    blocker = split_plan.training_blocker(project)
    assert "test set would be empty" in blocker.message
    assert blocker.fix == "Split by segment and train" and blocker.choice.by == "segment"
    split_plan.apply(project, blocker.choice)
    assert split_plan.training_blocker(project) is None
    assert split_plan.state(project).total("test") == 4


def test_two_takes_per_class_and_subjects(tmp_path, punch_csv, flex_csv):
    project = _project(tmp_path, [(punch_csv, "punch"), (punch_csv, "punch"), (flex_csv, "flex"),
                                  (flex_csv, "flex")])
    assert split_plan.recommended(project).by == "recording"
    rec = split_plan.preview(project, SplitChoice("recording", 0.2))
    # one take of two is the smallest test share a by-recording split can give: it says 50 %
    assert rec.ok and all(n["test"] == n["train"] == 10 for n in rec.counts.values())
    assert split_plan.subjects(project) == []

    recs = sorted(project.recordings(), key=lambda r: r.id)
    for rec_, who in zip(recs, ("ana", "ben", "ana", "ben"), strict=True):
        with h5py.File(rec_.path, "r+") as f:
            f.attrs["subject"] = who
    project = Project.open(project.path)
    assert split_plan.subjects(project) == ["ana", "ben"]
    held = split_plan.preview(project, SplitChoice("subject", subject="ben"))
    assert held.ok and all(n == {"train": 10, "test": 10, "unassigned": 0} for n in held.counts.values())
    split_plan.apply(project, SplitChoice("subject", subject="ben"))
    assert split_plan.current(project).same_split(SplitChoice("subject", 0.5, "ben"))


def test_blockers_say_what_to_do(tmp_path, punch_csv, flex_csv):
    project = _project(tmp_path, [(punch_csv, None)])
    for rec in project.recordings():
        assert not rec.segments
    assert "nothing is labeled" in split_plan.training_blocker(project).message
    project = _project(tmp_path, [(punch_csv, "punch")])
    blocker = split_plan.training_blocker(project)
    assert "only 'punch' is labeled" in blocker.message and blocker.fix == ""

    project = _project(tmp_path, [(flex_csv, "flex")])  # the same project: punch, punch, flex
    split_plan.apply(project, SplitChoice("segment", 0.2))
    project.save()
    import_paths(project.path, [flex_csv], label="flex")  # labeled after the split
    project = Project.open(project.path)
    blocker = split_plan.training_blocker(project)
    assert "labeled after the last split" in blocker.message
    assert blocker.fix.startswith("Split by")
