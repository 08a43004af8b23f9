"""Training: the default model search on punch/flex and on Edge Impulse's phone-motion export.

For each data set the script runs TinyStudio's whole `train` pipeline with default
settings (windows, split handling, model search over the candidates, int8 conversion,
TFLM verification) and reports the chosen model, every candidate (validation accuracy
with its spread over folds, int8 size, TFLM arena, host-TFLM latency) and the
nearest-neighbour baseline measured in the same run, with spreads over splits:

* punch/flex (resources/examples/gestures_punch_flex, 10 gestures per class): 5 splits
  = 5 stratified folds by gesture, so every gesture is in test exactly once (a fresh
  import per split). ``--reference`` also trains the GestureToEmoji tutorial's Dense
  50-15-2 (600 epochs, batch 1; minutes per split) on the same splits.
* ei_phone_motion (resources/examples/ei_phone_motion): imported file by file, Edge
  Impulse's own training/testing split, trained with ``--seeds`` seeds; the 'testing'
  label (no training data) is reported apart. The first seed also runs as
  ``tinystudio train`` in a child process to time what a user waits for.

    python benchmarks/bench_train.py [--splits 5] [--seeds 3] [--reference] [--only pf|ei]

``--table`` instead prints the real-data table (docs/benchmarks.md): every data set in
resources/examples imported and trained with the defaults (one seed), with int8 and
float test accuracy, the best classical baseline (chosen by validation) on the same test
windows, model bytes, TFLM arena and training time, one JSON line per set:

    python benchmarks/bench_train.py --table [--sets gestures_punch_flex,ei_phone_motion]

(``--sets`` selects rows; ``keywords`` is the project `tinystudio example keywords` builds
from micro_speech's clips, ``stm32_har`` the STMicroelectronics activity set.)

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def reference_dense(project_path: Path, seed: int) -> dict:
    """Train the tutorial's model on the same split; float and int8 sizes, accuracies."""
    import keras

    from tinystudio.dataset import Project
    from tinystudio.ml import data as D
    from tinystudio.ml.evaluate import keras_predict, metrics, run_tflite
    from tinystudio.ml.models import build_reference_dense
    from tinystudio.ml.package import quantize_float
    from tinystudio.ml.quantize import convert_float, convert_int8, io_quantization
    from tinystudio.ml.trainer import configure_tensorflow

    project = Project.open(project_path)
    spec = D.data_spec(project, project.settings.get("train", {}))
    train, test = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    classes = [c for c in project.classes if c in set(train.labels)]
    y_tr = np.array([classes.index(c) for c in train.labels])
    y_te = np.array([classes.index(c) for c in test.labels])
    lo = np.array([-4, -4, -4, -2000, -2000, -2000], dtype=np.float32)
    span = np.array([8, 8, 8, 4000, 4000, 4000], dtype=np.float32)
    x_tr, x_te = (train.x - lo) / span, (test.x - lo) / span
    configure_tensorflow(seed)
    model = build_reference_dense(x_tr.shape[1:], len(classes), seed)
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"], jit_compile=False)
    t0 = time.monotonic()
    model.fit(x_tr, keras.utils.to_categorical(y_tr, len(classes)), epochs=600, batch_size=1,
              verbose=0, shuffle=True)
    seconds = time.monotonic() - t0
    float_acc = metrics(y_te, keras_predict(model, x_te).argmax(1), len(classes)).accuracy
    float_bytes = len(convert_float(model))
    int8 = convert_int8(model, x_tr)
    (s, z), _, _ = io_quantization(int8)
    int8_acc = metrics(y_te, run_tflite(int8, quantize_float(x_te, s, z)).argmax(1),
                       len(classes)).accuracy
    return {"float_accuracy": float_acc, "int8_accuracy": int8_acc, "float_bytes": float_bytes,
            "int8_bytes": len(int8), "train_seconds": seconds, "params": model.count_params(),
            "n_train": len(y_tr), "n_test": len(y_te)}


