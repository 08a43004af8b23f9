"""Anomaly models from normal data only, as int8 TFLite graphs a board runs whole.

Both models share an in-model spectral front end (the fixed DFT convolution of
``features.py``: Welch-style ``|Re| + |Im|`` amplitudes per bin and channel, averaged over
frames) followed by a fixed per-feature standardization (mean and standard deviation of
the normal training windows). The score is then

* ``kmeans``: the squared distance to the nearest of ``k`` cluster centres learned
  (scikit-learn K-means) on the standardized normal features, computed in the graph as
  a maximum of negated distances (TFLM has no int8 NEG or REDUCE_MIN);
* ``autoencoder``: the squared reconstruction error of a small dense autoencoder trained
  on the same features.

The graph outputs one int8 value; higher is more anomalous. Only ops in the firmware's
table are used (RESHAPE, CONV_2D, MAXIMUM, AVERAGE_POOL_2D, MUL, ADD, SUB, REDUCE_MAX,
FULLY_CONNECTED, EXPAND_DIMS), so the board needs no new code for a score.
"""

from __future__ import annotations

import numpy as np

from tinystudio.ml.features import dft_kernels

DEFAULT_FRAME = 32
DEFAULT_K = 4
MODELS = ("kmeans", "autoencoder")


def frame_for(window: int, frame: int | None = None) -> int:
    """DFT frame: ``frame`` (default 64 samples), never longer than the window."""
    return int(max(4, min(int(frame or DEFAULT_FRAME), window)))


