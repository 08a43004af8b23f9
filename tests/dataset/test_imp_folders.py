"""Folder import: the Edge Impulse export in resources/examples (acceptance), Edge Impulse
folders without info.labels, image datasets with train/ and test/ roots, nested class
folders, and the files that are not data."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import pytest

from tests.dataset.helpers import cli_json
from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths, parse_paths


def test_edge_impulse_export_root_in_one_command(tmp_path, examples_dir):
    """Acceptance: labels and split from info.labels, README skipped, m/s2 at 62.5 Hz."""
    export = examples_dir / "ei_phone_motion"
    out = cli_json("import", tmp_path / "p", export)
    assert sorted(out["classes"]) == ["circle", "idle", "left-right", "testing", "up-down"]
    # The export holds 65 training and 19 testing samples (testing/ also holds its info.labels).
    assert out["split"] == {"train": 65, "test": 19, "unassigned": 0}
    assert out["classes"]["testing"] == {"train": 0, "test": 3, "unassigned": 0}
    assert out["warnings"] == ["label 'testing' has no training data (3 test recording(s) only)"]
    assert out["skipped"] == [{"path": str(export / "README.md"), "reason": "documentation, not data"}]
    assert {e["rate_hz"] for e in out["imported"]} == {62.5}
    assert {tuple(e["units"]) for e in out["imported"]} == {("m/s2", "m/s2", "m/s2")}

    project = Project.open(tmp_path / "p")
    info = json.loads((export / "info.labels").read_text())
    expected = {e["path"].split("/")[-1].split(".", 1)[1].rsplit(".", 1)[0]: e for e in info["files"]}
    split = project.split_config
    assert split["by"] == "recording" and split["source"] == "import"
    for rec in project.recordings():
        entry = expected[rec.id]
        assert [s.label for s in rec.segments] == [entry["label"]["label"]]
        assert split["assignments"][rec.id] == {"training": "train", "testing": "test"}[entry["category"]]
        assert rec.attrs["ei_category"] == entry["category"]
    counts = Counter((ls.label, ls.split) for ls in project.labeled_segments())
    assert counts[("idle", "train")] == 17 and counts[("testing", "test")] == 3


def test_edge_impulse_folder_without_info_labels_uses_file_names(tmp_path, examples_dir):
    src = tmp_path / "export"
    shutil.copytree(examples_dir / "ei_phone_motion", src)
    for f in src.rglob("info.labels"):
        f.unlink()
    (src / ".DS_Store").write_bytes(b"\0\1")
    (src / "training" / "LICENSE").write_text("CC-BY")
    parsed = parse_paths([src])
    labels = Counter(lab for p in parsed for _, _, lab in p.spans)
    assert labels == {"idle": 21, "circle": 20, "left-right": 20, "up-down": 20, "testing": 3}
    assert Counter(p.split for p in parsed) == {"train": 65, "test": 19}
    skipped = []
    parse_paths([src], skipped=skipped)
    assert sorted(s["reason"] for s in skipped) == ["documentation, not data", "documentation, not data",
                                                   "hidden file"]


def _png(path, value, size=(6, 8)):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, value, dtype=np.uint8)).save(path)


def test_image_dataset_with_train_and_test_roots_and_nested_class_folders(tmp_path):
    root = tmp_path / "imgs"
    for split, n in (("train", 3), ("test", 1)):
        for cls, v in (("cat", 10), ("dog", 200)):
            for i in range(n):
                _png(root / split / cls / f"{cls}{i}.png", v + i)
    _png(root / "train" / "dog" / "session2" / "dog9.png", 250)  # nested below the class
    (root / "README.txt").write_text("images from a tutorial")
    (root / "train" / "cat" / "notes.pdf").write_bytes(b"%PDF")
    result = import_paths(tmp_path / "p", [root])
    # one recording per class and split (same image size), one segment per image
    assert result.classes == {"cat": {"train": 1, "test": 1, "unassigned": 0},
                              "dog": {"train": 1, "test": 1, "unassigned": 0}}
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in result.skipped}
    assert reasons == {"README.txt": "documentation, not data", "notes.pdf": "not a data file (.pdf)"}
    project = Project.open(tmp_path / "p")
    by = {(ls.label, ls.split): 0 for ls in project.labeled_segments()}
    for ls in project.labeled_segments():
        by[(ls.label, ls.split)] += 1
    assert by == {("cat", "train"): 3, ("cat", "test"): 1, ("dog", "train"): 4, ("dog", "test"): 1}
    assert not {"train", "test", "training", "testing", "session2"} & set(project.classes)


def test_a_class_folder_per_label_still_works_and_explicit_label_wins(tmp_path, punch_csv, flex_csv):
    root = tmp_path / "data"
    (root / "punch").mkdir(parents=True)
    (root / "flex" / "day1").mkdir(parents=True)
    shutil.copy(punch_csv, root / "punch" / "a.csv")
    shutil.copy(flex_csv, root / "flex" / "day1" / "b.csv")
    parsed = parse_paths([root])
    assert sorted({lab for p in parsed for _, _, lab in p.spans}) == ["flex", "punch"]
    assert all(p.split is None for p in parsed)
    forced = parse_paths([root], label="move")
    assert {lab for p in forced for _, _, lab in p.spans} == {"move"}


def test_a_second_import_adds_to_the_stated_split(tmp_path, examples_dir):
    src = examples_dir / "ei_phone_motion"
    import_paths(tmp_path / "p", [src / "training"])
    import_paths(tmp_path / "p", [src / "testing"])
    assignments = Project.open(tmp_path / "p").split_config["assignments"]
    assert Counter(assignments.values()) == {"train": 65, "test": 19}


def test_info_labels_file_alone_is_a_clear_error(tmp_path, examples_dir):
    from tinystudio.errors import DatasetError

    with pytest.raises(DatasetError, match="export root"):
        parse_paths([examples_dir / "ei_phone_motion" / "info.labels"])
