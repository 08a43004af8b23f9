"""The split control's "Now:" line and its list tell the same story (issue 21): the list
shows the split in use, and "Now:" says how classes with too few takes were really cut."""

from __future__ import annotations

from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths
from tinystudio.ui import split_plan
from tinystudio.ui.split_plan import SplitChoice


def _open(qtbot, window, folder):
    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(folder)
    window.show_page("Train")
    return window.train_page.split_panel


def test_now_line_and_list_agree_and_say_how_one_take_classes_were_cut(qtbot, window, tmp_path, punch_csv,
                                                                      flex_csv):
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    p = Project.open(folder)
    split_plan.apply(p, SplitChoice("recording", 0.2))  # one take per class: cut by segment instead
    p.save()
    panel = _open(qtbot, window, folder)
    now = panel.now_label.text()
    assert now.startswith("Now: by recording") and "by segment for flex, punch: too few takes" in now, now
    assert panel.choice().by == "recording"
    assert "In use" in panel.verdict.text() and "too few recordings" not in panel.verdict.text()  # said once

    # a split in use that has a problem (nothing in test): the list still shows it, not the
    # recommended "by segment"; the verdict and the Train page's banner offer the fix
    p = Project.open(folder)
    split_plan.apply(p, SplitChoice("recording", 0.0))
    p.save()
    _open(qtbot, window, tmp_path / "other")  # away and back: the list is reset
    panel = _open(qtbot, window, folder)
    assert panel.now_label.text().startswith("Now: by recording") and "⚠" in panel.now_label.text()
    assert panel.choice().by == "recording"
    assert panel.verdict.text().startswith("Apply gives")  # the one in use is not ok: applying fixes it


def test_the_list_follows_a_split_made_under_it(qtbot, window, tmp_path, punch_csv, flex_csv):
    """The trainer makes a split for its run when there is none (by recording, cut by segment
    for one-take classes); the window reloads it and the list must show it, not the
    recommendation it showed before."""
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    panel = _open(qtbot, window, folder)
    assert panel.choice().by == "segment" and "no split yet" in panel.now_label.text()
    other = Project.open(folder)  # as the trainer's child process does
    split_plan.apply(other, SplitChoice("recording", 0.25))
    with qtbot.waitSignal(window.ctx.recordings_changed, timeout=10_000):
        other.save()
    assert panel.now_label.text().startswith("Now: by recording")
    assert panel.choice().by == "recording" and abs(panel.fraction.value() - 0.25) < 1e-9
    panel.strategy.setCurrentIndex(panel.strategy.findData("segment"))  # being edited
    window.ctx.recordings_changed.emit()  # a label edit elsewhere: the edit stays
    assert panel.choice().by == "segment"


def test_start_without_a_split_trains_on_the_split_the_box_shows(qtbot, window, tmp_path, punch_csv, flex_csv):
    """Found in a new-user walk: punch had two takes and flex one, the box said "no split yet
    (training would use the recommended one below)" over "by segment", and the trainer then
    made its own split by recording. Start now applies what the box shows."""
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    panel = _open(qtbot, window, folder)
    train = window.train_page
    assert panel.choice().by == "segment" and "no split yet" in panel.now_label.text()
    shown = panel.preview_result.counts
    train.epochs.setValue(1)
    train.start_button.click()
    try:
        project = window.ctx.project
        assert project.split_config["by"] == "segment"
        assert Project.open(folder).split_config["by"] == "segment"  # saved before the trainer reads it
        assert panel.now_label.text().startswith("Now: by segment")
        assert split_plan.preview(project, SplitChoice("segment", 0.2)).counts == shown
    finally:
        train.stop_button.click()
        qtbot.waitUntil(lambda: not train.running, timeout=60_000)
