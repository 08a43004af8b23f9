"""The Label page on real imported recordings: hotkeys, auto-segment, drag, undo/redo,
split, and the labels reaching the project files on disk."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths


def _open_with(window, qtbot, tmp_path, csv, label):
    path = tmp_path / "project"
    window.ctx.save_now()
    import_paths(path, [csv], label=label)
    window.open_project(path)
    qtbot.waitUntil(lambda: window.ctx.project is not None and bool(window.ctx.project.recordings()), timeout=10_000)
    return window.ctx.project


def test_hotkeys_drag_undo_redo_and_save(qtbot, window, tmp_path, punch_csv):
    project = _open_with(window, qtbot, tmp_path, punch_csv, "punch")
    project.add_class("flex")
    window.show_page("Label")
    page = window.label_page
    rec = project.recordings()[0]
    page.select_recording(rec.id)
    qtbot.waitUntil(lambda: page.current is not None and page.data is not None, timeout=10_000)
    original = list(rec.segments)
    n0 = len(original)
    assert n0 == 10  # IMU_Capture blank lines -> one segment per gesture
    assert len(page.timeline.regions) == n0

    seg = original[3]
    page.timeline.select(seg.id)
    qtbot.keyClick(page, Qt.Key_2)  # class 2 = flex
    assert project.recording(rec.id).segments[3].label == "flex"
    assert page.class_combo.currentText() == "flex"

    region = next(r for r in page.timeline.regions if r.segment.id == seg.id)
    lo, hi = region.getRegion()
    region.setRegion((lo + 10 / rec.rate_hz, hi))  # as a drag of the left edge ends
    moved = next(s for s in project.recording(rec.id).segments if s.id == seg.id)
    assert moved.start == seg.start + 10 and moved.end == seg.end

    page.timeline.select(seg.id)
    qtbot.keyClick(page, Qt.Key_Delete)
    assert len(project.recording(rec.id).segments) == n0 - 1
    for _ in range(3):
        page.undo_stack.undo()
    assert project.recording(rec.id).segments == original  # undo is exact
    page.undo_stack.redo()
    assert project.recording(rec.id).segments[3].label == "flex"

    window.ctx.save_now()
    on_disk = Project.open(project.path).recording(rec.id)
    assert [s.label for s in on_disk.segments].count("flex") == 1


def test_auto_segment_and_split(qtbot, window, tmp_path, punch_csv):
    project = _open_with(window, qtbot, tmp_path, punch_csv, "punch")
    page = window.label_page
    rec = project.recordings()[0]
    page.select_recording(rec.id)
    qtbot.waitUntil(lambda: page.current is not None, timeout=10_000)
    page.label_whole()
    assert len(project.recording(rec.id).segments) == 1
    page.auto_segment()  # proposals replace the whole-take label
    segs = project.recording(rec.id).segments
    assert 8 <= len(segs) <= 12, len(segs)
    assert all(s.label == "punch" and s.end - s.start <= 2 * rec.rate_hz for s in segs)
    page.auto_segment()  # a second press replaces, never stacks duplicates
    assert len(project.recording(rec.id).segments) == len(segs)
    page.test_fraction.setValue(0.3)
    page.make_split()
    assert "train" in page.summary.toPlainText()
    assert project.split_config.get("test_fraction") == 0.3


def test_undo_redo_keys(qtbot, window, tmp_path, punch_csv):
    project = _open_with(window, qtbot, tmp_path, punch_csv, "punch")
    window.show_page("Label")
    page = window.label_page
    rec = project.recordings()[0]
    page.select_recording(rec.id)
    qtbot.waitUntil(lambda: page.current is not None, timeout=10_000)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key_N)  # the take is covered end to end: no overlapping segment
    assert len(project.recording(rec.id).segments) == 10
    assert "overlap" in page.info.text() or "covered" in page.info.text()
    middle = project.recording(rec.id).segments[5]
    page.timeline.select(middle.id)
    qtbot.keyClick(page, Qt.Key_Delete)
    qtbot.keyClick(page, Qt.Key_N)  # add a segment in the gap, never over a neighbour
    segs = project.recording(rec.id).segments
    assert len(segs) == 10 and all(a.end <= b.start for a, b in zip(segs, segs[1:], strict=False))
    qtbot.keyClick(page, Qt.Key_Z, Qt.ControlModifier)
    assert len(project.recording(rec.id).segments) == 9
    qtbot.keyClick(page, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert len(project.recording(rec.id).segments) == 10
