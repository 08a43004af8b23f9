"""Learning block ``anomaly``: trained on normal windows only, scored by an int8 graph.

The project's normal label is ``settings["train"]["normal"]``, else ``normal``, else the
only label of the training split. Windows of every other label are faults: test data
only, wherever the split put them (the run says how many it moved). The normal training
windows are split by segment (or time part) into a fitting part and a held-out
calibration part (``calibration_fraction``, default 0.25); the threshold is set on the
int8 scores of the calibration part for the false-alarm rate the user asks for
(``false_alarms_per_hour``, default 1; ``threshold_margin``, default 1; see
``anomaly.calibrate_threshold``). Reported:
AUC on the test split when it has faults, false alarms per hour of normal test data
always, and the share of each fault's windows detected. Models: ``autoencoder`` (the
default) or ``kmeans`` (``k`` centres, no network training; ``settings["train"]["model"]``).
The autoencoder is the default because on the generated vibration data it catches every
fault at the calibrated threshold where K-means catches 3 % of the imbalance windows, at
the same AUC, false-alarm rate and size (docs/benchmarks.md, bench_anomaly.py).
"""

from __future__ import annotations

import time

import numpy as np

from tinystudio.errors import TrainingError
from tinystudio.ml import anomaly as A
from tinystudio.ml.blocks.learning_classifier import base_report, quantize_model
from tinystudio.ml.impulse import LearnContext, Learned, LearningBlock, Windows
from tinystudio.ml.inputs import float_inputs, int8_inputs, normalization
from tinystudio.ml.trainer import TrainingStopped

MIN_NORMAL_WINDOWS = 8
BUDGET_BYTES = 20 * 1024
RANGE = 6.0  # int8 score range, in multiples of the highest normal score
SCORE_LABEL = "anomaly"
DEFAULT_MODEL = "autoencoder"


def normal_label(project, labels) -> str:
    """Which label means "running normally" (see the module doc)."""
    named = (project.settings.get("train", {}) or {}).get("normal")
    present = sorted(set(labels))
    if named:
        return str(named)
    if "normal" in present:
        return "normal"
    if len(present) == 1:
        return present[0]
    raise TrainingError(f"anomaly projects learn from normal data only, and the training split has "
                        f"{', '.join(map(repr, present))}: label the normal data 'normal' (or set "
                        "settings.train.normal in project.json)")


class AnomalyBlock(LearningBlock):
    name = "anomaly"
    description = "autoencoder error (default) or K-means distance on spectral features, normal data only"
    task = "anomaly"
    default = True

    def check(self, windows: Windows, project) -> None:
        normal = normal_label(project, windows.train.labels)
        n = sum(lab == normal for lab in windows.train.labels)
        if n < MIN_NORMAL_WINDOWS:
            raise TrainingError(f"only {n} training windows of {normal!r}; anomaly detection needs "
                                f"at least {MIN_NORMAL_WINDOWS}: record more normal operation")
        if normal not in windows.test.labels:
            raise TrainingError(f"the test split has no {normal!r} windows, so false alarms cannot "
                                "be measured; run `tinystudio split` with a test fraction")
        if windows.spec.frontend != "raw":
            raise TrainingError("anomaly detection works on sensor windows (IMU/generic) only so "
                                f"far, not {windows.spec.sensor_kind} data")

    def learn(self, ctx: LearnContext) -> Learned:
        d = _data(ctx)
        settings, seed, cb = ctx.settings, ctx.options.seed, ctx.callbacks
        spec, desc = ctx.windows.spec, ctx.desc
        desc.norm_offset, desc.norm_scale = normalization(d["fit"], spec.raw_scale)
        x_fit = float_inputs(desc, d["fit"])
        frame = A.frame_for(spec.window, settings.get("frame"))
        kind = str(ctx.options.model or settings.get("model") or DEFAULT_MODEL)
        if kind not in A.MODELS:
            raise TrainingError(f"unknown anomaly model {kind!r}; choose one of {', '.join(A.MODELS)}")
        t0 = time.monotonic()
        from tinystudio.ml.trainer import configure_tensorflow

        configure_tensorflow(seed)
        cb.status(f"fitting {kind} on {len(x_fit)} normal windows")
        model, params = _fit(kind, x_fit, spec, frame, settings, ctx.options, cb.stop, seed)
        train_seconds = time.monotonic() - t0
        _check_stop(cb.stop)
        tflite = quantize_model(ctx, model, _representative(model, x_fit, seed))
        return _score(ctx, d, model, tflite, kind, {"model": kind, "frame": frame, **params},
                      train_seconds)


