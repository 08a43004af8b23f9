"""A classical baseline beside every IMU model: nearest neighbour on window statistics.

Per channel mean, standard deviation, minimum and maximum of the physical values,
standardized with the training set's statistics, classified by the nearest training
window (Euclidean). It costs milliseconds, and when it beats the network the user sees
that the network is not earning its size. Scored on the same test windows and the same
validation folds as the model search, so the figures compare like with like.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

METHOD = "1-nearest-neighbour on per-channel mean/std/min/max"


def window_stats(x_raw: np.ndarray, raw_scale: list[float] | None = None) -> np.ndarray:
    """``(n, window, ch)`` raw windows -> ``(n, 4 * ch)`` statistics in physical units."""
    x = np.asarray(x_raw, dtype=np.float64)
    if raw_scale:
        x = x * np.asarray(raw_scale, dtype=np.float64)
    return np.concatenate([x.mean(axis=1), x.std(axis=1), x.min(axis=1), x.max(axis=1)], axis=1)


def nearest_neighbour(f_train: np.ndarray, y_train: np.ndarray, f_test: np.ndarray) -> np.ndarray:
    """Labels of the nearest training example, features standardized on the training set."""
    if len(f_test) == 0:
        return np.zeros(0, dtype=int)
    mu = f_train.mean(axis=0)
    sd = f_train.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    a, b = (f_train - mu) / sd, (f_test - mu) / sd
    pred = np.empty(len(b), dtype=int)
    for start in range(0, len(b), 512):  # bounded memory for long projects
        chunk = b[start: start + 512]
        d = (chunk ** 2).sum(1)[:, None] - 2 * chunk @ a.T + (a ** 2).sum(1)[None, :]
        pred[start: start + 512] = y_train[np.argmin(d, axis=1)]
    return pred


@dataclass
class BaselineResult:
    method: str
    test_accuracy: float
    n_test: int
    val_accuracy: float | None = None  # mean over the search's validation folds
    val_std: float | None = None
    val_folds: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate_baseline(x_train, y_train, x_test, y_test, raw_scale, folds) -> BaselineResult:
    """Test accuracy, and accuracy over ``folds`` (``[(train_idx, val_idx), ...]``)."""
    f_train, f_test = window_stats(x_train, raw_scale), window_stats(x_test, raw_scale)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    pred = nearest_neighbour(f_train, y_train, f_test)
    acc = float(np.mean(pred == y_test)) if len(y_test) else 0.0
    res = BaselineResult(METHOD, round(acc, 4), int(len(y_test)))
    scores = [float(np.mean(nearest_neighbour(f_train[tr], y_train[tr], f_train[va]) == y_train[va]))
              for tr, va in folds if len(va) and len(tr)]
    if scores:
        res.val_folds = [round(s, 4) for s in scores]
        res.val_accuracy = round(float(np.mean(scores)), 4)
        res.val_std = round(float(np.std(scores)), 4)
    return res
