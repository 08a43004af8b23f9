"""CSV import: the numpy fast path against the tokenizing path, in the same run.

Why: importing a 12 MB CSV of 3 M rows took 26 s and 2.5 GB (every cell a Python token,
issue 25). Each import runs as its own ``tinystudio import`` process into a fresh
project; wall time and the child's peak memory (ru_maxrss from wait4) are reported.
The baseline is the same import with the fast path switched off in that child
(``text_fast.read_plain`` returning None: what every import did before). Files: the
3 M-row two-column file of the report (``a,b`` / ``1,2``) and a 6-axis IMU log with
four decimals, 1 M rows (~42 MB). Last line: one JSON object.

    python benchmarks/bench_csv.py            # both files
    python benchmarks/bench_csv.py --quick    # 300 k rows each
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

#: Runs the CLI with the fast path off (the baseline) or on.
CHILD = ("import sys\n"
         "if sys.argv[1] == 'slow':\n"
         "    from tinystudio.devices import text_fast\n"
         "    text_fast.read_plain = lambda text, source: None\n"
         "from tinystudio.cli import main\n"
         "sys.exit(main(sys.argv[2:]))\n")


def write_files(folder: Path, rows_tall: int, rows_imu: int) -> dict[str, Path]:
    import numpy as np

    tall = folder / "tall.csv"
    tall.write_text("a,b\n" + "1,2\n" * rows_tall)
    imu = folder / "imu.csv"
    rng = np.random.default_rng(0)
    with open(imu, "w") as fh:
        fh.write("ax,ay,az,gx,gy,gz\n")
        for start in range(0, rows_imu, 100_000):
            block = rng.normal(size=(min(100_000, rows_imu - start), 6)) * [0.3, 0.3, 0.3, 40, 40, 40]
            np.savetxt(fh, block, fmt="%.4f", delimiter=",")
    return {"tall": tall, "imu": imu}


def run_import(mode: str, csv: Path, work: Path) -> tuple[float, float]:
    project = work / f"p-{mode}-{csv.stem}"
    shutil.rmtree(project, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    args = [sys.executable, "-c", CHILD, mode, "import", str(project), "--label", "x", "--rate", "50", str(csv)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import ({mode}) of {csv} failed:\n{err}")
    shutil.rmtree(project, ignore_errors=True)
    return wall, usage.ru_maxrss / 1024.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="300 k rows per file")
    args = ap.parse_args()
    rows_tall, rows_imu = (300_000, 300_000) if args.quick else (3_000_000, 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="bench_csv-"))
    out = {}
    try:
        files = write_files(work, rows_tall, rows_imu)
        for name, path in files.items():
            mb = path.stat().st_size / 1e6
            fast = run_import("fast", path, work)
            slow = run_import("slow", path, work)
            out[name] = {"rows": rows_tall if name == "tall" else rows_imu, "file_mb": round(mb, 1),
                         "fast": {"seconds": round(fast[0], 2), "peak_mb": round(fast[1], 1)},
                         "tokenizing": {"seconds": round(slow[0], 2), "peak_mb": round(slow[1], 1)},
                         "speedup": round(slow[0] / fast[0], 1), "memory_ratio": round(slow[1] / fast[1], 1)}
            print(f"{name:5} {mb:6.1f} MB: fast {fast[0]:6.2f} s {fast[1]:7.1f} MB | tokenizing "
                  f"{slow[0]:6.2f} s {slow[1]:7.1f} MB | {slow[0] / fast[0]:.1f}x faster, "
                  f"{slow[1] / fast[1]:.1f}x less memory", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"benchmark": "csv_import", "files": out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
