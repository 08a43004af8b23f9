"""Real int8 models for the emulated-board and op-contract tests, converted once per session.

Every builder in tinystudio.ml.models.MODELS is built (untrained: the ops do not depend on
the weights) at an input shape for its sensor and converted to int8 as training does.
"""

from __future__ import annotations

import numpy as np

#: Input shape per sensor kind; a builder may name its own with an ``input_shape`` attribute.
#: The project defaults: 119 x 6 IMU windows, 49 x 40 audio features, 32 x 32 images
#: (tinystudio.dsp.image.DEFAULT_IMAGE_SIZE). The ops of a graph can depend on its shape.
EXAMPLE_SHAPES = {"imu": (119, 6), "microphone": (49, 40, 1), "camera": (32, 32, 1)}
FRONTEND = {"imu": "raw", "microphone": "microfrontend", "camera": "image"}


def builder_shape(spec) -> tuple[int, ...]:
    shape = getattr(spec, "input_shape", None) or EXAMPLE_SHAPES.get(spec.sensor_kind)
    assert shape, (f"model builder {spec.name!r} is for sensor kind {spec.sensor_kind!r}: add its "
                   "input shape to tests/firmware/mcu_models.py EXAMPLE_SHAPES")
    return tuple(shape)


def builder_int8(spec, n_classes: int = 3) -> bytes:
    from tinystudio.ml.inputs import input_range
    from tinystudio.ml.quantize import convert_int8

    shape = builder_shape(spec)
    model = spec.build(shape, n_classes, 0)
    rep = np.random.default_rng(0).normal(size=(4, *shape)).astype(np.float32)
    return convert_int8(model, rep, input_range(FRONTEND.get(spec.sensor_kind, "raw")))


def tanh_model(window: int = 20) -> bytes:
    """A small IMU model with a TANH activation: an op the board firmware does not register."""
    import keras

    from tinystudio.ml.quantize import convert_int8

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((window, 6)), keras.layers.Flatten(),
                              keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])  # fmt: skip
    rep = np.random.default_rng(0).normal(size=(4, window, 6)).astype(np.float32)
    return convert_int8(model, rep, None)


def wide_conv_model(window: int = 600, filters: int = 64) -> bytes:
    """A small model (~25 KB) whose activations need far more arena than a board's 48 KB:
    two full-length convolutions of ``filters`` channels over a ``window`` x 6 IMU window."""
    import keras

    from tinystudio.ml.quantize import convert_int8

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((window, 6)),
                              keras.layers.Conv1D(filters, 5, padding="same", activation="relu"),
                              keras.layers.Conv1D(filters, 5, padding="same", activation="relu"),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(4, activation="softmax")])  # fmt: skip
    rep = np.random.default_rng(0).normal(size=(4, window, 6)).astype(np.float32)
    return convert_int8(model, rep, None)


def build_variance_features(input_shape, n_classes: int, seed: int = 0):
    """Per-channel variance features (reduce_sum of squared_difference) + a dense layer:
    SUM and SQUARED_DIFFERENCE, which TensorFlowLite_ESP32 1.0.0 lacks."""
    import keras
    import tensorflow as tf

    inp = keras.Input(tuple(input_shape))
    mean = keras.layers.Lambda(lambda x: tf.reduce_mean(x, axis=1, keepdims=True))(inp)
    var = keras.layers.Lambda(lambda t: tf.reduce_sum(tf.math.squared_difference(t[0], t[1]), axis=1))([inp, mean])
    out = keras.layers.Dense(n_classes, activation="softmax",
                             kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(var)
    return keras.Model(inp, out, name="imu_variance")