def _fold_split(project_path: Path, fold: int, splits: int) -> list[str]:
    """Gesture ``i`` of each class (in recording order) is in test in fold ``i % splits``."""
    from tinystudio.dataset import Project

    project = Project.open(project_path)
    assignments, test = {}, []
    for rec in project.recordings():
        for i, seg in enumerate(sorted(rec.segments, key=lambda s: s.start)):
            side = "test" if i % splits == fold else "train"
            assignments[seg.id] = side
            if side == "test":
                test.append(f"{seg.label}{i}")
    project.set_split({"by": "segment", "seed": fold, "test_fraction": 1 / splits}, assignments)
    project.save()
    return sorted(test)


def _candidates_line(report) -> str:
    return "; ".join(
        f"{'*' if c['chosen'] else ''}{c['name']} val {c['val_accuracy']:.3f}+-{c['val_std']:.3f} "
        f"{c['model_bytes']:,} B arena {c['arena_bytes']:,} B {c['latency_ms']:.3f} ms"
        if c["val_accuracy"] is not None else f"{c['name']} (no validation)"
        for c in report.candidates)


def punch_flex_split(data: Path, fold: int, splits: int, reference: bool) -> dict:
    from tinystudio.dataset.importers import import_paths
    from tinystudio.ml.pipeline import TrainOptions, train_project

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "punch_flex"
        import_paths(project, [data / "punch.csv"], label="punch")
        import_paths(project, [data / "flex.csv"], label="flex")
        test = _fold_split(project, fold, splits)
        t0 = time.monotonic()
        report = train_project(project, TrainOptions(seed=fold, board="nano33ble_rev1"))
        pipeline_seconds = time.monotonic() - t0
        ref = reference_dense(project, fold) if reference else None
    s = report.summary()
    print(f"punch/flex split {fold} (test: {', '.join(test)}): {s['model']} int8 "
          f"{s['int8_accuracy']:.3f} (float {s['float_accuracy']:.3f}), {s['model_bytes']:,} B, "
          f"baseline {s['baseline']['test_accuracy']:.3f}, train {report.train_seconds:.1f} s, "
          f"pipeline {pipeline_seconds:.1f} s", flush=True)
    print(f"  candidates ({s['evaluation']['scheme']}): {_candidates_line(report)}", flush=True)
    if ref:
        print(f"  tutorial Dense: int8 {ref['int8_accuracy']:.3f}, {ref['float_bytes']:,} B float, "
              f"{ref['train_seconds']:.1f} s", flush=True)
    return {"summary": s, "report": report, "pipeline_seconds": pipeline_seconds, "ref": ref,
            "test": test}


def ei_project(data: Path, dest: Path) -> Path:
    """Per-file import with Edge Impulse's split (as tests/ml/conftest.py does)."""
    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths

    assignments = {}
    for category, side in (("training", "train"), ("testing", "test")):
        for rid in import_paths(dest, sorted((data / category).glob("*.json"))).ids:
            assignments[rid] = side
    project = Project.open(dest)
    from tinystudio.dataset.importers import keep_imported_split

    keep_imported_split(project, assignments)
    project.save()
    return dest


