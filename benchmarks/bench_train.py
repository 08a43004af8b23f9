"""Punch/flex: TinyStudio's int8 IMU CNN vs the GestureToEmoji tutorial's Dense model.

Both are trained in this run on the same project split of the real Arduino recordings
(resources/examples/gestures_punch_flex). TinyStudio's side is the full `train` pipeline
(windows, normalization folded into the descriptor, augmentation, early stopping, int8
conversion, TFLM verification). The reference is the tutorial's recipe: 714 min-max
scaled inputs ((a + 4) / 8, (g + 2000) / 4000), Dense 50-15-2 (relu, relu, softmax),
RMSprop, mean squared error, 600 epochs, batch size 1; its float .tflite size is what the
tutorial ships, its int8 size is given too. Last line: one JSON object.

    python benchmarks/bench_train.py [--splits N] [--data PATH]

Each split is a fresh import, so a fresh random 80/20 split of the 20 gestures (4 test
gestures); several splits show how much one atypical gesture moves a 4-gesture score.
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


def one_split(data: Path, seed: int) -> dict:
    """A fresh project (so a fresh random split), TinyStudio's pipeline, then the reference."""
    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths
    from tinystudio.ml.pipeline import TrainOptions, train_project

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "punch_flex"
        import_paths(project, [data / "punch.csv"], label="punch")
        import_paths(project, [data / "flex.csv"], label="flex")
        t0 = time.monotonic()
        report = train_project(project, TrainOptions(seed=seed, board="nano33ble_rev1"))
        pipeline_seconds = time.monotonic() - t0
        test = sorted(f"{ls.label}{ls.start // 119}"
                      for ls in Project.open(project).labeled_segments("test"))
        ref = reference_dense(project, seed)
    ours = report.summary()
    print(f"split {seed} (test: {', '.join(test)})", flush=True)
    print(f"  TinyStudio imu_cnn: int8 acc {ours['int8_accuracy']:.3f} (float "
          f"{ours['float_accuracy']:.3f}), {ours['model_bytes']:,} B int8, arena "
          f"{ours['arena_bytes']:,} B, trained {report.train_seconds:.1f} s "
          f"({report.epochs_run} epochs), whole pipeline {pipeline_seconds:.1f} s", flush=True)
    print(f"  tutorial Dense    : int8 acc {ref['int8_accuracy']:.3f} (float "
          f"{ref['float_accuracy']:.3f}), {ref['float_bytes']:,} B float / {ref['int8_bytes']:,} B "
          f"int8, trained {ref['train_seconds']:.1f} s (600 epochs, batch 1)", flush=True)
    return {"ours": ours, "report": report, "pipeline_seconds": pipeline_seconds, "ref": ref,
            "test": test}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=3,
                    help="independent random splits (each: both models trained), default 3")
    ap.add_argument("--data", type=Path, default=REPO / "resources" / "examples" / "gestures_punch_flex")
    args = ap.parse_args()
    data = args.data
    runs = [one_split(data, seed) for seed in range(args.splits)]

    def col(key, side="ours"):
        return [r[side][key] for r in runs]

    ours_acc, ref_acc = col("int8_accuracy"), col("int8_accuracy", "ref")
    result = {
        "int8_accuracy": round(float(np.mean(ours_acc)), 4),
        "int8_accuracy_per_split": ours_acc,
        "float_accuracy": round(float(np.mean(col("float_accuracy"))), 4),
        "max_float_int8_gap": round(max(abs(a - b) for a, b in
                                        zip(col("float_accuracy"), ours_acc, strict=True)), 4),
        "model_bytes": max(col("model_bytes")), "arena_bytes": max(col("arena_bytes")),
        "train_seconds": round(max(r["report"].train_seconds for r in runs), 2),
        "pipeline_seconds": round(max(r["pipeline_seconds"] for r in runs), 2),
        "tflm_max_abs_diff": max(r["report"].tflm["max_abs_diff"] for r in runs),
        "fits_nano33ble": all(r["ours"]["fits"].get("nano33ble_rev1") for r in runs),
        "ref_int8_accuracy": round(float(np.mean(ref_acc)), 4),
        "ref_int8_accuracy_per_split": ref_acc,
        "ref_float_accuracy": round(float(np.mean(col("float_accuracy", "ref"))), 4),
        "ref_float_bytes": max(col("float_bytes", "ref")),
        "ref_int8_bytes": max(col("int8_bytes", "ref")),
        "ref_train_seconds": round(max(col("train_seconds", "ref")), 2),
        "test_splits": [r["test"] for r in runs],
    }
    result["size_ratio_vs_ref_float"] = round(result["ref_float_bytes"] / result["model_bytes"], 1)
    result["size_ratio_vs_ref_int8"] = round(result["ref_int8_bytes"] / result["model_bytes"], 1)
    result["train_time_ratio_vs_ref"] = round(result["ref_train_seconds"] / result["train_seconds"], 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