def _check_stop(stop) -> None:
    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")


def _data(ctx: LearnContext) -> dict:
    """Normal fitting / calibration windows and the test windows (faults moved to test)."""
    f, tr = ctx.features, ctx.windows.train
    normal = normal_label(ctx.project, f.train_labels)
    idx = [i for i, lab in enumerate(f.train_labels[: f.n_original]) if lab == normal]
    moved = [i for i, lab in enumerate(f.train_labels[: f.n_original]) if lab != normal]
    if moved:
        ctx.warnings.append(f"{len(moved)} fault window(s) in the training split are used as test "
                            "data only (anomaly models learn from normal data)")
    groups = np.array([tr.groups[i] if tr.groups else str(i) for i in idx])
    rng = np.random.default_rng(ctx.options.seed)
    uniq = list(dict.fromkeys(groups))
    frac = float(ctx.settings.get("calibration_fraction", 0.25))
    if len(uniq) >= 2:
        n_cal = max(1, int(round(frac * len(uniq))))
        cal_groups = set(rng.permutation(uniq)[:n_cal])
        cal = [i for i, g in zip(idx, groups, strict=True) if g in cal_groups]
    else:  # one segment: its last part (in time) calibrates
        cal = idx[int(len(idx) * (1 - frac)):]
    fit = [i for i in idx if i not in set(cal)]
    x = f.train[: f.n_original]
    test_x = np.concatenate([f.test, x[moved]]) if moved else f.test
    test_labels = list(f.test_labels) + [f.train_labels[i] for i in moved]
    return {"normal": normal, "fit": x[fit], "cal": x[cal], "test": test_x,
            "test_labels": test_labels, "moved": len(moved)}


def _fit(kind, x_fit, spec, frame, settings, options, stop, seed):
    """Build the scoring graph: standardization and centres (or coder) from normal data."""
    window, channels = spec.window, len(spec.channels)
    feats = np.asarray(A.feature_model(window, channels, frame).predict(x_fit, verbose=0))
    mean = feats.mean(axis=0)
    std = feats.std(axis=0)
    std = np.maximum(std, 1e-3 * float(std.mean()) + 1e-6)
    z = (feats - mean) / std
    if kind == "kmeans":
        k = int(settings.get("k", A.DEFAULT_K))
        centres = A.fit_kmeans(z, k, seed)
        return A.kmeans_model(window, channels, frame, mean, std, centres), {"k": len(centres)}
    coder = A.build_coder(z.shape[1], seed, int(settings.get("hidden", 8)))
    coder.compile(optimizer="adam", loss="mse")
    epochs = int(options.epochs or settings.get("epochs", 150))
    coder.fit(z, z, epochs=epochs, batch_size=32, verbose=0, shuffle=True,
              callbacks=[_StopCallback(stop)])
    _check_stop(stop)
    return A.autoencoder_model(window, channels, frame, mean, std, coder), {"epochs": epochs}


def _StopCallback(stop):
    import keras

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if stop is not None and stop.is_set():
                self.model.stop_training = True

    return Stop()


def _representative(model, x_fit, seed: int) -> np.ndarray:
    """Normal windows plus noisier copies whose float score reaches about ``RANGE`` times
    the highest normal score: the int8 output then spans normal scores and mild faults
    with fine steps (a real fault saturates above the threshold, which is what matters)."""
    rng = np.random.default_rng(seed)
    base = x_fit[rng.permutation(len(x_fit))[:150]].astype(np.float32)
    top = float(np.max(model.predict(base, verbose=0)))
    extra = []
    for sigma in (0.05, 0.1, 0.2, 0.4, 0.8):
        noisy = base[:20] + rng.normal(0, sigma, base[:20].shape).astype(np.float32)
        s = np.asarray(model.predict(noisy, verbose=0)).reshape(-1)
        extra.append(noisy[s <= RANGE * max(top, 1e-6)])
    return np.concatenate([base, *extra]).astype(np.float32)


