"""Scale: how commands grow with a researcher's dataset (recordings, hours of audio).

Why: a project of 10,000 recordings must stay interactive (issue 25). Each step runs as
its own `tinystudio` process on a generated project, and reports wall time, the child's
peak memory (ru_maxrss from wait4) and the growth factor per 10x recordings. The baseline
measured in the same run is the same command with the project index deleted first (what
every open cost before the index: every HDF5 file opened), so the ratio says what the
index buys on this machine. The window figures (benchmarks/scale_window.py, offscreen):
the open until the Label page's table is filled, and a label edit's GUI-thread time
(the longest block of the event loop it causes, and edit + save) against the same edit
as before, in the same run (hidden pages refreshed, project.json re-read on each save).
Last line: one JSON object.

    python benchmarks/bench_scale.py --quick          # 1k and 10k recordings
    python benchmarks/bench_scale.py                  # 1k, 10k, 50k recordings
    python benchmarks/bench_scale.py --sizes 1000 --keep /tmp/scale   # keep the projects
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from tinystudio.dataset import index, schema  # noqa: E402
from tinystudio.dataset.recording import RecordingMeta, write_recording  # noqa: E402
from tinystudio.dataset.segments import Segment  # noqa: E402

CLASSES = ("wave", "punch", "flex", "idle")


def generate(folder: Path, n: int, seed: int = 0) -> Path:
    """A project of ``n`` two-second 100 Hz IMU takes, one labeled segment each, four
    classes, 20 subjects; project.json written once (not one save per recording)."""
    from tinystudio.dataset import recording

    recording._fsync_path = lambda path: None  # generation only: no fsync per file (not measured)
    rng = np.random.default_rng(seed)
    rdir = folder / schema.RECORDINGS_DIR
    rdir.mkdir(parents=True)
    (folder / schema.MODELS_DIR).mkdir()
    entries = {}
    for i in range(n):
        rid = f"take{i:06d}"
        label = CLASSES[i % len(CLASSES)]
        samples = rng.integers(-2000, 2000, size=(200, 6), dtype=np.int16)
        meta = RecordingMeta("imu", ["ax", "ay", "az", "gx", "gy", "gz"], 100.0, "int16",
                             scale=[1 / 4096] * 3 + [1 / 16.4] * 3, units=["g"] * 3 + ["dps"] * 3,
                             subject=f"s{i % 20:02d}")
        seg = Segment(f"g{i:06d}", 20, 140, label)
        write_recording(rdir / f"{rid}.h5", samples, meta, [seg])
        entries[rid] = {"segments": [seg.to_json()]}
    data = {"format": schema.PROJECT_FORMAT, "schema_version": schema.SCHEMA_VERSION, "name": folder.name,
            "classes": [{"name": c, "color": schema.DEFAULT_COLORS[k]} for k, c in enumerate(CLASSES)],
            "settings": {}, "split": {}, "recordings": entries}
    (folder / schema.PROJECT_FILE).write_text(json.dumps(data, indent=1) + "\n")
    past = time.time() - 60  # as after a minute: outside the index's racy window
    for f in rdir.glob("*.h5"):
        os.utime(f, (past, past))
    return folder


def run_step(*args: str) -> tuple[float, float]:
    """Wall seconds and peak MB of one `tinystudio` command in its own process."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tinystudio", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"tinystudio {' '.join(args)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024.0


def run_window(project: Path) -> dict:
    """The window's figures (benchmarks/scale_window.py in its own process): open until
    the Label page's table is filled, and a label edit's GUI-thread time now and as before
    (the hidden pages refreshed on every edit and the save re-read project.json)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, str(REPO / "benchmarks" / "scale_window.py"), str(project)],
                                stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"scale_window.py failed:\n{err.read().decode(errors='replace')}")
        data = json.loads(out.read().decode().strip().splitlines()[-1])
    now = [e for e in data["edits"] if not e["legacy"]]
    before = [e for e in data["edits"] if e["legacy"]]

    def block(edits):  # the longest single GUI-thread block an edit causes (edit, or its save)
        return float(np.median([max(e["edit_s"], e["after_max_s"]) for e in edits]))

    def total(edits):  # all GUI-thread time in the edit and the 0.8 s after it
        return float(np.median([e["edit_s"] + e["after_sum_s"] for e in edits]))

    return {"window_open": (data["open_s"], usage.ru_maxrss / 1024.0),
            "edit_block": (block(now), 0.0), "edit_block_before": (block(before), 0.0),
            "edit_total": (total(now), 0.0), "edit_total_before": (total(before), 0.0)}


def measure(project: Path) -> dict:
    """Each step once after a warm-up open; the cold step (no index) is the baseline."""
    out = {}
    (project / index.INDEX_FILE).unlink(missing_ok=True)
    out["info_no_index"] = run_step("info", str(project), "--json")  # baseline: opens every file
    out["info"] = run_step("info", str(project), "--json")
    out["split"] = run_step("split", str(project), "--json")
    out["info_after_split"] = run_step("info", str(project), "--json")
    if WINDOW:
        out.update(run_window(project))
    return out


#: Set by --no-window: skip the window figures (no Qt, or only the commands wanted).
WINDOW = True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1k and 10k recordings only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="recording counts")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated projects here")
    ap.add_argument("--no-window", action="store_true", help="skip the window open / label edit figures")
    args = ap.parse_args()
    global WINDOW
    WINDOW = not args.no_window
    sizes = args.sizes or ([1000, 10000] if args.quick else [1000, 10000, 50000])
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_scale-"))
    results: dict[int, dict] = {}
    try:
        for n in sizes:
            folder = root / f"p{n}"
            if not (folder / schema.PROJECT_FILE).exists():
                t0 = time.perf_counter()
                generate(folder, n)
                print(f"generated {n} recordings in {time.perf_counter() - t0:.1f} s", flush=True)
            results[n] = measure(folder)
            for step, (wall, mb) in results[n].items():
                print(f"  N={n:>6} {step:18} {wall:7.2f} s  {mb:7.1f} MB", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    table = {}
    steps = list(next(iter(results.values())))
    print(f"\n{'step':18} " + " ".join(f"{f'N={n}':>18}" for n in sizes) + "   growth/10x  vs no index")
    for step in steps:
        cells = [f"{results[n][step][0]:7.2f}s {results[n][step][1]:6.0f}MB" for n in sizes]
        growth = [results[b][step][0] / results[a][step][0] for a, b in zip(sizes, sizes[1:], strict=False)
                  if b == 10 * a]
        ratio = results[sizes[-1]]["info_no_index"][0] / results[sizes[-1]][step][0]
        print(f"{step:18} " + " ".join(f"{c:>18}" for c in cells)
              + f"   {'/'.join(f'{g:.1f}x' for g in growth) or '-':>10}  {ratio:6.1f}x")
        table[step] = {str(n): {"seconds": round(results[n][step][0], 3), "peak_mb": round(results[n][step][1], 1)}
                       for n in sizes}
    if WINDOW:
        for n in sizes:
            r = results[n]
            print(f"N={n}: label edit on the GUI thread: longest block {r['edit_block'][0]:.3f} s "
                  f"(before: {r['edit_block_before'][0]:.3f} s, "
                  f"{r['edit_block_before'][0] / r['edit_block'][0]:.1f}x), edit + save "
                  f"{r['edit_total'][0]:.3f} s (before: {r['edit_total_before'][0]:.3f} s, "
                  f"{r['edit_total_before'][0] / r['edit_total'][0]:.1f}x)")
    print(json.dumps({"benchmark": "scale", "sizes": sizes, "steps": table}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
