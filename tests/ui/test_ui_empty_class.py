"""An empty class is shown nowhere and saved nowhere (issue 21): one left in a project file
(an older studio, another project's class box), or one whose last take was relabeled."""

from __future__ import annotations

import json

from tinystudio.dataset.importers import import_paths


def _saved_classes(folder):
    return {c["name"] for c in json.loads((folder / "project.json").read_text())["classes"]}


def test_empty_class_is_not_shown_on_record_or_label_page_nor_kept_in_project_json(qtbot, window, tmp_path,
                                                                                  punch_csv, flex_csv):
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    data = json.loads((folder / "project.json").read_text())
    data["classes"].append({"name": "testing", "color": "#00ff00"})  # used by no segment
    (folder / "project.json").write_text(json.dumps(data))

    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(folder)
    record, label = window.record_page, window.label_page
    window.show_page("Record")
    record.refresh()
    assert set(record.classes.counts) == {"punch", "flex"}
    assert {record.label_combo.itemText(i) for i in range(record.label_combo.count())} == {"punch", "flex"}
    window.show_page("Label")
    label.refresh_summary()
    rows = {label.summary.table.item(r, 0).text() for r in range(label.summary.table.rowCount())}
    assert rows == {"punch", "flex"}

    # the only flex take relabeled punch: flex is empty now, and goes too
    flex = next(r for r in window.ctx.project.recordings() if r.segments[0].label == "flex")
    label.select_recording(flex.id)
    qtbot.waitUntil(lambda: label.current is not None and label.current.id == flex.id, timeout=10_000)
    label.class_combo.setEditText("punch")
    label.label_whole()
    window.ctx.save_now()
    assert _saved_classes(folder) == {"punch"}
    window.show_page("Record")
    record.refresh()
    assert set(record.classes.counts) == {"punch"}
    label.refresh_summary()
    assert label.summary.table.rowCount() == 1
