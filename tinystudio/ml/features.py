"""A motion feature front end built from TFLM builtin ops, inside the int8 model.

Edge Impulse's default motion pipeline is a spectral-feature block followed by a small
dense network; the features are computed by firmware. Here the same kind of features are
layers of the model itself, so a board runs them with the model and needs no new code:

* spectral amplitudes, Welch style: a fixed (non-trainable) convolution whose kernels are
  Hann-windowed cosines and sines of ``frame`` samples (a DFT as a quantized multiply,
  strided by half a frame), with ReLU applied to ``+cos, -cos, +sin, -sin`` so that a
  fixed 1x1 convolution adds them into ``|Re| + |Im|`` per frequency bin (an amplitude
  without a square root), averaged over frames by average pooling;
* per-axis statistics: the signed mean (the DC bin, kept as its positive and negative
  parts), and maximum and minimum through max pooling of ``[x, -x]``.

Both branches feed dense layers whose outputs are added (``Dense(concat(a, b)) ==
Dense_a(a) + Dense_b(b)``, so no CONCATENATION op is needed). The int8 graph holds only
RESHAPE, CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, FULLY_CONNECTED, ADD and SOFTMAX, all
registered by the board firmware (firmware_recorders/tflm_glue/src/ts_tflm_ops.h).
"""

from __future__ import annotations

import numpy as np

MAX_FRAME = 16  # samples per DFT frame (as Edge Impulse's default FFT length): 0.26 s at 62.5 Hz


def frame_length(window: int) -> int:
    """DFT frame: 16 samples, or the whole window when it is shorter."""
    return int(min(MAX_FRAME, window))


def dft_kernels(frame: int) -> tuple[np.ndarray, np.ndarray]:
    """``(conv kernel (frame, 1, 1, 4*bins), pairing matrix (4*bins, bins + 1))``.

    Output ``k`` of the pairing is ``|Re X_k| + |Im X_k|`` for bins ``k >= 1``; the DC bin
    keeps its sign as two outputs (``relu(mean)``, ``relu(-mean)``). Kernels are scaled
    by the window's sum so a bin's amplitude is in the input's own units.
    """
    bins = frame // 2 + 1
    n = np.arange(frame)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / frame)
    hann = hann / hann.sum()
    kernel = np.zeros((frame, 4 * bins), dtype=np.float32)
    for k in range(bins):
        c = hann * np.cos(2 * np.pi * k * n / frame)
        s = hann * np.sin(2 * np.pi * k * n / frame)
        kernel[:, 4 * k: 4 * k + 4] = np.stack([c, -c, s, -s], axis=1)
    pair = np.zeros((4 * bins, bins + 1), dtype=np.float32)
    pair[0, 0] = 1.0  # relu(+mean)
    pair[1, 1] = 1.0  # relu(-mean)
    for k in range(1, bins):
        pair[4 * k: 4 * k + 4, k + 1] = 1.0
    return kernel.reshape(frame, 1, 1, 4 * bins), pair.reshape(1, 1, 4 * bins, bins + 1)


def build_imu_features(input_shape, n_classes: int, seed: int = 0, hidden: int = 20):
    """Spectral + statistical features (fixed weights) and a small dense network."""
    import keras
    from keras import layers

    from tinystudio.ml.models import _init

    window, channels = int(input_shape[0]), int(input_shape[1])
    frame = frame_length(window)
    hop = max(1, frame // 2)
    frames = (window - frame) // hop + 1
    kernel, pair = dft_kernels(frame)
    bins = pair.shape[-1]

    inp = keras.Input((window, channels), name="window")
    x = layers.Reshape((window, channels, 1))(inp)
    dft = layers.Conv2D(kernel.shape[-1], (frame, 1), strides=(hop, 1), activation="relu",
                        use_bias=False, trainable=False, name="dft")
    spec = dft(x)
    band = layers.Conv2D(bins, 1, use_bias=False, trainable=False, name="amplitude")
    spec = band(spec)
    spec = layers.AveragePooling2D((frames, 1))(spec)
    spec = layers.Reshape((channels * bins,))(spec)
    sign = layers.Conv2D(2, 1, use_bias=False, trainable=False, name="signs")
    ext = layers.MaxPooling2D((window, 1))(sign(x))
    ext = layers.Reshape((channels * 2,))(ext)
    h = layers.Add()([
        layers.Dense(hidden, kernel_initializer=_init(seed))(spec),
        layers.Dense(hidden, use_bias=False, kernel_initializer=_init(seed + 1))(ext),
    ])
    h = layers.ReLU()(h)
    h = layers.Dropout(0.1, seed=seed)(h)
    h = layers.Dense(hidden, activation="relu", kernel_initializer=_init(seed + 2))(h)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 3))(h)
    model = keras.Model(inp, out, name="imu_features")
    dft.set_weights([kernel])
    band.set_weights([pair])
    sign.set_weights([np.array([1.0, -1.0], dtype=np.float32).reshape(1, 1, 1, 2)])
    return model


# --------------------------------------------------------------------------------------
# imu_spectral: Edge Impulse's spectral-analysis block as fixed layers, rate-aware.

