"""Adversarial data exports and labels: path escapes, overwrites, symlinks, hostile labels.

Every case checks the outcome (a clear one-line error or the correct files) and that
everything the case did not target (the project, the folder around --out, files planted
there) is byte-identical afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.robustness.edge_helpers import gesture_project, install_model, relabel, snapshot
from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.exporters import export_data, would_overwrite
from tinystudio.dataset.importers import import_paths
from tinystudio.dataset.names import LABEL_MANIFEST, MAX_LABEL_CHARS
from tinystudio.errors import DatasetError, TrainingError
from tinystudio.ml.export import export_model, export_overwrites


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return gesture_project(tmp_path_factory.mktemp("tpl") / "proj").path


@pytest.fixture
def proj(template, tmp_path) -> Path:
    dst = tmp_path / "work" / "proj"
    shutil.copytree(template, dst)
    return dst


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("tinystudio: error: ")
    return err[0]


def _inside(root: Path) -> bool:
    base = root.resolve()
    return all(p.resolve().is_relative_to(base) for p in root.rglob("*"))


@pytest.mark.parametrize("fmt", ["csv", "ei-json", "npz"])
def test_dot_dot_and_slash_labels_stay_inside_out(proj, fmt):
    relabel(Project.open(proj), {"punch": "..", "flex": "../../victim/x"})
    work = proj.parent
    (work / "victim").mkdir()
    (work / "victim" / "x.csv").write_text("keep me\n")
    before = snapshot(work)
    out = work / "out"
    res = export_data(Project.open(proj), fmt, out)
    assert res.segments == 20
    after = snapshot(work)
    assert {k: v for k, v in after.items() if not k.startswith("out")} == before
    assert _inside(out)


def test_tampered_segment_ids_never_become_paths(proj):
    """Path-like segment ids are refused when the project opens (naming the field), so
    they never reach an export; nothing is written anywhere."""
    doc = json.loads((proj / "project.json").read_text())
    for i, seg in enumerate(doc["recordings"]["punch"]["segments"]):
        seg["id"] = f"../../../pwned{i}" if i % 2 else f"/tmp/abs{i}"
    (proj / "project.json").write_text(json.dumps(doc))
    work = proj.parent
    before = snapshot(work)
    with pytest.raises(DatasetError, match=r"recordings\.punch\.segments\[0\]\.id"):
        export_data(Project.open(proj), "ei-json", work / "out")
    assert snapshot(work) == before
    assert not list(Path("/tmp").glob("abs*"))


def test_repeated_segment_ids_still_export_every_segment(proj):
    doc = json.loads((proj / "project.json").read_text())
    for seg in doc["recordings"]["flex"]["segments"]:
        seg["id"] = "same"  # a hand edit repeating one id
    (proj / "project.json").write_text(json.dumps(doc))
    work = proj.parent
    before = {k: v for k, v in snapshot(work).items() if not k.startswith("proj")}
    export_data(Project.open(proj), "ei-json", work / "out")
    after = {k: v for k, v in snapshot(work).items() if not k.startswith(("proj", "out"))}
    assert after == before
    assert _inside(work / "out") and len(list((work / "out").glob("*/*.json"))) == 20


def test_existing_files_are_not_overwritten_without_force(proj, capsys):
    out = proj.parent / "out"
    assert main(["export", str(proj), "--format", "csv", "--out", str(out)]) == 0
    (out / "punch" / "punch.csv").write_text("my edits\n")
    (out / "notes.txt").write_text("mine\n")
    capsys.readouterr()
    before = snapshot(proj.parent)
    assert {p.name for p in would_overwrite(Project.open(proj), "csv", out)} == {"punch.csv", "flex.csv",
                                                                                  LABEL_MANIFEST}
    assert main(["export", str(proj), "--format", "csv", "--out", str(out)]) == 4
    line = _one_error_line(capsys)
    assert "would overwrite 3 existing files" in line and "--force" in line
    assert snapshot(proj.parent) == before
    assert main(["export", str(proj), "--format", "csv", "--out", str(out), "--force"]) == 0
    assert (out / "punch" / "punch.csv").read_text().startswith("aX,aY,aZ")
    assert (out / "notes.txt").read_text() == "mine\n"  # never deleted


def test_symlinked_class_folder_pointing_outside_is_refused(proj, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    out = proj.parent / "out"
    out.mkdir()
    os.symlink(outside, out / "punch")
    before = snapshot(tmp_path)
    for force in ([], ["--force"]):
        assert main(["export", str(proj), "--format", "csv", "--out", str(out), *force]) == 4
        line = _one_error_line(capsys)
        assert "outside the output folder" in line and str(out / "punch") in line
    assert snapshot(tmp_path) == before


def test_symlinked_target_file_is_refused_even_with_force(proj, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not touch\n")
    out = proj.parent / "out"
    (out / "flex").mkdir(parents=True)
    os.symlink(secret, out / "flex" / "flex.csv")
    before = snapshot(tmp_path)
    assert main(["export", str(proj), "--format", "csv", "--out", str(out), "--force"]) == 4
    assert "outside the output folder" in _one_error_line(capsys)
    assert snapshot(tmp_path) == before


def test_out_that_is_a_file_is_a_clear_error(proj, capsys):
    out = proj.parent / "out.csv"
    out.write_text("x\n")
    before = snapshot(proj.parent)
    assert main(["export", str(proj), "--format", "csv", "--out", str(out)]) == 4
    assert "is not a folder" in _one_error_line(capsys)
    assert snapshot(proj.parent) == before


def test_case_only_different_labels_get_distinct_folders_and_round_trip(proj, tmp_path):
    relabel(Project.open(proj), {"punch": "Punch", "flex": "punch"})
    out = tmp_path / "out"
    export_data(Project.open(proj), "csv", out)
    folders = sorted(p.name.lower() for p in out.iterdir() if p.is_dir())
    assert len(set(folders)) == 2  # distinct even on a case-insensitive file system
    import_paths(tmp_path / "again", [out])
    assert sorted(Project.open(tmp_path / "again").classes) == ["Punch", "punch"]


HOSTILE = {"punch": 'café "ü" \\ ??= */ %s', "flex": "con"}


@pytest.mark.parametrize("fmt", ["csv", "ei-json"])
def test_labels_round_trip_by_text_not_file_name(proj, tmp_path, fmt):
    relabel(Project.open(proj), HOSTILE)
    out = tmp_path / "out"
    export_data(Project.open(proj), fmt, out)
    assert all(p.name.isascii() and p.name.lower() != "con" for p in out.rglob("*"))
    import_paths(tmp_path / "again", [out])
    again = Project.open(tmp_path / "again")
    counts = {c: sum(1 for ls in again.labeled_segments() if ls.label == c) for c in again.classes}
    assert counts == {HOSTILE["punch"]: 10, HOSTILE["flex"]: 10}


def test_npz_classes_hold_the_label_text(proj, tmp_path):
    relabel(Project.open(proj), HOSTILE)
    export_data(Project.open(proj), "npz", tmp_path / "out")
    (npz,) = (tmp_path / "out").glob("*.npz")
    with np.load(npz) as z:
        classes = z["classes"].tolist()
        assert sorted({classes[i] for i in z["y"]}) == sorted(HOSTILE.values())


@pytest.mark.parametrize("label", ["a\nb", "tab\there", "nul\x00", "bidi\u202eevil", "x" * (MAX_LABEL_CHARS + 1),
                                   "  ", " lead"])
def test_label_command_refuses_bad_labels(proj, capsys, label):
    before = snapshot(proj)
    assert main(["label", str(proj), "--whole", "--label", label]) == 4
    line = _one_error_line(capsys)
    assert "--label" in line and "label" in line
    assert snapshot(proj) == before


def test_label_of_max_length_is_accepted(proj):
    label = "é" * MAX_LABEL_CHARS
    assert main(["label", str(proj), "--whole", "--recording", "punch", "--label", label]) == 0
    assert label in Project.open(proj).classes


def test_tampered_project_label_is_refused_on_open_naming_the_file(proj, capsys):
    doc = json.loads((proj / "project.json").read_text())
    doc["recordings"]["flex"]["segments"][0]["label"] = 'x");\nsystem("rm -rf ~");//'
    (proj / "project.json").write_text(json.dumps(doc))
    before = snapshot(proj)
    assert main(["info", str(proj)]) == 4
    line = _one_error_line(capsys)
    assert "project.json" in line and "U+000A" in line
    assert snapshot(proj) == before


def test_tampered_class_name_is_refused_on_open(proj, capsys):
    doc = json.loads((proj / "project.json").read_text())
    doc["classes"].append({"name": "ghost\x00", "color": "#000000"})
    (proj / "project.json").write_text(json.dumps(doc))
    before = snapshot(proj.parent)
    assert main(["export", str(proj), "--format", "npz", "--out", str(proj.parent / "o")]) == 4
    assert "U+0000" in _one_error_line(capsys)
    assert snapshot(proj.parent) == before


def test_import_refuses_a_manifest_with_a_control_character_before_writing(proj, tmp_path, capsys):
    out = tmp_path / "out"
    export_data(Project.open(proj), "csv", out)
    doc = json.loads((out / LABEL_MANIFEST).read_text())
    doc["labels"]["punch"] = "pun\rch"
    (out / LABEL_MANIFEST).write_text(json.dumps(doc))
    before = snapshot(proj)
    assert main(["import", str(proj), str(out)]) == 4
    assert "U+000D" in _one_error_line(capsys)
    assert snapshot(proj) == before


def test_arduino_export_never_deletes_a_library_folder(proj, tmp_path, capsys):
    from tests.robustness.edge_helpers import imu_descriptor_dict

    install_model(proj, imu_descriptor_dict())
    lib = tmp_path / "Servo"
    (lib / "src").mkdir(parents=True)
    (lib / "library.properties").write_text("name=Servo\n")
    (lib / "src" / "Servo.cpp").write_text("// the user's library\n")
    before = snapshot(lib)
    assert {p.name for p in export_overwrites(proj, "arduino", lib)} == {"library.properties"}
    assert main(["export", str(proj), "--format", "arduino", "--out", str(lib)]) == 5
    assert "would overwrite 1 existing file (library.properties)" in _one_error_line(capsys)
    assert snapshot(lib) == before
    export_model(proj, "arduino", lib, force=True)
    assert (lib / "src" / "Servo.cpp").read_text() == "// the user's library\n"
    assert (lib / "library.properties").read_text().startswith("name=TinyStudio_")
    with pytest.raises(TrainingError, match="overwrite"):
        export_model(proj, "c", lib / "src" / "model_data.h")


def test_bad_window_is_a_clear_error(proj):
    with pytest.raises(DatasetError, match="at least 1"):
        export_data(Project.open(proj), "npz", proj.parent / "o", window=0)


def test_record_refuses_a_bad_label_before_opening_the_board(tmp_path, capsys):
    assert main(["record", str(tmp_path / "p"), "--new", "--port", "/dev/ttyNOPE9", "--seconds", "1",
                 "--label", "wave\x1b[2J"]) == 4
    line = _one_error_line(capsys)
    assert "--label" in line and "U+001B" in line and "ttyNOPE9" not in line
    assert not (tmp_path / "p").exists()


def test_wav_labels_round_trip_by_text(tmp_path):
    from tests.robustness.edge_helpers import EXAMPLES

    label = "oui/ja ✓"
    import_paths(tmp_path / "p", [EXAMPLES / "micro_speech" / "yes_1000ms.wav"], label=label)
    out = tmp_path / "out"
    res = export_data(Project.open(tmp_path / "p"), "wav", out)
    assert res.files == 1 and _inside(out)
    import_paths(tmp_path / "again", [out])
    again = Project.open(tmp_path / "again")
    assert again.classes == [label]
    a = Project.open(tmp_path / "p").labeled_segments()[0].read()
    b = again.labeled_segments()[0].read()
    assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
