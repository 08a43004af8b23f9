"""Learning block ``regressor``: a number per window -> a dense network with a linear output.

Targets come from ``settings["train"]["target"]``, a channel of the recordings (its value
at each window's last sample: per-sample targets, as TFLM's Hello World), which is then
not a model input; or, without it, from the segment labels read as numbers (a target per
segment). The target is standardized for training and the scale folded back into the
last layer, so the int8 output's scale and zero point (in the descriptor) give the value
directly. Reported: MAE, RMSE and R^2 of the float and the int8 model on the test split.
"""

from __future__ import annotations

import time

import numpy as np

from tinystudio.errors import TrainingError
from tinystudio.ml.blocks.learning_classifier import base_report, quantize_model
from tinystudio.ml.impulse import LearnContext, Learned, LearningBlock, Windows
from tinystudio.ml.inputs import float_inputs, int8_inputs, normalization
from tinystudio.ml.package import dequantize
from tinystudio.ml.trainer import TrainingStopped

MIN_WINDOWS = 10
BUDGET_BYTES = 4 * 1024


def _number(label: str) -> float | None:
    try:
        v = float(label)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


class RegressorBlock(LearningBlock):
    name = "regressor"
    description = "dense network with a linear output (MAE, RMSE, R^2)"
    task = "regression"
    default = True
    usable_test = staticmethod(lambda test, train: len(test) > 0)

    def check(self, windows: Windows, project) -> None:
        if windows.spec.frontend != "raw":
            raise TrainingError("regression works on sensor windows (IMU/generic) only so far")
        target = (project.settings.get("train", {}) or {}).get("target")
        if target:
            if target not in windows.spec.channels:
                raise TrainingError(f"target channel {target!r} is not among the recordings' channels "
                                    f"{', '.join(windows.spec.channels)}; set settings.train.target")
            if len(windows.spec.channels) < 2:
                raise TrainingError(f"{target!r} is the only channel: nothing is left to predict it from")
        else:
            bad = sorted({lab for lab in windows.train.labels if _number(lab) is None})
            if bad:
                raise TrainingError(f"regression needs a number as each segment's label (or a target "
                                    f"channel, settings.train.target); {', '.join(map(repr, bad[:5]))} "
                                    "are not numbers")
        if len(windows.train.labels) < MIN_WINDOWS:
            raise TrainingError(f"only {len(windows.train.labels)} training windows; regression needs "
                                f"at least {MIN_WINDOWS}")
        if not windows.test.labels:
            raise TrainingError("the test split is empty; run a split with a non-zero test fraction")

    def learn(self, ctx: LearnContext) -> Learned:
        from tinystudio.ml.evaluate import run_tflite
        from tinystudio.ml.trainer import configure_tensorflow

        t = _targets(ctx)
        desc, cb, seed = ctx.desc, ctx.callbacks, ctx.options.seed
        x_train = float_inputs(desc, t["x_train"])
        configure_tensorflow(seed)
        t0 = time.monotonic()
        cb.status(f"training a regressor on {len(x_train)} windows")
        model, epochs = _fit(ctx, x_train, t["y_train"])
        train_seconds = time.monotonic() - t0
        if cb.stop is not None and cb.stop.is_set():
            raise TrainingStopped("training stopped by request; the project is unchanged")
        rng = np.random.default_rng(seed)
        tflite = quantize_model(ctx, model, x_train[rng.permutation(len(x_train))[:300]])
        q_test = int8_inputs(desc, t["x_test"])
        lite_out = run_tflite(tflite, q_test)
        pred = dequantize(lite_out.reshape(-1), desc.output_scale, desc.output_zero_point)
        float_pred = np.asarray(model.predict(float_inputs(desc, t["x_test"]), verbose=0)).reshape(-1)
        cb.status("verifying in TFLM")
        tflm = _verify(tflite, q_test, lite_out, ctx.warnings)
        desc.ops, desc.arena_bytes = tflm.ops, tflm.arena_bytes
        desc.labels = [t["name"]]
        report = base_report(ctx, tflite, tflm, "regressor_dense", BUDGET_BYTES, train_seconds)
        report.classes = [t["name"]]
        report.int8_metrics = regression_metrics(t["y_test"], pred)
        report.float_metrics = regression_metrics(t["y_test"], float_pred)
        report.epochs_run = epochs
        report.evaluation = {"scheme": "test split only", "target": t["source"],
                             "predictions": _sample_pairs(t["y_test"], pred, seed)}
        return Learned(tflite, report, {"target": t["name"], "target_from": t["source"],
                                        "epochs": epochs})


FALLBACK_ARENA = 16 * 1024


