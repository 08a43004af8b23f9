"""The window at scale, in its own process (run by bench_scale.py; prints one JSON line).

Why a child: the parent measures this process's peak memory with wait4, and the window
must start cold like a user's. Opens the generated project in a real MainWindow (offscreen),
times the open until the Label page's table holds every recording, then a label edit
on the Label page as the GUI thread runs it: the edit itself (undo step, row update,
every view's refresh) and the debounced save the edit schedules, each a separate block
of the event loop (every processEvents timed for 0.8 s). The baseline of the same run is the same edit as before this session's
changes: the hidden pages refreshed too (timed by calling their refresh) and the save
through the old path (project file re-read and re-checked, every line encoded).

    QT_QPA_PLATFORM=offscreen python benchmarks/scale_window.py PROJECT
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait(app, cond, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.002)


def _edit(app, w, label: str, legacy: bool) -> dict:
    """One label edit and the 0.8 s after it (the debounced save fires at 0.4 s): the
    edit's own block (a key press handler) and every event-loop block after it, timed
    one ``processEvents`` at a time. ``legacy``: as before this session, the hidden pages
    refresh inside the edit and the save re-reads project.json and encodes every line."""
    page, ctx = w.label_page, w.ctx
    real_save = type(ctx).save_now

    def old_save(sync_recordings: bool = True) -> None:
        ctx.project._signature = None  # what every save did before: re-read, re-check ...
        ctx.project._lines.clear()  # ... and encode every line
        real_save(ctx, sync_recordings)

    if legacy:
        ctx.save_now = old_save
    page.class_combo.setEditText(label)
    t0 = time.perf_counter()
    page.label_whole()
    if legacy:
        _hidden_refresh(w)
    first = time.perf_counter() - t0
    blocks = []
    end = time.monotonic() + 0.8
    while time.monotonic() < end:
        t = time.perf_counter()
        app.processEvents()
        blocks.append(time.perf_counter() - t)
        time.sleep(0.001)
    if legacy:
        del ctx.save_now
    return {"legacy": legacy, "edit_s": first, "after_max_s": max(blocks), "after_sum_s": sum(blocks)}


def _hidden_refresh(w) -> None:
    """What every edit also ran before the hidden pages waited to be shown: the Train
    page's readiness line, its split preview, the Record page's table."""
    w.train_page._data_changed_now()
    w.train_page.split_panel.refresh()
    w.record_page.refresh()


def main(project_dir: str) -> dict:
    import tempfile

    os.environ.setdefault("TINYSTUDIO_SETTINGS_DIR", tempfile.mkdtemp(prefix="scale-settings-"))
    from tinystudio.ui.app import create_app
    from tinystudio.ui.main_window import MainWindow

    app = create_app()
    w = MainWindow()
    w.resize(1280, 800)
    w.show()
    w.build_pages()
    w.show_page("Label")
    n = sum(1 for _ in (Path(project_dir) / "recordings").glob("*.h5"))
    page = w.label_page
    t0 = time.perf_counter()
    w.open_project(project_dir)
    _wait(app, lambda: w.ctx.project is not None and len(page.panel.rows) == n)
    open_s = time.perf_counter() - t0
    rid = page.panel.rows[n // 2].id
    page.panel.select(rid)
    _wait(app, lambda: page.current is not None and page.current.id == rid)
    out = {"n": n, "open_s": open_s, "edits": []}
    for i, legacy in enumerate((False, True, False, True, False, True)):
        label = ("punch", "flex")[i % 2]
        out["edits"].append(_edit(app, w, label, legacy))
        on_disk = json.loads((Path(project_dir) / "project.json").read_text())["recordings"][rid]
        if [s["label"] for s in on_disk["segments"]] != [label]:
            raise SystemExit(f"edit {i} not on disk after 0.8 s: {on_disk}")
    w.close()
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
