"""The window's own writes never show as "changed on disk"; other people's still do
(issue 21). The studio writes its project from its children (the trainer, the virtual
board) and from other project objects in its process, not only from the window's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tinystudio.dataset import own_writes
from tinystudio.dataset.importers import import_paths

ROOT = Path(__file__).resolve().parents[2]
RELOADED = "project reloaded: it was changed on disk"


def _cli(args, env):
    env = {**env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_own_writes_reload_quietly_and_an_outside_write_is_announced(qtbot, window, tmp_path, punch_csv,
                                                                    flex_csv):
    folder = tmp_path / "gestures"
    import_paths(folder, [punch_csv], label="punch")
    import_paths(folder, [flex_csv], label="flex")
    with qtbot.waitSignal(window.ctx.project_changed, timeout=10_000):
        window.open_project(folder)
    ctx = window.ctx
    said: list[str] = []
    ctx.status.connect(said.append)
    outside = {k: v for k, v in os.environ.items() if k != own_writes.ENV}

    # a child the studio started (as the trainer is started) saves a split: merged, not announced
    with qtbot.waitSignal(ctx.recordings_changed, timeout=10_000):
        _cli(["split", str(folder), "--by", "segment", "--seed", "1"], own_writes.child_env(outside))
    assert ctx.project.split_config.get("by") == "segment"
    # another project object of this process (as the virtual board's takes source) saves
    from tinystudio.dataset import Project

    other = Project.open(folder)
    other.settings["target_per_class"] = 7
    with qtbot.waitSignal(ctx.recordings_changed, timeout=10_000):
        other.save()
    assert ctx.project.settings.get("target_per_class") == 7
    # the window's own label save
    rec = ctx.project.recordings()[0]
    window.show_page("Label")
    window.label_page.select_recording(rec.id)
    qtbot.waitUntil(lambda: window.label_page.current is not None, timeout=10_000)
    window.label_page.class_combo.setEditText("punch")
    window.label_page.label_whole()
    ctx.save_now()
    # and its auto-segmentation of every take (one bulk edit, saved after it settles)
    window.label_page.ask_recut = lambda n: True
    with qtbot.waitSignal(window.label_page.auto_done, timeout=20_000):
        window.label_page.auto_segment_all()
    qtbot.waitUntil(lambda: not ctx._save_timer.isActive(), timeout=5_000)
    qtbot.wait(1500)  # a watcher tick or more
    assert RELOADED not in said

    # someone else (a terminal's command, not the studio's child) relabels: announced
    with qtbot.waitSignal(ctx.recordings_changed, timeout=10_000):
        _cli(["label", str(folder), "--whole", "--label", "jab"], outside)
    qtbot.waitUntil(lambda: RELOADED in said, timeout=5_000)
    assert "jab" in ctx.project.classes
