"""Seconds from process start to the TinyStudio window on screen, against bare PySide6.

Baseline, measured in the same run: ``python -c "import PySide6.QtWidgets"`` (the floor
any PySide6 app pays). Each figure is the median of several fresh processes, timed from
spawn to the line the app prints once its window has been shown (offscreen platform).
The window shows first and builds its pages (which import pyqtgraph) right after; the
time until every page is ready is reported too. Also checks that TensorFlow was not
imported by then. Last line: one JSON object.

    python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.5


def _env() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def time_import_qt(env) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], check=True, env=env)
    return time.perf_counter() - t0


def time_window(env, project: str, settings_dir: str) -> tuple[float, float, list[str]]:
    env = dict(env, TINYSTUDIO_SETTINGS_DIR=settings_dir)
    cmd = [sys.executable, "-m", "tinystudio", "gui", "--no-board", "--project", project,
           "--exit-when-shown"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    heavy: list[str] = []
    shown = ready = None
    for line in proc.stdout:
        if line.startswith("SHOWN"):
            shown = time.perf_counter() - t0
            heavy = [m for m in line.split(" ", 1)[1].strip().split(",") if m]
        elif line.startswith("READY"):
            ready = time.perf_counter() - t0
            break
    proc.wait(30)
    if shown is None or ready is None:
        raise SystemExit(f"the window never reported being shown and ready (exit {proc.returncode})")
    return shown, ready, heavy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = _env()
    qt, win, ready, heavy = [], [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        project = str(Path(tmp) / "project")
        time_window(env, project, tmp)  # creates the project once; not timed
        for _ in range(args.runs):  # interleaved so load changes hit both alike
            qt.append(time_import_qt(env))
            s, r, h = time_window(env, project, tmp)
            win.append(s)
            ready.append(r)
            heavy.update(h)
    result = {
        "benchmark": "startup",
        "runs": args.runs,
        "window_shown_s": round(statistics.median(win), 3),
        "window_shown_min_s": round(min(win), 3),
        "all_pages_ready_s": round(statistics.median(ready), 3),
        "import_pyside6_qtwidgets_s": round(statistics.median(qt), 3),
        "ratio_vs_import": round(statistics.median(win) / statistics.median(qt), 2),
        "target_s": TARGET_S,
        "meets_target": statistics.median(win) <= TARGET_S,
        "tensorflow_imported": "tensorflow" in heavy,  # at show time
        "pyqtgraph_imported_at_show": "pyqtgraph" in heavy,
        "heavy_modules_at_show": sorted(heavy),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"window shown after {result['window_shown_s']:.3f} s (median of {args.runs}); "
          f"`import PySide6.QtWidgets` alone {result['import_pyside6_qtwidgets_s']:.3f} s; "
          f"ratio {result['ratio_vs_import']:.2f}x; all pages ready {result['all_pages_ready_s']:.3f} s; "
          f"TensorFlow imported: {result['tensorflow_imported']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
