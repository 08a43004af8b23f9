"""Real int8 models of a chosen size, for upload tests and the flash benchmark.

Upload speed depends only on size, but the board must still load what it receives, so
these are genuine TFLM-loadable models: one dense layer whose int8 weight matrix has the
requested number of bytes, on a raw 6-axis IMU window. TensorFlow is imported here, only
when such a model is built.
"""

from __future__ import annotations

import numpy as np

from tinystudio.devices import model_messages as mm

IMU_CHANNELS = 6


def dense_model_tflite(target_bytes: int, window: int = 40, n_labels: int = 4, seed: int = 0) -> bytes:
    """An int8 ``.tflite`` of about ``target_bytes`` (input: ``window`` x 6 values)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    n_in = window * IMU_CHANNELS
    # measured: about n_in + 14 bytes per unit (weights, bias, per-channel scales), 4 KB fixed
    units = max(4, int((target_bytes - 4000) / (n_in + 14)))
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((window, IMU_CHANNELS)),
        keras.layers.Flatten(),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(n_labels, activation="softmax"),
    ])
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(16):
            yield [rng.normal(size=(1, window, IMU_CHANNELS)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def imu_descriptor(tflite: bytes, window: int = 40, stride: int = 20, labels=("a", "b", "c", "d"),
                   sensor_id: int = 0) -> mm.BoardDescriptor:
    """A RAW descriptor for :func:`dense_model_tflite` (quantization read from the model)."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(bytes(tflite), arena_size=512 * 1024)
    qin = interp.get_input_details(0)["quantization_parameters"]
    qout = interp.get_output_details(0)["quantization_parameters"]
    in_s, in_zp = float(qin["scales"][0]), int(qin["zero_points"][0])
    out_s, out_zp = float(qout["scales"][0]), int(qout["zero_points"][0])
    # raw int16 IMU counts -> roughly unit-scale values -> int8 input
    mul = tuple(float(1.0 / (4096.0 * in_s)) for _ in range(IMU_CHANNELS))
    add = tuple(float(in_zp) for _ in range(IMU_CHANNELS))
    return mm.BoardDescriptor(sensor_id, mm.Frontend.RAW, IMU_CHANNELS, window, stride, in_s, in_zp,
                              out_s, out_zp, tuple(labels), mul, add)