def ei_run(data: Path, seed: int, cli: bool) -> dict:
    import subprocess

    from tinystudio.ml.pipeline import TrainOptions, load_current_report, train_project

    with tempfile.TemporaryDirectory() as tmp:
        project = ei_project(data, Path(tmp) / "ei")
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        if cli:
            subprocess.run([sys.executable, "-m", "tinystudio", "train", str(project), "--quiet",
                            "--seed", str(seed), "--json"], check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
            wall = time.monotonic() - t0
            rep = load_current_report(project)
            s = {"model": rep["model_name"], "int8_accuracy": rep["int8_metrics"]["accuracy"],
                 "float_accuracy": rep["float_metrics"]["accuracy"], "model_bytes": rep["model_bytes"],
                 "arena_bytes": rep["arena_bytes"], "candidates": rep["candidates"],
                 "baseline": rep["baseline"], "unknown_classes": rep["unknown_test"],
                 "evaluation": rep["evaluation"], "test_windows": rep["int8_metrics"]["n"],
                 "window_ms": rep["window_ms"], "stride_ms": rep["stride_ms"]}
            train_seconds = rep["train_seconds"]
        else:
            report = train_project(project, TrainOptions(seed=seed))
            wall = time.monotonic() - t0
            s, train_seconds = report.summary(), report.train_seconds
        load1 = os.getloadavg()[0]
    print(f"ei_phone_motion seed {seed}: {s['model']} int8 {s['int8_accuracy']:.3f} on "
          f"{s['test_windows']} test windows, {s['model_bytes']:,} B, arena {s['arena_bytes']:,} B, "
          f"baseline {s['baseline']['test_accuracy']:.3f}; training {train_seconds:.1f} s, "
          f"{'`tinystudio train` wall' if cli else 'train_project'} {wall:.1f} s "
          f"(load {load0:.1f} -> {load1:.1f})", flush=True)
    print("  candidates: " + "; ".join(
        f"{'*' if c['chosen'] else ''}{c['name']} val {c['val_accuracy']} {c['model_bytes']:,} B "
        f"arena {c['arena_bytes']:,} B {c['latency_ms']} ms" for c in s["candidates"]), flush=True)
    print(f"  'testing' windows (not scored): {s['unknown_classes']}", flush=True)
    return {"summary": s, "train_seconds": train_seconds, "wall_seconds": wall,
            "load": [round(load0, 1), round(load1, 1)]}


def _spread(values) -> dict:
    v = [float(x) for x in values]
    return {"mean": round(float(np.mean(v)), 4), "std": round(float(np.std(v)), 4),
            "min": round(min(v), 4), "values": [round(x, 4) for x in v]}


def _candidate_table(summaries: list[dict]) -> dict:
    out: dict[str, dict] = {}
    for s in summaries:
        for c in s["candidates"]:
            d = out.setdefault(c["name"], {"val": [], "bytes": [], "arena": [], "latency_ms": [],
                                           "chosen": 0})
            if c["val_accuracy"] is not None:
                d["val"].append(c["val_accuracy"])
            d["bytes"].append(c["model_bytes"])
            d["arena"].append(c["arena_bytes"])
            d["latency_ms"].append(c["latency_ms"])
            d["chosen"] += int(c["chosen"])
    return {k: {"val_accuracy": _spread(v["val"]) if v["val"] else None,
                "model_bytes": max(v["bytes"]), "arena_bytes": max(v["arena"]),
                "latency_ms": round(float(np.median(v["latency_ms"])), 4), "chosen": v["chosen"]}
            for k, v in out.items()}


TABLE_SETS = ("gestures_punch_flex", "ei_phone_motion", "digits", "person_detection", "micro_speech",
              "stm32_har", "keywords")


def _import_set(name: str, data: Path, dest: Path) -> None:
    from tinystudio.dataset.importers import import_paths

    if name == "gestures_punch_flex":  # IMU_Capture files: one class per file
        for label in ("punch", "flex"):
            import_paths(dest, [data / f"{label}.csv"], label=label)
    elif name == "keywords":  # `tinystudio example keywords`: built from micro_speech's clips
        from tinystudio.examples import create_example

        create_example("keywords", dest)
    else:
        import_paths(dest, [data])


def table_row(name: str, data: Path, seed: int = 0) -> dict:
    """One set imported and trained with the defaults: the table's figures."""
    from tinystudio.errors import TinyStudioError
    from tinystudio.ml.pipeline import TrainOptions, train_project

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / name
        t0 = time.monotonic()
        try:
            _import_set(name, data, project)
            load0 = os.getloadavg()[0]
            rep = train_project(project, TrainOptions(seed=seed))
        except TinyStudioError as exc:
            return {"set": name, "trained": False, "reason": str(exc)}
        s = rep.summary()
        b = s["baseline"] or {}
        ev = s["evaluation"]
        return {"set": name, "trained": True, "chosen": s["model"], "int8": s["int8_accuracy"],
                "float": s["float_accuracy"], "int8_float_gap": ev.get("int8_float_gap"),
                "baseline": b.get("method"), "baseline_test": b.get("test_accuracy"),
                "baseline_val": b.get("val_accuracy"), "baseline_wins": ev.get("baseline_wins"),
                "offer": ev.get("offer"), "model_bytes": s["model_bytes"],
                "arena_bytes": s["arena_bytes"], "train_seconds": s["train_seconds"],
                "wall_seconds": round(time.monotonic() - t0, 1), "test_windows": s["test_windows"],
                "split": s["split"].get("by"),
                "candidates": {c["name"]: c["val_accuracy"] for c in s["candidates"]},
                "warnings": s["warnings"], "load": [round(load0, 1), round(os.getloadavg()[0], 1)]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", action="store_true", help="the real-data table (see the docstring)")
    ap.add_argument("--sets", default=",".join(TABLE_SETS), help="--table: comma-separated sets")
    ap.add_argument("--splits", type=int, default=5, help="punch/flex folds (default 5)")
    ap.add_argument("--seeds", type=int, default=3, help="ei_phone_motion training seeds (default 3)")
    ap.add_argument("--reference", action="store_true", help="also train the tutorial's Dense model")
    ap.add_argument("--only", choices=["pf", "ei"], default=None)
    ap.add_argument("--data", type=Path, default=REPO / "resources" / "examples")
    args = ap.parse_args()
    if args.table:
        rows = []
        for name in [n.strip() for n in args.sets.split(",") if n.strip()]:
            rows.append(table_row(name, args.data / name))
            print(json.dumps(rows[-1]), flush=True)
        print(json.dumps({"table": rows}))
        return 0
    result: dict = {}
    if args.only in (None, "pf"):
        runs = [punch_flex_split(args.data / "gestures_punch_flex", f, args.splits, args.reference)
                for f in range(args.splits)]
        sums = [r["summary"] for r in runs]
        correct = sum(round(s["int8_accuracy"] * s["test_windows"]) for s in sums)
        total = sum(s["test_windows"] for s in sums)
        pf = {
            "int8_accuracy": _spread([s["int8_accuracy"] for s in sums]),
            "int8_pooled": round(correct / total, 4), "test_windows": total,
            "float_accuracy": _spread([s["float_accuracy"] for s in sums]),
            "chosen": [s["model"] for s in sums],
            "model_bytes": max(s["model_bytes"] for s in sums),
            "baseline_test": _spread([s["baseline"]["test_accuracy"] for s in sums]),
            "candidates": _candidate_table(sums),
            "train_seconds_max": round(max(r["report"].train_seconds for r in runs), 2),
            "pipeline_seconds_max": round(max(r["pipeline_seconds"] for r in runs), 2),
            "tflm_max_abs_diff": max(r["report"].tflm["max_abs_diff"] for r in runs),
            "test_splits": [r["test"] for r in runs],
        }
        pf["accuracy_vs_baseline"] = round(pf["int8_pooled"] / max(pf["baseline_test"]["mean"], 1e-9), 3)
        if args.reference:
            pf["ref_int8_accuracy"] = _spread([r["ref"]["int8_accuracy"] for r in runs])
            pf["ref_float_bytes"] = max(r["ref"]["float_bytes"] for r in runs)
        result["punch_flex"] = pf
    if args.only in (None, "ei"):
        runs = [ei_run(args.data / "ei_phone_motion", seed, cli=(seed == 0)) for seed in range(args.seeds)]
        sums = [r["summary"] for r in runs]
        result["ei_phone_motion"] = {
            "int8_accuracy": _spread([s["int8_accuracy"] for s in sums]),
            "float_accuracy": _spread([s["float_accuracy"] for s in sums]),
            "test_windows": sums[0]["test_windows"], "chosen": [s["model"] for s in sums],
            "model_bytes": max(s["model_bytes"] for s in sums),
            "arena_bytes": max(s["arena_bytes"] for s in sums),
            "baseline_test": _spread([s["baseline"]["test_accuracy"] for s in sums]),
            "candidates": _candidate_table(sums),
            "unknown_classes": [s["unknown_classes"] for s in sums],
            "train_seconds": [round(r["train_seconds"], 1) for r in runs],
            "cli_wall_seconds": round(runs[0]["wall_seconds"], 1),
            "load": [r["load"] for r in runs],
            "window_ms": sums[0]["window_ms"], "stride_ms": sums[0]["stride_ms"],
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
