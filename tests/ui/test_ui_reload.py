"""The window follows changes that commands make to the open project."""

from __future__ import annotations

import subprocess
import sys

from tinystudio.dataset.importers import import_paths


def test_a_label_made_by_a_command_appears_in_the_window(qtbot, window, punch_csv):
    path = window.ctx.project.path
    import_paths(path, [punch_csv], label="punch")  # another "program" adds a recording
    qtbot.waitUntil(lambda: len(window.ctx.project.recordings()) == 1, timeout=10_000)
    rid = window.ctx.project.recordings()[0].id
    with qtbot.waitSignal(window.ctx.recordings_changed, timeout=10_000):
        proc = subprocess.run([sys.executable, "-m", "tinystudio", "label", str(path), "--whole",
                               "--label", "jab"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert {s.label for s in window.ctx.project.segments(rid)} == {"jab"}
    assert "jab" in window.ctx.project.classes
