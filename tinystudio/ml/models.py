"""Model builders, one per modality, small by design.

Each builder has a size budget (int8 ``.tflite`` bytes) that the UI and ``train`` show
beside the measured size. The IMU and keyword-spotting models are far below the float
models of the tutorials they replace (the GestureToEmoji Dense net is ~147 KB float;
TFLM's micro_speech model is 18.8 KB int8). Keras is imported inside the builders only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinystudio.errors import TrainingError


@dataclass(frozen=True)
class ModelSpec:
    """A named builder: which sensor it suits and the int8 size it should stay under."""

    name: str
    sensor_kind: str
    budget_bytes: int
    description: str
    build: Callable  # (input_shape, n_classes, seed) -> keras.Model
    #: Shortest window (samples) the network's strides and pools can take: a shorter one
    #: would leave a zero-sized tensor, which TFLM does not refuse but crashes on.
    min_window: int = 1
    #: The builder takes ``rate_hz=`` (its feature parameters follow the sample rate).
    rate_aware: bool = False

    def for_rate(self, rate_hz: float) -> ModelSpec:
        """This spec with the sample rate bound into its builder (rate-aware ones only)."""
        if not self.rate_aware:
            return self
        from dataclasses import replace
        from functools import partial

        return replace(self, build=partial(self.build, rate_hz=rate_hz))

    def suits(self, sensor_kind: str) -> bool:
        """Raw-window models serve every raw sensor (motion, vibration, generic channels)."""
        if self.sensor_kind == "imu":
            return sensor_kind in RAW_KINDS
        return self.sensor_kind == sensor_kind


#: Sensor kinds whose windows are raw multichannel samples: one family of models for all.
RAW_KINDS = ("imu", "vibration", "generic")


def _init(seed: int):
    import keras

    return keras.initializers.GlorotUniform(seed=seed)


#: imu_cnn halves the window twice (strided convolutions) and pools by 2 once; a window
#: under 8 samples leaves nothing for the last convolution.
IMU_CNN_MIN_WINDOW = 8


def check_window(spec: ModelSpec, window: int) -> None:
    """Refuse, before any conversion or TFLM run, a window the network cannot take."""
    if window < spec.min_window:
        raise TrainingError(f"model {spec.name!r} needs windows of at least {spec.min_window} samples "
                            f"(its receptive field); the window is {window} samples: choose a longer "
                            "window (`train --window-ms`) or another model")


def build_imu_cnn(input_shape, n_classes: int, seed: int = 0):
    """Three small 1D convolutions + global average pooling: ~2 K parameters.

    Global pooling makes the size independent of the window length, so longer windows
    cost arena RAM but not flash.
    """
    import keras
    from keras import layers

    inp = keras.Input(tuple(input_shape), name="window")
    x = layers.Conv1D(12, 5, strides=2, padding="same", activation="relu",
                      kernel_initializer=_init(seed))(inp)
    x = layers.Conv1D(16, 5, strides=2, padding="same", activation="relu",
                      kernel_initializer=_init(seed + 1))(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(16, 3, padding="same", activation="relu",
                      kernel_initializer=_init(seed + 2))(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.2, seed=seed)(x)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 3))(x)
    return keras.Model(inp, out, name="imu_cnn")


def build_ds_cnn(input_shape, n_classes: int, seed: int = 0, filters: int = 24):
    """DS-CNN for 49x40 spectrograms: one strided conv, two depthwise-separable blocks.

    Batch normalization folds into the convolutions at conversion, so the int8 graph is
    CONV_2D / DEPTHWISE_CONV_2D / MEAN / FULLY_CONNECTED / SOFTMAX only. Momentum 0.9:
    small projects train for few steps, and the moving statistics must settle in them.
    """
    import keras
    from keras import layers

    inp = keras.Input(tuple(input_shape), name="spectrogram")  # (49, 40, 1)
    x = layers.Conv2D(filters, (10, 4), strides=(2, 2), padding="same", use_bias=False,
                      kernel_initializer=_init(seed))(inp)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU()(x)
    for i in range(2):
        x = layers.DepthwiseConv2D(3, padding="same", use_bias=False,
                                   depthwise_initializer=_init(seed + 10 + i))(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(filters, 1, use_bias=False, kernel_initializer=_init(seed + 20 + i))(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2, seed=seed)(x)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 30))(x)
    return keras.Model(inp, out, name="ds_cnn")


def build_image_cnn(input_shape, n_classes: int, seed: int = 0):
    """A small strided CNN with depthwise-separable blocks for low-resolution images."""
    import keras
    from keras import layers

    inp = keras.Input(tuple(input_shape), name="image")
    x = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False,
                      kernel_initializer=_init(seed))(inp)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU()(x)
    for i, f in enumerate((16, 32, 32)):
        x = layers.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False,
                                   depthwise_initializer=_init(seed + 10 + i))(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(f, 1, use_bias=False, kernel_initializer=_init(seed + 20 + i))(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 30))(x)
    return keras.Model(inp, out, name="image_cnn")


def build_mobilenet_v1(input_shape, n_classes: int, seed: int = 0):
    """MobileNetV1, alpha 0.25 (the TFLM person-detection architecture), from scratch."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    base = keras.applications.MobileNet(
        input_shape=tuple(input_shape), alpha=0.25, include_top=False, weights=None, pooling="avg"
    )
    x = layers.Dropout(0.1, seed=seed)(base.output)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed))(x)
    return keras.Model(base.input, out, name="mobilenet_v1_025")