def _score(ctx, d, model, tflite, kind, params, train_seconds) -> Learned:
    from tinystudio.ml.evaluate import run_tflite
    from tinystudio.ml.tflm import verify_tflm

    cb, desc, spec = ctx.callbacks, ctx.desc, ctx.windows.spec
    cb.status("calibrating the threshold on held-out normal windows")
    per_hour = float(ctx.settings.get("false_alarms_per_hour", 1.0))
    per_window = per_hour * (spec.stride / spec.rate_hz) / 3600.0
    cal_q = run_tflite(tflite, int8_inputs(desc, d["cal"])).reshape(-1)
    margin = float(ctx.settings.get("threshold_margin", 1.0))
    thr_q = int(A.calibrate_threshold(cal_q, per_window, margin))
    if thr_q >= 127:
        ctx.warnings.append("the calibrated threshold is at the top of the int8 score range: "
                            "faults cannot score above it; record more varied normal data")
    q_test = int8_inputs(desc, d["test"])
    lite_out = run_tflite(tflite, q_test)
    scores = lite_out.reshape(-1).astype(int)
    float_scores = np.asarray(model.predict(float_inputs(desc, d["test"]), verbose=0)).reshape(-1)
    cb.status("verifying in TFLM")
    tflm = verify_tflm(tflite, q_test, lite_out)
    desc.ops, desc.arena_bytes = tflm.ops, tflm.arena_bytes
    desc.labels = [SCORE_LABEL]
    desc.score_threshold = float((thr_q - desc.output_zero_point) * desc.output_scale)
    int8_m = anomaly_metrics(scores, d["test_labels"], d["normal"], thr_q, spec)
    float_thr = A.calibrate_threshold(model.predict(float_inputs(desc, d["cal"]), verbose=0),
                                      per_window, margin, top=np.inf)
    float_m = anomaly_metrics(float_scores, d["test_labels"], d["normal"], float_thr, spec)
    report = base_report(ctx, tflite, tflm, f"anomaly_{kind}", BUDGET_BYTES, train_seconds)
    report.classes = [SCORE_LABEL]
    report.int8_metrics, report.float_metrics = int8_m, float_m
    report.evaluation = {"scheme": "normal windows held out for calibration",
                         "calibration_windows": int(len(d["cal"])), "fit_windows": int(len(d["fit"])),
                         "threshold_q": thr_q, "threshold": desc.score_threshold,
                         "false_alarms_per_hour_target": per_hour, "moved_fault_windows": d["moved"]}
    params.update({"normal": d["normal"], "threshold_q": thr_q,
                   "false_alarms_per_hour": per_hour})
    return Learned(tflite, report, params)



def anomaly_metrics(scores, labels, normal: str, threshold, spec) -> dict:
    """AUC (when faults exist), false alarms per hour of normal data, detection per fault."""
    scores = np.asarray(scores, dtype=float)
    is_normal = np.array([lab == normal for lab in labels])
    hours = float(is_normal.sum()) * spec.stride / spec.rate_hz / 3600.0
    alarms = int((scores[is_normal] > threshold).sum())
    detected = {lab: round(float(np.mean(scores[np.array(labels) == lab] > threshold)), 4)
                for lab in sorted(set(labels) - {normal})}
    auc = A.auc(scores[is_normal], scores[~is_normal])
    return {"auc": None if auc is None else round(auc, 4), "false_alarms": alarms,
            "normal_hours": round(hours, 4),
            "false_alarms_per_hour": round(alarms / hours, 4) if hours else None,
            "detected": detected, "threshold": float(threshold), "n": int(len(scores)),
            "normal_windows": int(is_normal.sum())}


BLOCK = AnomalyBlock()
