"""Managing recordings in the window: the live view of the sensor being recorded, the
recordings table (full names, subject/session), preview, move to train/test, rename and
delete to the trash with undo, and the Label page following along."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from tinystudio.dataset import Project, manage
from tinystudio.dataset.importers import import_paths


def _name_fits(panel, row: int) -> bool:
    text = panel.table.model().index(row, 0).data()
    need = QFontMetrics(panel.table.font()).horizontalAdvance(text)
    return panel.table.columnWidth(0) >= need


def test_record_live_then_manage_takes(qtbot, window, connect_virtual):
    connect_virtual(window)
    window.show_page("Record")
    page = window.record_page
    assert page.live_view is not None and not page.live_placeholder.isVisible()
    qtbot.waitUntil(lambda: page.live_view.views[0].valid > 10, timeout=10_000)  # drawn live
    page.label_combo.setEditText("wave")
    page.subject.setText("alice")
    page.session_name.setText("day1")
    page.duration.setValue(0.5)
    left_width = page.classes.parentWidget().width()
    takes = []
    for _ in range(2):
        before = page.last_recording
        page.toggle()
        qtbot.waitUntil(lambda before=before: page.last_recording is not before, timeout=15_000)
        takes.append(page.last_recording.id)
    panel = page.panel
    rows = {r.id: r for r in panel.rows}
    assert set(takes) <= set(rows) and len(set(takes)) == 2
    assert all(rows[t].subject == "alice" and rows[t].session == "day1" for t in takes)
    assert all(_name_fits(panel, i) for i in range(len(panel.rows)))  # takes are told apart
    assert page.classes.parentWidget().width() == left_width  # the column did not widen

    # the newest take is selected and previewed
    qtbot.waitUntil(lambda: page.preview.n_samples > 0, timeout=10_000)
    assert page.preview_label.text().startswith(takes[-1])

    project = window.ctx.project
    panel.select(takes)
    panel.buttons["test"].click()
    assert {r.split for r in panel.rows if r.id in takes} == {"test"}
    assert {ls.split for ls in Project.open(project.path).labeled_segments()} == {"test"}
    panel.buttons["undo"].click()
    assert {r.split for r in panel.rows if r.id in takes} == {""}

    assert panel.rename(takes[0], "wave-alice-1")
    assert (project.recordings_dir / "wave-alice-1.h5").exists()
    label_ids = [r.id for r in window.label_page.panel.rows]
    assert "wave-alice-1" in label_ids and takes[0] not in label_ids

    panel.select(["wave-alice-1", takes[1]])
    assert panel.delete_selected()
    assert project.recordings() == [] and window.label_page.panel.rows == []
    assert len(manage.list_trash(project)) == 2
    panel.buttons["undo"].click()
    assert sorted(r.id for r in project.recordings()) == sorted(["wave-alice-1", takes[1]])
    assert not (project.recordings_dir / f"{takes[0]}.h5").exists()


def test_label_page_plots_per_unit_and_summary_table(qtbot, window, tmp_path, punch_csv, flex_csv):
    window.ctx.save_now()
    path = tmp_path / "project"
    import_paths(path, [punch_csv], label="punch")
    import_paths(path, [flex_csv], label="flex")
    window.open_project(path)
    qtbot.waitUntil(lambda: window.ctx.project is not None and len(window.ctx.project.recordings()) == 2,
                    timeout=10_000)
    window.show_page("Label")
    page = window.label_page
    page.select_recording("punch")
    qtbot.waitUntil(lambda: page.current is not None, timeout=10_000)
    tl = page.timeline
    assert len(tl.plots) == 2  # accelerometer and gyroscope apart
    assert [p.getAxis("left").labelText for p in tl.plots] == ["g", "deg/s"]
    legends = [[label.text for _sample, label in p.legend.items] for p in tl.plots]
    assert legends == [["aX", "aY", "aZ"], ["gX", "gY", "gZ"]]
    lo, hi = tl.plots[0].viewRange()[1]
    assert hi - lo < 20  # g range, not squashed under the gyroscope's hundreds of deg/s
    tl.channel_boxes["gX"].setChecked(False)
    assert not tl.curves[3].isVisible() and tl.curves[0].isVisible()
    assert len(tl.regions) == 10 and all(len(p.items) > 3 for p in tl.plots)

    summary = page.summary
    assert summary.table.rowCount() == 2
    assert [summary.table.item(r, 0).text() for r in range(2)] == ["punch", "flex"]
    assert summary.table.item(0, 1).text() == "10"
    assert "{" not in summary.toPlainText()
    assert "no segments in" not in summary.warnings.text()
    page.test_fraction.setValue(0.0)
    page.make_split()
    assert "no segments in test" in summary.warnings.text() and summary.warnings.isVisible()
