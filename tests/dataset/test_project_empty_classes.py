"""A class exists while a segment uses it (issue 21): one that lost its last segment, or
was offered and never used, is not saved, and a project file that lists one loses it."""

from __future__ import annotations

import json

import numpy as np

from tinystudio.dataset import Project
from tinystudio.dataset.labels import label_whole
from tinystudio.dataset.recording import RecordingMeta, write_recording
from tinystudio.dataset.segments import Segment


def _add(project, name, label, n=200):
    rid, path = project.new_recording_path(name)
    meta = RecordingMeta("imu", ["a", "b"], 100.0, "int16", scale=[1.0, 1.0], units=["g", "g"])
    write_recording(path, np.zeros((n, 2), np.int16), meta, [Segment.new(0, n, label)])
    return project.add_recording(path)


def _saved_classes(folder):
    return [c["name"] for c in json.loads((folder / "project.json").read_text())["classes"]]


def test_a_class_that_lost_its_last_segment_is_not_listed_or_saved(tmp_path):
    p = Project.create(tmp_path / "p")
    a = _add(p, "a", "punch")
    _add(p, "b", "flex")
    p.save()
    assert _saved_classes(p.path) == ["punch", "flex"]
    label_whole(p, a.id, "wave").apply(p)  # the only punch take becomes wave
    assert p.classes == ["flex", "wave"]
    assert "punch" not in p.class_colors
    p.save()
    assert _saved_classes(p.path) == ["flex", "wave"]
    assert Project.open(p.path).classes == ["flex", "wave"]


def test_an_offered_class_never_used_is_not_saved(tmp_path):
    p = Project.create(tmp_path / "p")
    _add(p, "a", "punch")
    p.add_class("idle", "#123456")  # typed in a class box, nothing recorded with it
    p.save()
    assert _saved_classes(p.path) == ["punch"]


def test_opening_a_project_file_with_an_empty_class_drops_it_and_keeps_colours(tmp_path):
    p = Project.create(tmp_path / "p")
    _add(p, "a", "punch")
    p.set_class_color("punch", "#ff0000")
    p.save()
    data = json.loads(p.json_path.read_text())
    data["classes"].append({"name": "testing", "color": "#00ff00"})  # an older studio's junk class
    p.json_path.write_text(json.dumps(data))
    q = Project.open(p.path)
    assert q.classes == ["punch"] and q.class_colors == {"punch": "#ff0000"}
    assert _saved_classes(p.path) == ["punch", "testing"]  # opening alone writes nothing
    q.save()
    assert _saved_classes(p.path) == ["punch"]


def test_a_set_aside_recordings_labels_keep_their_class(tmp_path):
    p = Project.create(tmp_path / "p")
    a = _add(p, "a", "punch")
    _add(p, "b", "flex")
    p.save()
    a.path.unlink()  # its labels stay in project.json, the recording is reported missing
    q = Project.open(p.path)
    assert a.id in q.quarantined
    q.save()
    assert sorted(_saved_classes(p.path)) == ["flex", "punch"]
