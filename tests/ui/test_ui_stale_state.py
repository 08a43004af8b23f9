"""No stale state across projects; bulk auto-segment keeps hand labels and is one undo."""

from __future__ import annotations

from tinystudio.dataset.segments import Segment


def open_punch_flex(qtbot, window, punch_csv, flex_csv):
    """The punch and flex files imported, the window's project object the one opened after."""
    from tinystudio.dataset.importers import import_paths

    path = window.ctx.project.path
    import_paths(path, [punch_csv], label="punch")
    import_paths(path, [flex_csv], label="flex")
    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(path)
    assert len(window.ctx.project.recordings()) == 2


def _whole_take(project, label: str):
    """The recording of ``label`` as a fresh take: one segment over all of it."""
    rec = next(r for r in project.recordings() if r.segments and r.segments[0].label == label)
    project.set_segments(rec.id, [Segment.new(0, rec.n_samples, label)])
    return rec


def test_opening_another_project_shows_nothing_of_the_first(qtbot, window, punch_csv, flex_csv, tmp_path):
    open_punch_flex(qtbot, window, punch_csv, flex_csv)
    record, label, deploy = window.record_page, window.label_page, window.deploy_page
    window.show_page("Label")
    label.class_combo.setEditText("flex")
    window.show_page("Record")
    record.label_combo.setEditText("flex")
    assert label.panel.rows and record.panel.rows
    first = {"punch", "flex"}

    window.open_project(tmp_path / "second")
    qtbot.waitUntil(lambda: window.ctx.project is not None and window.ctx.project.path.name == "second",
                    timeout=10_000)
    assert record.label_combo.currentText() == "" and record.label_combo.count() == 0
    assert label.class_combo.currentText() == "" and label.class_combo.count() == 0
    assert label.current is None and not label.panel.rows and not record.panel.rows
    assert window.ctx.project.classes == []
    assert not (set(deploy.scores.labels) & first) and deploy.big.text == "—"
    assert window.train_page.report is None
    label.hotkey_class(1)  # pressing 1 with no class: nothing of the first project appears
    assert window.ctx.project.classes == []


def test_auto_segment_all_keeps_hand_labels_unless_asked_and_undoes_in_one_step(qtbot, window, punch_csv,
                                                                              flex_csv):
    open_punch_flex(qtbot, window, punch_csv, flex_csv)
    project = window.ctx.project
    take = _whole_take(project, "punch")
    hand = next(r for r in project.recordings() if r.id != take.id)
    hand_segments = list(hand.segments)
    assert len(hand_segments) == 10  # the ten flexes as marked in the file
    label = window.label_page
    window.show_page("Label")
    asked = []
    label.ask_recut = lambda n: asked.append(n) or False
    with qtbot.waitSignal(label.auto_done, timeout=20_000) as done:
        label.buttons["auto_all"].click()
    assert done.args == [1] and asked == [1]
    assert project.recording(hand.id).segments == hand_segments  # kept as made
    assert len(project.recording(take.id).segments) >= 5
    assert {s.label for s in project.recording(take.id).segments} == {"punch"}
    label.undo_stack.undo()  # one undo: the whole bulk action
    assert [(s.start, s.end) for s in project.recording(take.id).segments] == [(0, take.n_samples)]

    label.ask_recut = lambda n: True  # the user agrees: both re-cut, still one undo step
    with qtbot.waitSignal(label.auto_done, timeout=20_000) as done:
        label.buttons["auto_all"].click()
    assert done.args == [2]
    assert label.undo_stack.count() == 1 and label.undo_stack.index() == 1  # one step for both
    assert project.recording(hand.id).segments != hand_segments
    label.undo_stack.undo()
    assert project.recording(hand.id).segments == hand_segments
    assert len(project.recording(take.id).segments) == 1


def test_n_selects_the_new_segment(qtbot, window, punch_csv, flex_csv):
    open_punch_flex(qtbot, window, punch_csv, flex_csv)
    label = window.label_page
    window.show_page("Label")
    project = window.ctx.project
    rec = project.recording("punch")
    project.set_segments(rec.id, [])
    label.panel.select(rec.id)
    qtbot.waitUntil(lambda: label.current is not None and label.current.id == rec.id and label.data is not None,
                    timeout=10_000)
    label.add_segment()
    segs = project.recording(rec.id).segments
    assert len(segs) == 1 and label.selected_id() == segs[0].id
