"""The trainer on its own: stop event, reproducibility, class weights (small real models)."""

import threading

import numpy as np
import pytest

from tinystudio.ml.models import build_imu_cnn
from tinystudio.ml.trainer import (
    TrainConfig,
    TrainingStopped,
    class_weights,
    configure_tensorflow,
    train_model,
)


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(0, 1, (n, 32, 3)).astype(np.float32)
    x[y == 1, 10:20, 0] += 2.0
    return x, y


def test_stop_event_ends_training_within_one_batch():
    configure_tensorflow(0)
    x, y = _data()
    stop = threading.Event()
    seen = []

    def on_batch(p):
        seen.append((p.epoch, p.batch))
        if len(seen) == 5:
            stop.set()

    with pytest.raises(TrainingStopped, match="unchanged"):
        train_model(build_imu_cnn((32, 3), 2), x, y, 2, TrainConfig(epochs=50, batch_size=8),
                    on_batch=on_batch, stop=stop)
    assert len(seen) == 5  # not a single batch after the one that set the event


def test_same_seed_same_model():
    x, y = _data()
    outs = []
    for _ in range(2):
        configure_tensorflow(3)
        model = build_imu_cnn((32, 3), 2, seed=3)
        train_model(model, x, y, 2, TrainConfig(epochs=3, batch_size=8, seed=3))
        outs.append(np.asarray(model(x[:4], training=False)))
    assert np.array_equal(outs[0], outs[1])


def test_epoch_progress_and_early_stopping():
    configure_tensorflow(0)
    x, y = _data()
    epochs = []
    result = train_model(build_imu_cnn((32, 3), 2), x, y, 2,
                         TrainConfig(epochs=200, batch_size=16, patience=3, learning_rate=0.01),
                         on_epoch=epochs.append)
    assert result.stopped_early and result.epochs_run < 200
    assert [e.epoch for e in epochs] == list(range(1, result.epochs_run + 1))
    assert epochs[-1].val_accuracy is not None  # 48 examples: a validation split is held out
    assert epochs[0].eta_seconds >= 0


def test_class_weights_balance_rare_classes():
    w = class_weights(np.array([0, 0, 0, 1]), 2)
    assert w[1] == pytest.approx(3 * w[0])
    assert (w[[0, 0, 0, 1]].mean()) == pytest.approx(1.0)
