"""Recording management on real imported HDF5 projects: rename, trash and restore (also
from a reopened project), train/test moves with exact undo, overlap checks."""

from __future__ import annotations

import json

import pytest

from tinystudio.dataset import Project, manage
from tinystudio.dataset.importers import import_paths
from tinystudio.dataset.overlaps import free_span, overlapping
from tinystudio.dataset.segments import Segment
from tinystudio.dataset.splits import make_split, summarize
from tinystudio.errors import DatasetError


@pytest.fixture
def project(tmp_path, punch_csv, flex_csv):
    path = tmp_path / "p"
    import_paths(path, [punch_csv], label="punch")
    import_paths(path, [flex_csv], label="flex")
    return Project.open(path)


def _ids(project):
    return sorted(r.id for r in project.recordings())


def test_rows_and_rename_keep_labels_and_split(project):
    rows = manage.recording_rows(project)
    assert len(rows) == 2 and {r.labels for r in rows} == {("punch",), ("flex",)}
    assert all(r.n_segments == 10 and r.seconds > 1 and r.split == "" for r in rows)
    make_split(project, test_fraction=0.0)
    old = next(r.id for r in rows if r.labels == ("punch",))
    segs = project.recording(old).segments
    new = manage.rename_recording(project, old, "punch-alice-take1")
    assert new == "punch-alice-take1" and old not in _ids(project)
    assert (project.recordings_dir / "punch-alice-take1.h5").exists()
    assert not (project.recordings_dir / f"{old}.h5").exists()
    reopened = Project.open(project.path)
    assert reopened.repairs == []
    assert reopened.recording(new).segments == segs
    row = next(r for r in manage.recording_rows(reopened) if r.id == new)
    assert row.split == "train"
    with pytest.raises(DatasetError, match="already exists"):
        manage.rename_recording(project, new, next(i for i in _ids(project) if i != new))
    with pytest.raises(DatasetError, match="letters, digits"):
        manage.rename_recording(project, new, "a/b")


def test_trash_and_restore_exactly(project):
    make_split(project, test_fraction=0.0)
    project.save()
    before_json = json.loads(project.json_path.read_text())
    victim = _ids(project)[0]
    segs = project.recording(victim).segments
    items = manage.trash_recordings(project, [victim])
    assert victim not in _ids(project)
    assert (items[0].folder / f"{victim}.h5").exists()
    assert items[0].folder.parent == project.path / manage.TRASH_DIR
    reopened = Project.open(project.path)  # the trash is not adopted back
    assert victim not in _ids(reopened) and reopened.repairs == []
    assert sum(c["segments"] for c in summarize(reopened).classes.values()) == 10
    listed = manage.list_trash(reopened)
    assert [i.id for i in listed] == [victim]
    assert manage.untrash(reopened, listed) == [victim]  # undo in a later session
    assert reopened.recording(victim).segments == segs
    assert json.loads(reopened.json_path.read_text()) == before_json
    assert not any((project.path / manage.TRASH_DIR).iterdir())


def test_move_split_and_undo(project):
    make_split(project, by="segment", test_fraction=0.3)
    before = dict(project.split_config["assignments"])
    rid = _ids(project)[0]
    undo = manage.set_recording_split(project, [rid], "test")
    assert next(r for r in manage.recording_rows(project) if r.id == rid).split == "test"
    on_disk = Project.open(project.path)
    assert all(ls.split == "test" for ls in on_disk.labeled_segments() if ls.recording.id == rid)
    manage.restore_assignments(project, undo)
    assert project.split_config["assignments"] == before
    assert next(r for r in manage.recording_rows(project) if r.id == rid).split == "mixed"
    with pytest.raises(DatasetError, match="train' or 'test"):
        manage.set_recording_split(project, [rid], "validation")


def test_overlaps():
    segs = [Segment("a", 10, 20, "x"), Segment("b", 30, 40, "x")]
    assert [s.id for s in overlapping(segs, 15, 35)] == ["a", "b"]
    assert overlapping(segs, 20, 30) == []  # half-open: touching is not overlapping
    assert overlapping(segs, 12, 18, exclude="a") == []
    assert free_span(segs, 5, 45, 100) == (20, 30)
    assert free_span(segs, 12, 18, 100) is None
    assert free_span(segs, 35, 60, 50) == (40, 50)
