"""Keras -> TensorFlow Lite: full-integer int8 post-training quantization.

The representative set is drawn from the training data. Inputs and outputs are int8 so a
board never touches floats. ``input_range`` pins the calibrated input range when the
input already is an integer code (the audio front end's int8 features, 8-bit pixels):
then the input quantization comes out as an exact identity-like mapping (scale 1, zero
point 0 for int8 features) and the board can feed its codes without arithmetic.
"""

from __future__ import annotations

import warnings

import numpy as np

from tinystudio.errors import TrainingError
from tinystudio.ml.quiet import quiet

MAX_REPRESENTATIVE = 200


def representative_set(x: np.ndarray, seed: int = 0, limit: int = MAX_REPRESENTATIVE) -> np.ndarray:
    """Up to ``limit`` training inputs, chosen reproducibly."""
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(x))[:limit]
    return np.asarray(x[np.sort(idx)], dtype=np.float32)


def _converter(model):
    """A converter for batch size 1 (what a board runs): every shape is static, so a
    reshape of the input becomes one RESHAPE op, not SHAPE/STRIDED_SLICE/PACK as well."""
    import keras
    import tensorflow as tf

    try:
        inp = keras.Input(batch_shape=(1, *model.inputs[0].shape[1:]), dtype=model.inputs[0].dtype)
        fixed = keras.models.clone_model(model, input_tensors=inp)
        fixed.set_weights(model.get_weights())
    except Exception:  # a model keras cannot clone: convert as it is (dynamic batch)
        fixed = model
    return tf.lite.TFLiteConverter.from_keras_model(fixed)


def convert_int8(model, representative: np.ndarray,
                 input_range: tuple[float, float] | None = None) -> bytes:
    """Full-integer int8 ``.tflite`` bytes with int8 input and output."""
    import tensorflow as tf

    if len(representative) == 0:
        raise TrainingError("no training data to calibrate the int8 model with")
    rep = np.asarray(representative, dtype=np.float32).copy()
    if input_range is not None:
        # Put the range's ends into one calibration example so the calibrated input
        # range is exactly [lo, hi]; everything else still comes from real data.
        flat = rep[0].reshape(-1)
        flat[0], flat[-1] = input_range
        rep[0] = flat.reshape(rep[0].shape)
        rep = np.clip(rep, input_range[0], input_range[1])

    def gen():
        for example in rep:
            yield [example[None]]

    conv = _converter(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = gen
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    try:
        with quiet(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compact_tflite(bytes(conv.convert()))
    except Exception as exc:  # the converter raises many types; the message is what matters
        raise TrainingError(f"int8 conversion failed: {exc}") from exc


def compact_tflite(tflite: bytes) -> bytes:
    """Replace the converter's long tensor names (graph paths) with short ones.

    Names are only for debugging; on a 10 KB model they are a third of the file. Weights,
    ops and quantization are untouched (TFLM outputs are identical before and after).
    """
    import flatbuffers
    from tflite_micro.python.tflite_micro import runtime

    model = runtime.convert_bytearray_to_object(bytearray(tflite))
    for subgraph in model.subgraphs:
        for i, tensor in enumerate(subgraph.tensors):
            tensor.name = f"t{i}".encode()
    builder = flatbuffers.Builder(len(tflite))
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def convert_float(model) -> bytes:
    """Plain float32 ``.tflite`` (for size comparison with the tutorial's float model)."""
    conv = _converter(model)
    with quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bytes(conv.convert())


def io_quantization(tflite: bytes) -> tuple[tuple[float, int], tuple[float, int], list[int]]:
    """``((in_scale, in_zp), (out_scale, out_zp), input_shape_without_batch)`` via TFLM."""
    from tinystudio.ml.tflm import MAX_ARENA, _interpreter

    with quiet():
        interp = _interpreter(tflite, MAX_ARENA)
    i, o = interp.get_input_details(0), interp.get_output_details(0)

    def q(d):
        s, z = d["quantization_parameters"]["scales"], d["quantization_parameters"]["zero_points"]
        return (float(s[0]), int(z[0])) if len(s) else (1.0, 0)

    return q(i), q(o), [int(v) for v in i["shape"][1:]]