SPECTRAL_TARGET_HZ = 50.0  # decimate to about this rate first (motion lives below 25 Hz)
SPECTRAL_FRAME = 32  # DFT frame after decimation: 0.64 s at 50 Hz, 1.6 Hz bins


def spectral_params(window: int, rate_hz: float | None, frame: int = SPECTRAL_FRAME,
                    target_hz: float = SPECTRAL_TARGET_HZ) -> dict:
    """The block's parameters for a window: decimation factor (a low-pass FIR with that
    stride), DFT frame and hop on the decimated signal. Stored in the descriptor."""
    factor = max(1, int(round((rate_hz or target_hz) / target_hz)))
    while factor > 1 and (window - 2 * factor) // factor + 1 < 8:
        factor -= 1
    taps = 2 * factor if factor > 1 else 1
    length = (window - taps) // factor + 1
    frame = int(max(2, min(frame, length)))
    return {"decimate": factor, "taps": taps, "frame": frame, "hop": max(1, frame // 2),
            "rate_after_hz": round((rate_hz or target_hz) / factor, 4), "decimated_length": length}


def lowpass_kernel(taps: int) -> np.ndarray:
    """A Hann-weighted moving average (unit DC gain): the anti-alias filter of decimation."""
    if taps <= 1:
        return np.ones((1,), np.float32)
    n = np.arange(taps)
    w = 0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / taps)
    return (w / w.sum()).astype(np.float32)


def zero_sum(kernel: np.ndarray) -> np.ndarray:
    """DFT kernels of bins >= 1 made blind to the window's mean (each kernel minus its
    Hann-weighted mean): the spectrum needs no SUB of the mean first, and the mean's
    leakage into the low bins is gone. Bin 0 (columns 0-3) is left as it is."""
    k = kernel.reshape(kernel.shape[0], -1).astype(np.float64).copy()
    n = k.shape[0]
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(n) + 0.5) / n)
    hann = hann / hann.sum()
    for j in range(4, k.shape[1]):
        k[:, j] -= hann * k[:, j].sum()
    return k.reshape(kernel.shape).astype(np.float32)


def build_imu_spectral(input_shape, n_classes: int, seed: int = 0, rate_hz: float | None = None,
                       hidden: int = 32, frame: int = SPECTRAL_FRAME):
    """Low-pass + decimate, then per axis: max and min, the mean (as its positive and
    negative parts) and amplitude spectrum (bins >= 1, blind to the mean) averaged over
    frames, and their peak over frames; each branch a Dense layer,
    summed (no CONCATENATION), then Dense. Ops: RESHAPE, CONV_2D, AVERAGE_POOL_2D,
    MAX_POOL_2D, FULLY_CONNECTED, ADD, SOFTMAX (all in the board's op table)."""
    import keras
    from keras import layers

    from tinystudio.ml.models import _init

    window, channels = int(input_shape[0]), int(input_shape[1])
    p = spectral_params(window, rate_hz, frame)
    factor, taps, frame, hop, length = p["decimate"], p["taps"], p["frame"], p["hop"], p["decimated_length"]
    frames = (length - frame) // hop + 1
    kernel, pair = dft_kernels(frame)
    bins = pair.shape[-1]

    inp = keras.Input((window, channels), name="window")
    x = layers.Reshape((window, channels, 1))(inp)
    lp = layers.Conv2D(1, (taps, 1), strides=(factor, 1), use_bias=False, trainable=False, name="lowpass")
    d = lp(x)
    sign2 = layers.Conv2D(2, 1, use_bias=False, trainable=False, name="signs")
    ext = layers.MaxPooling2D((length, 1))(sign2(d))
    dft = layers.Conv2D(kernel.shape[-1], (frame, 1), strides=(hop, 1), activation="relu",
                        use_bias=False, trainable=False, name="dft")
    band = layers.Conv2D(bins, 1, use_bias=False, trainable=False, name="amplitude")
    spec = band(dft(d))
    avg = layers.AveragePooling2D((frames, 1))(spec)
    peak = layers.MaxPooling2D((frames, 1))(spec)

    def dense(t, size, i, bias=False):
        flat = layers.Reshape((int(np.prod(t.shape[1:])),))(t)
        return layers.Dense(size, use_bias=bias, kernel_initializer=_init(seed + i))(flat)

    h = layers.Add()([dense(ext, hidden, 2, True),
                      dense(avg, hidden, 3), dense(peak, hidden, 4)])
    h = layers.ReLU()(h)
    h = layers.Dropout(0.1, seed=seed)(h)
    h = layers.Dense(hidden, activation="relu", kernel_initializer=_init(seed + 5))(h)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 6))(h)
    model = keras.Model(inp, out, name="imu_spectral")
    lp.set_weights([lowpass_kernel(taps).reshape(taps, 1, 1, 1)])
    sign2.set_weights([np.array([1.0, -1.0], np.float32).reshape(1, 1, 1, 2)])
    dft.set_weights([zero_sum(kernel)])
    band.set_weights([pair])  # the mean as relu(+mean), relu(-mean); bins 1.. mean-blind
    return model
