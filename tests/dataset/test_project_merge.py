"""The three-way merge behind every project save (projectfile.merge), item by item."""

from __future__ import annotations

import copy

from tinystudio.dataset.projectfile import merge

BASE = {
    "format": "tinystudio-project", "schema_version": 1, "name": "p",
    "classes": [{"name": "a", "color": "#111111"}, {"name": "b", "color": "#222222"}],
    "settings": {"train": {"epochs": 5}, "target_per_class": 10},
    "split": {},
    "recordings": {"r1": {"segments": []}, "r2": {"segments": []}},
}


def _seg(i):
    return {"id": f"s{i}", "start": 0, "end": 10, "label": "a"}


def test_each_side_keeps_what_it_changed():
    mine, theirs = copy.deepcopy(BASE), copy.deepcopy(BASE)
    mine["recordings"]["r1"] = {"segments": [_seg(1)]}
    mine["settings"]["train"] = {"epochs": 9}
    theirs["recordings"]["r2"] = {"segments": [_seg(2)]}
    theirs["recordings"]["r3"] = {"segments": []}
    theirs["settings"]["target_per_class"] = 20
    out = merge(BASE, mine, theirs)
    assert out["recordings"]["r1"]["segments"] == [_seg(1)] and out["recordings"]["r2"]["segments"] == [_seg(2)]
    assert "r3" in out["recordings"]
    assert out["settings"] == {"train": {"epochs": 9}, "target_per_class": 20}


def test_removals_and_class_changes_apply_to_the_latest():
    mine, theirs = copy.deepcopy(BASE), copy.deepcopy(BASE)
    del mine["settings"]["target_per_class"]
    mine["classes"][1]["color"] = "#abcdef"
    mine["classes"].append({"name": "c", "color": "#333333"})
    del mine["classes"][0]
    theirs["classes"].append({"name": "d", "color": "#444444"})
    out = merge(BASE, mine, theirs)
    assert "target_per_class" not in out["settings"]
    assert [(c["name"], c["color"]) for c in out["classes"]] == [("b", "#abcdef"), ("d", "#444444"),
                                                                  ("c", "#333333")]


def test_conflicts_later_writer_wins_except_for_a_split_made_meanwhile():
    mine, theirs = copy.deepcopy(BASE), copy.deepcopy(BASE)
    mine["recordings"]["r1"] = {"segments": [_seg(1)]}
    theirs["recordings"]["r1"] = {"segments": [_seg(9)]}
    mine["split"] = {"by": "recording", "assignments": {"r1": "train"}}
    theirs["split"] = {"by": "segment", "assignments": {"s9": "test"}}
    out = merge(BASE, mine, theirs)
    assert out["recordings"]["r1"]["segments"] == [_seg(1)]
    assert out["split"]["by"] == "segment"
    unchanged = merge(BASE, mine, BASE)  # nobody else changed the split: mine is written
    assert unchanged["split"]["by"] == "recording"
