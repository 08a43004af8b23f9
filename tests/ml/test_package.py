import json

import numpy as np
import pytest

from tinystudio.errors import TrainingError
from tinystudio.ml.package import ModelDescriptor, ModelPackage, quantize_float, quantize_raw_window


def _desc(**kw) -> ModelDescriptor:
    d = ModelDescriptor(
        labels=["a", "b"], sensor_kind="imu", frontend="raw", rate_hz=100.0,
        channels=["x", "y"], window=4, stride=2, input_shape=[4, 2], input_scale=0.05,
        input_zero_point=-3, output_scale=1 / 256, output_zero_point=-128,
        raw_scale=[0.001, 0.5], norm_offset=[1.0, -2.0], norm_scale=[0.5, 4.0], **kw,
    )
    d.fold_input_affine()
    return d


def test_raw_quantization_equals_normalize_then_quantize():
    d = _desc()
    raw = np.random.default_rng(0).normal(0, 2000, (4, 2)).astype(np.float32)
    phys = raw * np.array(d.raw_scale)
    x = (phys - np.array(d.norm_offset)) / np.array(d.norm_scale)
    expected = quantize_float(x, d.input_scale, d.input_zero_point).astype(int)
    got = quantize_raw_window(raw, d).astype(int)
    assert np.abs(got - expected).max() <= 1  # float32 vs float64 rounding only
    assert (got == expected).mean() > 0.9


def test_quantization_clamps_to_int8():
    d = _desc()
    q = quantize_raw_window(np.full((4, 2), 1e9, dtype=np.float32), d)
    assert q.dtype == np.int8 and (q == 127).all()


def test_package_round_trip(tmp_path):
    d = _desc()
    ModelPackage(b"TFL3-bytes", d).save(tmp_path / "pkg")
    back = ModelPackage.load(tmp_path / "pkg")
    assert back.tflite == b"TFL3-bytes" and back.descriptor == d
    assert ModelPackage.load(tmp_path / "pkg" / "model.tflite").descriptor == d
    assert json.loads((tmp_path / "pkg" / "descriptor.json").read_text())["version"] == 1


def test_newer_descriptor_is_refused(tmp_path):
    data = json.loads(_desc().to_json())
    data["version"] = 99
    with pytest.raises(TrainingError, match="newer"):
        ModelDescriptor.from_dict(data)


def test_bare_tflite_without_descriptor_gets_a_clear_message(tmp_path):
    (tmp_path / "m.tflite").write_bytes(b"x")
    with pytest.raises(TrainingError, match="--labels"):
        ModelPackage.load(tmp_path / "m.tflite")
