"""The background trainer: a Qt-free function with progress callbacks and a stop event.

The same function backs ``tinystudio train`` and the GUI's worker. It runs its own epoch
loop over ``train_on_batch`` so that it can report every batch, honour the stop event
between two batches (within one batch, never mid-epoch-later), augment each batch fresh,
and restore the best weights on early stopping. Seeds make two runs with the same data
and seed produce the same weights.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tinystudio.errors import TrainingError


class TrainingStopped(TrainingError):
    """The stop event was set; nothing was written."""

    exit_code = 130


@dataclass
class TrainConfig:
    epochs: int = 80
    batch_size: int = 16
    learning_rate: float = 3e-3
    seed: int = 0
    patience: int = 20  # epochs without improvement before stopping early
    class_weighting: bool = True
    validation_fraction: float = 0.2  # of the training split; 0 when it is too small
    min_validation: int = 30  # no validation split below this many training examples


@dataclass
class BatchProgress:
    epoch: int
    batch: int
    batches: int
    loss: float
    accuracy: float


@dataclass
class EpochProgress:
    epoch: int  # 1-based
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    elapsed_seconds: float
    eta_seconds: float


@dataclass
class TrainResult:
    model: object  # the trained keras.Model (best weights restored)
    history: list[EpochProgress] = field(default_factory=list)
    epochs_run: int = 0
    best_epoch: int = 0
    stopped_early: bool = False
    seconds: float = 0.0


def configure_tensorflow(seed: int, threads: int = 2) -> None:
    """Seed everything and keep TensorFlow to ``threads`` cores (the machine is shared)."""
    import keras
    import tensorflow as tf

    for setter in (tf.config.threading.set_intra_op_parallelism_threads,
                   tf.config.threading.set_inter_op_parallelism_threads):
        with contextlib.suppress(RuntimeError):  # already initialized: first setting stands
            setter(threads)
    keras.utils.set_random_seed(seed)
    with contextlib.suppress(RuntimeError):
        tf.config.experimental.enable_op_determinism()


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Inverse-frequency weights, mean 1 over the examples, so rare classes count equally."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    w = np.where(counts > 0, len(y) / (n_classes * np.maximum(counts, 1)), 0.0)
    return w.astype(np.float32)


def stratified_holdout(y: np.ndarray, fraction: float, rng: np.random.Generator):
    """Indices ``(train, holdout)``: ``fraction`` of each class held out (at least one)."""
    hold = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        k = max(1, int(round(fraction * len(idx)))) if len(idx) > 1 else 0
        hold.extend(idx[:k].tolist())
    hold_mask = np.zeros(len(y), dtype=bool)
    hold_mask[hold] = True
    return np.flatnonzero(~hold_mask), np.flatnonzero(hold_mask)


def recalibrate_batchnorm(model, x: np.ndarray, chunk: int = 256) -> None:
    """Set batch-norm moving statistics to the training set's, for the final weights.

    Small projects train for only tens of steps, too few for moving averages to forget
    their initial values (mean 0, variance 1), and inputs such as 0..255 pixels or int8
    features are far from that: the model would score well in training and poorly in
    inference. One pass over the (unaugmented) training data with the momentum turned
    into a running average fixes the statistics; weights are not touched.
    """
    from keras import layers

    bns = [lyr for lyr in _all_layers(model) if isinstance(lyr, layers.BatchNormalization)]
    if not bns or len(x) == 0:
        return
    saved = [bn.momentum for bn in bns]
    try:
        for i, start in enumerate(range(0, len(x), chunk)):
            for bn in bns:
                bn.momentum = i / (i + 1)  # running mean over chunks
            model(x[start : start + chunk], training=True)
    finally:
        for bn, m in zip(bns, saved, strict=True):
            bn.momentum = m


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")


def train_model(
    model,
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    config: TrainConfig,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    on_epoch: Callable[[EpochProgress], None] | None = None,
    on_batch: Callable[[BatchProgress], None] | None = None,
    stop: threading.Event | None = None,
) -> TrainResult:
    """Train a compiled-by-us keras model on ``(x, y)``; raises :class:`TrainingStopped`."""
    import keras

    t0 = time.monotonic()
    rng = np.random.default_rng(config.seed)
    if config.validation_fraction > 0 and len(y) >= config.min_validation:
        tr, va = stratified_holdout(y, config.validation_fraction, rng)
    else:
        tr, va = np.arange(len(y)), np.zeros(0, dtype=int)
    x_tr, y_tr, x_va, y_va = x[tr], y[tr], x[va], y[va]
    weights = class_weights(y_tr, n_classes) if config.class_weighting else np.ones(n_classes, np.float32)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,  # XLA compiles for many seconds on CPU for no gain on tiny models
    )
    result = TrainResult(model=model)
    best_loss, best_weights, waited = np.inf, None, 0
    batch = min(config.batch_size, len(y_tr))
    n_batches = max(1, int(np.ceil(len(y_tr) / batch)))
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(len(y_tr))
        tot_loss = tot_acc = seen = 0.0
        for b in range(n_batches):
            _check_stop(stop)
            idx = order[b * batch : (b + 1) * batch]
            if len(idx) < batch:  # same shape every step: one graph trace, not two
                idx = np.concatenate([idx, order[: batch - len(idx)]])
            xb = x_tr[idx]
            if augment is not None:
                xb = augment(xb, rng)
            logs = model.train_on_batch(xb, y_tr[idx], sample_weight=weights[y_tr[idx]],
                                        return_dict=True)
            tot_loss += float(logs["loss"]) * len(idx)
            tot_acc += float(logs.get("accuracy", logs.get("compile_metrics", 0.0))) * len(idx)
            seen += len(idx)
            if on_batch is not None:
                on_batch(BatchProgress(epoch, b + 1, n_batches, tot_loss / seen, tot_acc / seen))
            _check_stop(stop)
        loss, acc = tot_loss / seen, tot_acc / seen
        val_loss = val_acc = None
        if len(y_va):
            probs = np.asarray(model(x_va, training=False))
            val_loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(y_va)), y_va], 1e-7, 1))))
            val_acc = float(np.mean(np.argmax(probs, axis=1) == y_va))
        monitor = val_loss if val_loss is not None else loss
        if monitor < best_loss - 1e-4:
            best_loss, best_weights, waited = monitor, model.get_weights(), 0
            result.best_epoch = epoch
        else:
            waited += 1
        elapsed = time.monotonic() - t0
        progress = EpochProgress(epoch, config.epochs, loss, acc, val_loss, val_acc, elapsed,
                                 elapsed / epoch * (config.epochs - epoch))
        result.history.append(progress)
        result.epochs_run = epoch
        if on_epoch is not None:
            on_epoch(progress)
        if waited >= config.patience:
            result.stopped_early = True
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    recalibrate_batchnorm(model, x_tr)
    result.seconds = time.monotonic() - t0
    return result
