"""The recordings table as a model: a label edit updates its row only (no reset, no
per-cell rebuild), "Auto-segment all" is one undo step and one refresh."""

from __future__ import annotations

import numpy as np

from tinystudio.dataset import Project
from tinystudio.dataset.recording import RecordingMeta, write_recording
from tinystudio.dataset.segments import Segment


def _project(path, n: int) -> Project:
    p = Project.create(path)
    t = np.arange(400) / 100.0
    for i in range(n):
        rid, f = p.new_recording_path(f"take{i:03d}")
        x = np.zeros((400, 3), dtype=np.float32)
        x[:, 2] = 1.0  # gravity only ...
        x[100:150, 0] = 3.0 * np.sin(2 * np.pi * 5 * t[100:150])  # ... and one gesture
        write_recording(f, x, RecordingMeta("imu", ["ax", "ay", "az"], 100.0, "float32",
                                            units=["g"] * 3), [Segment.new(0, 400, "wave")])
        p.add_recording(f)
    p.save()
    return p


def _counting(model) -> dict:
    seen = {"reset": 0, "rows": []}
    model.modelReset.connect(lambda: seen.__setitem__("reset", seen["reset"] + 1))
    model.dataChanged.connect(lambda a, b, *_: seen["rows"].append((a.row(), b.row())))
    return seen


def test_label_edit_updates_one_row(qtbot, window, tmp_path):
    project = _project(tmp_path / "p", 25)
    window.ctx.set_project(project)
    window.show_page("Label")
    page = window.label_page
    panel = page.panel
    assert [r.id for r in panel.rows] == [f"take{i:03d}" for i in range(25)]
    rows_before = list(panel.rows)
    panel.select("take007")
    qtbot.waitUntil(lambda: page.current is not None and page.current.id == "take007", timeout=10_000)
    seen = _counting(panel.model)
    page.class_combo.setEditText("punch")
    page.label_whole()
    assert seen["reset"] == 0 and seen["rows"] == [(7, 7)]
    assert panel.model.index(7, 1).data() == "punch"
    assert all(a is b for i, (a, b) in enumerate(zip(rows_before, panel.rows, strict=True)) if i != 7)
    assert panel.selected_ids() == ["take007"]
    page.undo_stack.undo()
    assert panel.model.index(7, 1).data() == "wave" and seen["reset"] == 0


def test_auto_segment_all_is_one_undo_step_and_one_refresh(qtbot, window, tmp_path):
    project = _project(tmp_path / "p", 12)
    window.ctx.set_project(project)
    window.show_page("Label")
    page = window.label_page
    refreshes = []
    window.ctx.recordings_changed.connect(lambda: refreshes.append(1))
    depth = page.undo_stack.count()
    with qtbot.waitSignal(page.auto_done, timeout=30_000) as blocker:
        page.auto_segment_all()
    assert blocker.args == [12]
    assert page.undo_stack.count() == depth + 1 and len(refreshes) == 1
    segs = {r.id: r.segments for r in project.recordings()}
    assert all(len(s) == 1 and s[0].label == "wave" and 90 <= s[0].start <= 110 for s in segs.values())
    page.undo_stack.undo()
    assert len(refreshes) == 2
    assert all([(s.start, s.end) for s in r.segments] == [(0, 400)] for r in project.recordings())
