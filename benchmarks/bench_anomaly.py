"""Anomaly detection on generated machine vibration: the int8 models against baselines.

For each seed the script generates the vibration project of the acceptance test
(``tinystudio.dataset.synthetic.vibration_project``: 15 minutes of normal takes to train
on, an hour of normal running and two takes per fault to test with, 2 s windows), trains
TinyStudio's anomaly block with each model (``kmeans``, ``autoencoder``) through the
whole pipeline (int8, TFLM verification), and scores two baselines measured in the same
run on the same spectral features (float, host only, no size limit):

* per-feature z-score: the largest |z| of a window's standardized features;
* isolation forest (scikit-learn, 100 trees) on the standardized features.

Every method's threshold comes from the same rule on the same held-out normal windows
(``anomaly.calibrate_threshold``, 1 false alarm per hour asked for). Reported per method:
AUC over the faults, false alarms per hour of normal test data, the share of each
fault's windows detected, and for the int8 models bytes and TFLM arena; ratios are
TinyStudio's AUC over the best baseline's.

    python benchmarks/bench_anomaly.py [--seeds 2]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def _baselines(folder: Path, pkg) -> dict:
    """z-score and isolation forest on the package's spectral features of the same windows."""
    from sklearn.ensemble import IsolationForest

    from tinystudio.dataset import Project
    from tinystudio.ml import anomaly as A
    from tinystudio.ml.blocks.learning_anomaly import anomaly_metrics
    from tinystudio.ml.data import data_spec, extract
    from tinystudio.ml.inputs import float_inputs

    d = pkg.descriptor
    project = Project.open(folder)
    spec = data_spec(project, {"window": d.window, "stride": d.stride})
    frame = d.impulse["learning"]["frame"]
    fm = A.feature_model(d.window, len(d.channels), frame)
    train, test = extract(project, spec, "train"), extract(project, spec, "test")
    f_train = np.asarray(fm.predict(float_inputs(d, train.x), verbose=0))
    f_test = np.asarray(fm.predict(float_inputs(d, test.x), verbose=0))
    n_cal = len(f_train) // 4
    rng = np.random.default_rng(0)
    order = rng.permutation(len(f_train))
    fit, cal = f_train[order[n_cal:]], f_train[order[:n_cal]]
    mu, sd = fit.mean(0), np.maximum(fit.std(0), 1e-6)
    per_window = 1.0 * (spec.stride / spec.rate_hz) / 3600.0
    forest = IsolationForest(n_estimators=100, random_state=0).fit((fit - mu) / sd)
    scorers = {"zscore_max": lambda f: np.max(np.abs((f - mu) / sd), axis=1),
               "isolation_forest": lambda f: -forest.score_samples((f - mu) / sd)}
    out = {}
    for name, score in scorers.items():
        thr = A.calibrate_threshold(score(cal), per_window, 1.0, top=np.inf)
        out[name] = anomaly_metrics(score(f_test), test.labels, "normal", thr, spec)
    return out


def run_seed(seed: int, tmp: Path) -> dict:
    from tinystudio.dataset.synthetic import vibration_project
    from tinystudio.ml.pipeline import TrainOptions, load_current_package, train_project

    row: dict = {"seed": seed}
    for model in ("kmeans", "autoencoder"):
        folder = tmp / f"{model}{seed}"
        shutil.rmtree(folder, ignore_errors=True)
        vibration_project(folder, seed=seed)
        t0 = time.monotonic()
        report = train_project(folder, TrainOptions(seed=seed, model=model))
        row[model] = {**report.int8_metrics, "model_bytes": report.model_bytes,
                      "arena_bytes": report.arena_bytes,
                      "tflm_max_abs_diff": report.tflm["max_abs_diff"],
                      "pipeline_seconds": round(time.monotonic() - t0, 1)}
        if model == "kmeans":
            row.update(_baselines(folder, load_current_package(folder)))
    best_base = max(row["zscore_max"]["auc"], row["isolation_forest"]["auc"])
    row["auc_ratio_vs_best_baseline"] = {m: round(row[m]["auc"] / best_base, 4)
                                         for m in ("kmeans", "autoencoder")}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            rows.append(run_seed(seed, Path(tmp)))
            r = rows[-1]
            print(f"seed {seed}: " + "; ".join(
                f"{m} AUC {r[m]['auc']} FA/h {r[m]['false_alarms_per_hour']}"
                + (f" {r[m]['model_bytes']} B arena {r[m]['arena_bytes']} B" if "model_bytes" in r[m] else "")
                for m in ("kmeans", "autoencoder", "zscore_max", "isolation_forest")), flush=True)
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