def _build_vww_transfer(input_shape, n_classes: int, seed: int = 0):
    from tinystudio.ml.transfer import build_vww_transfer

    return build_vww_transfer(input_shape, n_classes, seed)


def build_reference_dense(input_shape, n_classes: int, seed: int = 0):
    """The GestureToEmoji tutorial model: Dense 50-15-n on the flattened window (baseline)."""
    import keras
    from keras import layers

    inp = keras.Input(tuple(input_shape), name="window")
    x = layers.Reshape((int(np.prod(input_shape)),))(inp)
    x = layers.Dense(50, activation="relu", kernel_initializer=_init(seed))(x)
    x = layers.Dense(15, activation="relu", kernel_initializer=_init(seed + 1))(x)
    out = layers.Dense(n_classes, activation="softmax", kernel_initializer=_init(seed + 2))(x)
    return keras.Model(inp, out, name="reference_dense")


def _build_imu_features(input_shape, n_classes: int, seed: int = 0):
    from tinystudio.ml.features import build_imu_features

    return build_imu_features(input_shape, n_classes, seed)


def _build_imu_spectral(input_shape, n_classes: int, seed: int = 0, rate_hz: float | None = None):
    from tinystudio.ml.features import build_imu_spectral

    return build_imu_spectral(input_shape, n_classes, seed, rate_hz=rate_hz)


MODELS: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        ModelSpec("imu_cnn", "imu", 12 * 1024, "1D CNN for motion windows", build_imu_cnn,
                  min_window=IMU_CNN_MIN_WINDOW),
        ModelSpec("ds_cnn", "microphone", 24 * 1024, "DS-CNN keyword spotter on 49x40 features",
                  build_ds_cnn),
        ModelSpec("image_cnn", "camera", 32 * 1024, "small CNN for low-resolution images",
                  build_image_cnn),
        ModelSpec("vww_transfer", "camera", 320 * 1024,
                  "TFLM person-detection MobileNet (pretrained, frozen then fine-tuned) + new head",
                  _build_vww_transfer),
        ModelSpec("mobilenet_v1_025", "camera", 320 * 1024,
                  "MobileNetV1 alpha 0.25, 96x96 grayscale (person-detection class)",
                  build_mobilenet_v1),
        ModelSpec("imu_features", "imu", 20 * 1024,
                  "spectral + statistical features in the model, then a small dense net",
                  _build_imu_features, min_window=2),
        ModelSpec("imu_spectral", "imu", 32 * 1024,
                  "low-pass + decimation, per-axis statistics and amplitude spectrum in the model",
                  _build_imu_spectral, min_window=16, rate_aware=True),
        ModelSpec("reference_dense", "imu", 160 * 1024,
                  "tutorial baseline: Dense 50-15-n (float ~147 KB)", build_reference_dense),
    )
}
DEFAULT_MODEL = {"imu": "imu_cnn", "vibration": "imu_cnn", "generic": "imu_cnn",
                 "microphone": "ds_cnn", "camera": "image_cnn"}


def model_spec(name: str | None, sensor_kind: str) -> ModelSpec:
    """The builder to use: ``name`` if given (checked against the sensor), else the default."""
    if name is None:
        if sensor_kind not in DEFAULT_MODEL:
            raise TrainingError(f"no model builder for sensor kind {sensor_kind!r}")
        return MODELS[DEFAULT_MODEL[sensor_kind]]
    if name not in MODELS:
        raise TrainingError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    spec = MODELS[name]
    if not spec.suits(sensor_kind):
        raise TrainingError(
            f"model {name!r} is for {spec.sensor_kind} data but this project records {sensor_kind}"
        )
    return spec
