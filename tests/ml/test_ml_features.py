"""The feature front end inside the model: it computes the spectral amplitudes and
statistics it claims, converts to int8 with only ops the board glue registers, and runs
bit-identically in TFLM and TFLite."""

import numpy as np
import pytest

from tinystudio.ml.evaluate import run_tflite
from tinystudio.ml.features import dft_kernels, frame_length
from tinystudio.ml.models import MODELS
from tinystudio.ml.quantize import convert_int8, io_quantization
from tinystudio.ml.tflm import model_ops, verify_tflm


def glue_ops() -> set[str]:
    """Ops the board firmware registers (its X-macro table, parsed by the op contract)."""
    from tinystudio.ml.op_contract import glue_ops as table

    return set(table())


def test_dft_kernels_give_amplitudes_and_the_signed_mean():
    frame = frame_length(125)
    kernel, pair = dft_kernels(frame)
    n = np.arange(frame)
    x = 0.7 + 2.0 * np.cos(2 * np.pi * 3 * n / frame + 0.4)
    proj = np.maximum(x @ kernel.reshape(frame, -1), 0)  # conv + relu
    feats = proj @ pair.reshape(pair.shape[2], -1)
    assert feats[0] == pytest.approx(0.7, abs=0.05) and feats[1] == 0  # relu(+mean), relu(-mean)
    assert np.argmax(feats[2:]) + 1 == 3  # the energy sits in bin 3
    assert feats[3 + 1] == pytest.approx(1.0 * (abs(np.cos(0.4)) + abs(np.sin(0.4))), rel=0.05)
    assert feats[3 + 1] > 100 * feats[6 + 1]  # Hann: no leakage far from the tone


@pytest.mark.parametrize("name,shape", [("imu_cnn", (125, 3)),
                                        ("imu_features", (119, 6))])
def test_int8_graph_uses_only_glue_ops_and_matches_tflm(name, shape):
    glue = glue_ops()
    assert {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX"} <= glue
    rng = np.random.default_rng(0)
    t = np.arange(shape[0])[None, :, None]
    x = (np.sin(t * rng.uniform(0.05, 0.5, (40, 1, shape[1]))) * 2
         + rng.normal(0, 0.3, (40, *shape))).astype(np.float32)
    model = MODELS[name].build(shape, 4, 0)
    tflite = convert_int8(model, x)
    ops = model_ops(tflite)
    assert set(ops) <= glue, f"{name} needs ops the board glue lacks: {set(ops) - glue}"
    assert len(tflite) <= MODELS[name].budget_bytes
    (s, z), _, in_shape = io_quantization(tflite)
    assert in_shape == list(shape)
    q = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
    report = verify_tflm(tflite, q, run_tflite(tflite, q))
    assert report.ok and report.n_compared == 40
