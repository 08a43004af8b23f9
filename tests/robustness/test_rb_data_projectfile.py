"""Hostile project files: each is refused with one clear error naming the file and the
field, and nothing in the project changes (byte for byte)."""

from __future__ import annotations

import json

import pytest

from tests.robustness.rb_data_common import assert_one_clear_line, cli, make_project
from tests.robustness.snapshot import Snapshot
from tinystudio.dataset import Project
from tinystudio.errors import DatasetError


@pytest.fixture()
def project(tmp_path):
    return make_project(tmp_path / "p")


def _edit(project, change) -> None:
    path = project / "project.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _seg(data, **kw):
    data["recordings"]["punch"]["segments"][0].update(kw)


CASES = {
    "classes_not_a_list": (lambda d: d.update(classes={"punch": 1}), "'classes'"),
    "segment_start_is_text": (lambda d: _seg(d, start="0"), "segments[0].start"),
    "segment_start_is_bool": (lambda d: _seg(d, start=True), "segments[0].start"),
    "segment_negative": (lambda d: _seg(d, start=-5), "segments[0].start"),
    "segment_ends_before_start": (lambda d: _seg(d, start=50, end=10), "recordings.punch.segments[0]"),
    "segment_huge_integer": (lambda d: _seg(d, end=10**30), "segments[0].end"),
    "segment_empty_label": (lambda d: _seg(d, label=""), "segments[0].label"),
    "segment_id_with_path": (lambda d: _seg(d, id="../../etc"), "segments[0].id"),
    "recording_id_with_path": (lambda d: d["recordings"].update({"../outside": {"segments": []}}),
                               "recordings.'../outside'"),
    "split_unknown_side": (lambda d: d.update(split={"assignments": {"punch": "validation"}}),
                           "split.assignments.punch"),
    "split_fraction_out_of_range": (lambda d: d.update(split={"test_fraction": 1.5}), "split.test_fraction"),
    "duplicate_class": (lambda d: d["classes"].append(dict(d["classes"][0])), "classes[2]"),
    "newer_schema": (lambda d: d.update(schema_version=99), "schema version 99"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_project_field_is_named_and_nothing_changes(project, case):
    change, field = CASES[case]
    _edit(project, change)
    snap = Snapshot(project)
    with pytest.raises(DatasetError) as err:
        Project.open(project)
    assert "project.json" in str(err.value) and field in str(err.value), str(err.value)
    snap.assert_unchanged()


def test_nan_constant_in_project_file_is_refused(project):
    path = project / "project.json"
    path.write_text(path.read_text().replace('"start": 0', '"start": NaN', 1))
    snap = Snapshot(project)
    with pytest.raises(DatasetError, match="project.json.*not valid JSON.*NaN"):
        Project.open(project)
    snap.assert_unchanged()


def test_truncated_project_file_is_one_clear_line_from_every_command(project):
    path = project / "project.json"
    path.write_bytes(path.read_bytes()[:37])
    snap = Snapshot(project)
    for command in (["info"], ["split"], ["label", "--whole", "--label", "x"]):
        proc = cli(*command[:1], project, *command[1:])
        assert_one_clear_line(proc, "project.json", "not valid JSON", code=4)
    snap.assert_unchanged()


def test_segment_past_the_end_of_its_recording_sets_only_that_recording_aside(project):
    _edit(project, lambda d: _seg(d, start=100, end=10_000))
    snap = Snapshot(project)
    p = Project.open(project)
    assert [r.id for r in p.recordings()] == ["flex"]
    assert "punch" in p.quarantined and "segments[0]" in p.quarantined["punch"]
    n = Project.open(project).quarantined["punch"]
    assert "100..10000" in n and "1190 samples" in n, n
    assert any("ends past the" in r and "punch.h5" in r for r in p.repairs)
    assert {ls.label for ls in p.labeled_segments()} == {"flex"}
    snap.assert_unchanged()  # nothing is "fixed" behind the user's back
