"""Instructions per inference on the emulated Cortex-M4 with a real TFLM, and the per-board
ESTIMATES made from them.

The gesture example (`tinystudio example gestures`) is trained for nano33ble_rev2, then
its model runs on the emulated board (QEMU mps2-an386, -icount shift=0: 1 ns of virtual
time per instruction) linked with TFLM's reference kernels and, in the same run, with
CMSIS-NN (the baseline is the reference kernels: the ratio is reference / CMSIS-NN).
Times per board are instruction count x a documented cycles-per-instruction range / clock
(tinystudio/ml/estimate.py): an estimate, not a measurement on the board.

    python benchmarks/bench_mcu_estimate.py --tflm /work/tflm [--model imu_cnn]

Needs a tflite-micro checkout with its downloads (docs/emulated-board.md). Last line: one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflm", required=True, metavar="DIR", help="tflite-micro checkout")
    ap.add_argument("--model", default=None, help="pin a model builder (default: the search's choice)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from tinystudio.ml.estimate import measure_package

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "gestures"
        cli = [sys.executable, "-m", "tinystudio"]
        subprocess.run([*cli, "example", "gestures", str(project)], check=True, capture_output=True)
        train = [*cli, "train", str(project), "--board", "nano33ble_rev2", "--json", "--quiet"]
        if args.model:
            train += ["--model", args.model]
        trained = json.loads(subprocess.run(train, check=True, capture_output=True, text=True).stdout)
        est = measure_package(Path(trained["model_path"]).parent, args.tflm, runs=args.runs)
    counts = est["instructions_per_invoke"]
    print(f"model {trained['model']} ({trained['model_bytes']} B int8, arena {est['arena_used_bytes']})")
    print(f"instructions per invoke: reference {counts['reference']:,}, CMSIS-NN {counts['cmsis_nn']:,} "
          f"(resolution {est['resolution_instructions']}); reference / CMSIS-NN = {est['reference_over_cmsis_nn']}")
    print(f"{'board':<20} {'core':<11} {'MHz':>5} {'kernels':<10} {'ms (estimate)':>16}")
    for b in est["boards"]:
        print(f"{b['board']:<20} {b['core']:<11} {b['cpu_hz'] / 1e6:5.0f} {b['kernels']:<10} "
              f"{b['ms_low']:7.3f}-{b['ms_high']:.3f}")
    print(est["label"])
    print(json.dumps({"model": trained["model"], **est}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