def _verify(tflite: bytes, q_test, lite_out, warnings: list[str]):
    """TFLM verification; when the arena search aborts (TFLM's Python binding has crashed
    on tiny all-FULLY_CONNECTED graphs after a failed allocation), the model is still run
    in TFLM at a fixed arena and compared, and the arena is reported as that upper bound."""
    from tinystudio.ml.tflm import TflmReport, TflmRunner, model_ops, unsupported_ops, verify_tflm

    try:
        return verify_tflm(tflite, q_test, lite_out)
    except TrainingError:
        outputs = TflmRunner(tflite, FALLBACK_ARENA).run_batch(q_test)
        diff = int(np.max(np.abs(outputs.astype(np.int32)
                                 - np.asarray(lite_out).reshape(outputs.shape).astype(np.int32))))
        note = (f"arena not minimized (TFLM's arena search aborted); {FALLBACK_ARENA} bytes "
                "is an upper bound")
        warnings.append(note)
        ops = model_ops(tflite)
        return TflmReport(FALLBACK_ARENA, ops, unsupported_ops(ops), diff, len(outputs), [note])


def _targets(ctx: LearnContext) -> dict:
    """Inputs and physical targets; a target channel leaves the model's inputs."""
    spec, f, desc = ctx.windows.spec, ctx.features, ctx.desc
    target = ctx.settings.get("target")
    x_train, x_test = f.train[: f.n_original], f.test
    if target:
        c = spec.channels.index(target)
        keep = [i for i in range(len(spec.channels)) if i != c]
        scale = spec.raw_scale[c] if spec.raw_scale else 1.0
        y_train = x_train[:, -1, c].astype(np.float64) * scale
        y_test = x_test[:, -1, c].astype(np.float64) * scale
        x_train, x_test = x_train[..., keep], x_test[..., keep]
        desc.channels = [spec.channels[i] for i in keep]
        if spec.raw_scale:
            desc.raw_scale = [spec.raw_scale[i] for i in keep]
        desc.input_shape = list(x_train.shape[1:])
        name, source = target, "channel"
    else:
        y_train = np.array([_number(lab) for lab in f.train_labels[: f.n_original]], dtype=float)
        y_test = np.array([_number(lab) if _number(lab) is not None else np.nan
                           for lab in f.test_labels], dtype=float)
        ok = ~np.isnan(y_test)
        x_test, y_test = x_test[ok], y_test[ok]
        name, source = "value", "segment label"
    desc.norm_offset, desc.norm_scale = normalization(x_train, desc.raw_scale or [1.0] * len(desc.channels))
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "name": name, "source": source}


def build_regressor(input_shape, seed: int, hidden: int = 16):
    """TFLM Hello World's shape: Dense 16 -> 16 -> 1 (linear) on the flattened window."""
    import keras
    from keras import layers

    from tinystudio.ml.models import _init

    inp = keras.Input(tuple(input_shape), name="window")
    x = layers.Reshape((int(np.prod(input_shape)),))(inp)
    x = layers.Dense(hidden, activation="relu", kernel_initializer=_init(seed))(x)
    x = layers.Dense(hidden, activation="relu", kernel_initializer=_init(seed + 1))(x)
    out = layers.Dense(1, kernel_initializer=_init(seed + 2))(x)
    return keras.Model(inp, out, name="regressor_dense")


def _fit(ctx: LearnContext, x_train, y_train):
    import keras

    o, s = ctx.options, ctx.settings
    mu, sd = float(np.mean(y_train)), float(np.std(y_train)) or 1.0
    model = build_regressor(x_train.shape[1:], o.seed, int(s.get("hidden", 16)))
    lr = float(o.learning_rate or s.get("learning_rate", 0.01))
    epochs = int(o.epochs or s.get("epochs", 200))
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="mse")
    stop = ctx.callbacks.stop

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if stop is not None and stop.is_set():
                self.model.stop_training = True

    model.fit(x_train, (y_train - mu) / sd, epochs=epochs,
              batch_size=int(o.batch_size or s.get("batch_size", 64)), verbose=0, shuffle=True,
              callbacks=[Stop()])
    last = model.layers[-1]
    w, b = last.get_weights()
    last.set_weights([w * sd, b * sd + mu])  # the output is the target itself
    return model, epochs


PLOT_POINTS = 300


def _sample_pairs(y_true, y_pred, seed: int) -> dict:
    """Up to ``PLOT_POINTS`` (true, int8 predicted) test pairs, for a predicted-vs-true plot."""
    n = len(y_true)
    idx = np.arange(n) if n <= PLOT_POINTS else np.sort(
        np.random.default_rng(seed).choice(n, PLOT_POINTS, replace=False))
    return {"true": [round(float(v), 5) for v in np.asarray(y_true)[idx]],
            "predicted": [round(float(v), 5) for v in np.asarray(y_pred)[idx]]}


def regression_metrics(y_true, y_pred) -> dict:
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    err = y_pred - y_true
    ss = float(np.sum((y_true - y_true.mean()) ** 2))
    return {"mae": round(float(np.mean(np.abs(err))), 5) if len(err) else None,
            "rmse": round(float(np.sqrt(np.mean(err ** 2))), 5) if len(err) else None,
            "r2": round(1 - float(np.sum(err ** 2)) / ss, 5) if ss > 0 else None,
            "n": int(len(err))}


BLOCK = RegressorBlock()
