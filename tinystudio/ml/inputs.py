"""Front-end output -> model input, in float (training) and int8 (deployment).

One place defines how an example becomes the model's input, so the float model is
trained on exactly what the int8 model later sees after quantization, and the test
windows handed to a board for the parity check are the host's own int8 inputs.
"""

from __future__ import annotations

import numpy as np

from tinystudio.ml.data import Examples, data_spec, extract, frontend_inputs
from tinystudio.ml.package import (
    ModelDescriptor,
    ModelPackage,
    quantize_features,
    quantize_float,
    quantize_raw_window,
)

AUDIO_INPUT_RANGE = (-128.0, 127.0)  # int8 features in, identity quantization out
IMAGE_INPUT_RANGE = (0.0, 255.0)  # 8-bit pixels in: q = pixel - 128


def float_inputs(desc: ModelDescriptor, x: np.ndarray) -> np.ndarray:
    """Float model input: IMU windows normalized per channel; features/pixels as values."""
    if desc.frontend == "raw":
        raw = np.asarray(desc.raw_scale or [1.0] * len(desc.channels), dtype=np.float32)
        off = np.asarray(desc.norm_offset, dtype=np.float32)
        sc = np.asarray(desc.norm_scale, dtype=np.float32)
        return ((np.asarray(x, dtype=np.float32) * raw - off) / sc).astype(np.float32)
    return np.asarray(x, dtype=np.float32)


def int8_inputs(desc: ModelDescriptor, x: np.ndarray) -> np.ndarray:
    """The int8 tensors a board feeds the model, from front-end output."""
    if desc.frontend == "raw":
        return quantize_raw_window(x, desc)
    if desc.frontend in ("micro_speech", "microfrontend"):
        return quantize_features(x, desc)
    return quantize_float(x, desc.input_scale, desc.input_zero_point)


def input_range(frontend: str) -> tuple[float, float] | None:
    return {"micro_speech": AUDIO_INPUT_RANGE, "microfrontend": AUDIO_INPUT_RANGE, "image": IMAGE_INPUT_RANGE}.get(frontend)


def normalization(x_raw: np.ndarray, raw_scale: list[float]) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of the physical training values."""
    phys = np.asarray(x_raw, dtype=np.float64).reshape(-1, x_raw.shape[-1]) * np.asarray(raw_scale)
    mean = phys.mean(axis=0)
    std = phys.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    return [float(v) for v in mean], [float(v) for v in std]


def test_windows(project, package: ModelPackage, split: str | None = "test"):
    """``(int8 inputs, label indices)`` of a project's test split, exactly as the model input.

    The deploy layer sends these to a board and compares its outputs with
    :func:`tinystudio.ml.tflm.run_tflm` on the same arrays.
    """
    desc = package.descriptor
    spec = data_spec(project, {"window": desc.window, "stride": desc.stride,
                               "image_size": desc.input_shape[:2],
                               "grayscale": desc.input_shape[-1] == 1})
    ex: Examples = extract(project, spec, split)
    feats = frontend_inputs(spec, _model_channels(spec, desc, ex.x))
    q = int8_inputs(desc, feats) if len(ex.labels) else np.zeros((0, *desc.input_shape), np.int8)
    index = {name: i for i, name in enumerate(desc.labels)}
    y = np.array([index.get(lab, -1) for lab in ex.labels], dtype=int)
    return q.reshape((len(y), *desc.input_shape)), y


def _model_channels(spec, desc, x: np.ndarray) -> np.ndarray:
    """Raw windows restricted to the model's input channels: a regression model's target
    channel is in the recordings but not an input (learning_regressor.py)."""
    if spec.frontend != "raw" or not desc.channels or list(desc.channels) == list(spec.channels):
        return x
    missing = [c for c in desc.channels if c not in spec.channels]
    if missing:
        from tinystudio.errors import TrainingError

        raise TrainingError(f"the model reads channel(s) {', '.join(missing)} that the project's "
                            f"recordings do not have ({', '.join(spec.channels)})")
    return x[..., [spec.channels.index(c) for c in desc.channels]]


test_windows.__test__ = False  # a library function, not a pytest test, wherever imported
parity_windows = test_windows