def octagon_kernels(frame: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """DFT kernel ``(frame, 1, 1, 4*bins)`` as in ``features.dft_kernels`` and three 1x1
    kernels giving ``|Re|``, ``|Im|`` and ``(|Re| + |Im|) / sqrt 2`` per bin, whose
    maximum is the amplitude within 8 % whatever the phase. (``|Re| + |Im|`` alone varies
    by 41 % with phase, and a tone on a bin keeps its phase from frame to frame at a
    half-frame hop, so averaging frames does not remove that.)"""
    kernel, _ = dft_kernels(frame)
    bins = frame // 2 + 1
    mats = [np.zeros((4 * bins, bins), dtype=np.float32) for _ in range(3)]
    for k in range(bins):
        mats[0][4 * k: 4 * k + 2, k] = 1.0
        mats[1][4 * k + 2: 4 * k + 4, k] = 1.0
        mats[2][4 * k: 4 * k + 4, k] = 1.0 / np.sqrt(2.0)
    return kernel, [m.reshape(1, 1, 4 * bins, bins) for m in mats]


def _front_end(inp, window: int, channels: int, frame: int):
    """Spectral amplitudes ``(channels * (frame // 2 + 1),)``; returns (tensor, fixed layers)."""
    from keras import layers

    hop = max(1, frame // 2)
    frames = (window - frame) // hop + 1
    kernel, mats = octagon_kernels(frame)
    bins = frame // 2 + 1
    x = layers.Reshape((window, channels, 1))(inp)
    dft = layers.Conv2D(kernel.shape[-1], (frame, 1), strides=(hop, 1), activation="relu",
                        use_bias=False, trainable=False, name="dft")
    parts = [layers.Conv2D(bins, 1, use_bias=False, trainable=False, name=f"amplitude{i}")
             for i in range(3)]
    rect = dft(x)
    amp = layers.Maximum()([p(rect) for p in parts])
    spec = layers.AveragePooling2D((frames, 1))(amp)
    spec = layers.Reshape((channels * bins,))(spec)
    return spec, [(dft, [kernel])] + [(p, [m]) for p, m in zip(parts, mats, strict=True)]


def feature_model(window: int, channels: int, frame: int):
    """Keras model: raw normalized window -> spectral features (float, for fitting)."""
    import keras

    inp = keras.Input((window, channels), name="window")
    spec, fixed = _front_end(inp, window, channels, frame)
    model = keras.Model(inp, spec, name="spectral")
    for layer, weights in fixed:
        layer.set_weights(weights)
    return model


def _standardize(x, mean: np.ndarray, std: np.ndarray):
    """(x - mean) / std as ADD and MUL with constants."""
    from keras import layers

    return layers.Rescaling(scale=(1.0 / std).astype(np.float32),
                            offset=(-mean / std).astype(np.float32))(x)


def _fixed_dense(x, weights: np.ndarray, name: str):
    """A FULLY_CONNECTED with fixed weights: sums and sign flips that TFLM and TFLite
    round alike (int8 SUM and MUL by a constant do not always)."""
    from keras import layers

    dense = layers.Dense(weights.shape[1], use_bias=False, trainable=False, name=name)
    out = dense(x)
    return out, (dense, [weights.astype(np.float32)])


def kmeans_model(window: int, channels: int, frame: int, mean, std, centres: np.ndarray):
    """Score = squared distance of the standardized features to the nearest centre:
    SUB (every centre) -> MUL (square) -> FULLY_CONNECTED (minus the sum per centre) ->
    REDUCE_MAX -> FULLY_CONNECTED (times -1)."""
    import keras
    from keras import layers

    inp = keras.Input((window, channels), name="window")
    spec, fixed = _front_end(inp, window, channels, frame)
    z = _standardize(spec, mean, std)
    c = np.asarray(centres, dtype=np.float32)
    k, dim = c.shape
    diff = layers.Lambda(lambda t: keras.ops.expand_dims(t, 1) - c, output_shape=(k, dim))(z)
    sq = layers.Multiply()([diff, diff])
    flat = layers.Reshape((k * dim,))(sq)
    neg, fc1 = _fixed_dense(flat, -np.kron(np.eye(k), np.ones((dim, 1))), "minus_distance")
    top = layers.Lambda(lambda t: keras.ops.max(t, axis=-1, keepdims=True), output_shape=(1,))(neg)
    score, fc2 = _fixed_dense(top, -np.ones((1, 1)), "distance")
    model = keras.Model(inp, score, name="kmeans_anomaly")
    for layer, weights in [*fixed, fc1, fc2]:
        layer.set_weights(weights)
    return model


def autoencoder_model(window: int, channels: int, frame: int, mean, std, coder):
    """Score = squared reconstruction error of ``coder`` (a trained Keras model D -> D):
    SUB -> MUL -> FULLY_CONNECTED (the sum)."""
    import keras
    from keras import layers

    inp = keras.Input((window, channels), name="window")
    spec, fixed = _front_end(inp, window, channels, frame)
    z = _standardize(spec, mean, std)
    r = layers.Subtract()([z, coder(z)])
    sq = layers.Multiply()([r, r])
    err, fc = _fixed_dense(sq, np.ones((int(sq.shape[-1]), 1)), "error")
    model = keras.Model(inp, err, name="autoencoder_anomaly")
    for layer, weights in [*fixed, fc]:
        layer.set_weights(weights)
    return model


def build_coder(dim: int, seed: int, hidden: int = 8):
    import keras
    from keras import layers

    from tinystudio.ml.models import _init

    inp = keras.Input((dim,), name="features")
    h = layers.Dense(max(2 * hidden, 16), activation="relu", kernel_initializer=_init(seed))(inp)
    h = layers.Dense(hidden, activation="relu", kernel_initializer=_init(seed + 1))(h)
    h = layers.Dense(max(2 * hidden, 16), activation="relu", kernel_initializer=_init(seed + 2))(h)
    out = layers.Dense(dim, kernel_initializer=_init(seed + 3))(h)
    return keras.Model(inp, out, name="coder")


def fit_kmeans(z: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = int(max(1, min(k, len(z))))
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit(z).cluster_centers_


def auc(normal: np.ndarray, anomalous: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U, ties count half); None without both kinds."""
    normal, anomalous = np.asarray(normal, float).ravel(), np.asarray(anomalous, float).ravel()
    if not len(normal) or not len(anomalous):
        return None
    allv = np.concatenate([normal, anomalous])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):  # average ranks over ties
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[len(normal):].sum() - len(anomalous) * (len(anomalous) + 1) / 2.0
    return float(u / (len(normal) * len(anomalous)))


def calibrate_threshold(scores_q: np.ndarray, per_window_rate: float, margin: float,
                        top: float = 127) -> float:
    """The int8 score above which a window is an anomaly, from held-out normal windows.

    With enough windows for the target rate (``n * rate >= 1``) it is the empirical
    quantile; with fewer (the usual case: a false alarm per hour is a rate of 1e-4 per
    window) it is the highest normal score plus ``margin`` times its distance from the
    median, since no quantile that extreme can be measured on the data there is."""
    s = np.sort(np.asarray(scores_q, dtype=float).ravel())
    if len(s) * per_window_rate >= 1.0:
        allowed = int(np.floor(len(s) * per_window_rate))
        return float(min(top, s[len(s) - 1 - allowed]))
    high, median = s[-1], np.median(s)
    step = max(1.0, high - median) if top == 127 else high - median  # int8: at least one step
    value = high + margin * step
    return float(min(top, np.ceil(value) if top == 127 else value))
