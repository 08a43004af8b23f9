"""ML model descriptor (JSON) -> the board's binary descriptor, per front end and board."""

from __future__ import annotations

import pytest

from tinystudio.boards.virtual.sensors import SyntheticMic, imu_info
from tinystudio.deploy.board_package import board_descriptor, to_board_package
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import DeviceInfo
from tinystudio.errors import DeployError
from tinystudio.ml.package import ModelDescriptor, ModelPackage, quantize_raw_window

INFO = DeviceInfo("Test board", "fw", sensors=(imu_info(119.0, sensor_id=3), SyntheticMic(sensor_id=5).info))


def imu_desc(**kw) -> ModelDescriptor:
    d = ModelDescriptor(labels=["punch", "flex"], sensor_kind="imu", frontend="raw", rate_hz=119.0,
                        channels=["aX", "aY", "aZ", "gX", "gY", "gZ"], window=119, stride=30,
                        input_shape=[119, 6], input_scale=0.05, input_zero_point=-3, output_scale=1 / 256,
                        output_zero_point=-128, sensor_name="imu", raw_scale=[1 / 4096] * 3 + [1 / 16.4] * 3,
                        norm_offset=[0.1] * 6, norm_scale=[2.0] * 6)  # fmt: skip
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def test_raw_descriptor_uses_this_boards_sensor_id_and_the_folded_affine():
    desc = imu_desc()
    b = board_descriptor(desc, INFO)
    assert (b.sensor_id, b.frontend, b.n_channels, b.window, b.stride) == (3, mm.Frontend.RAW, 6, 119, 30)
    assert b.labels == ("punch", "flex")
    # The board's q = round(v * mul + add) equals the ML layer's quantization of raw values.
    import numpy as np

    raw = np.random.default_rng(0).integers(-30000, 30000, size=(119, 6)).astype(np.float32)
    y = (raw * np.array(b.mul, np.float32) + np.array(b.add, np.float32)).astype(np.float32)
    board_q = np.clip(np.sign(y) * np.floor(np.abs(y) + np.float32(0.5)), -128, 127)  # f32, half away
    assert np.array_equal(board_q.astype(np.int8), quantize_raw_window(raw, desc))
    assert mm.decode_descriptor(mm.encode_descriptor(b)) == b


def test_micro_speech_window_and_stride_become_feature_frames():
    desc = imu_desc(sensor_kind="microphone", sensor_name="mic", frontend="micro_speech", rate_hz=16000.0,
                    channels=["mic"], window=16000, stride=8000, input_shape=[49, 40], input_scale=1.0,
                    input_zero_point=0)  # fmt: skip
    b = board_descriptor(desc, INFO)
    assert (b.sensor_id, b.frontend, b.n_channels, b.window, b.stride, b.mul) == (
        5, mm.Frontend.MICRO_SPEECH, 40, 49, 25, ())


def test_mismatched_boards_are_refused_by_name():
    with pytest.raises(DeployError, match="needs a camera sensor"):
        board_descriptor(imu_desc(sensor_kind="camera", sensor_name="cam", frontend="image"), INFO)
    with pytest.raises(DeployError, match="reads 3 channels .* has 6"):
        board_descriptor(imu_desc(channels=["aX", "aY", "aZ"], raw_scale=[1.0] * 3, norm_offset=[0.0] * 3,
                                  norm_scale=[1.0] * 3), INFO)  # fmt: skip
    with pytest.raises(DeployError, match="front end 'fft'"):
        board_descriptor(imu_desc(frontend="fft"), INFO)


def test_packages_load_from_folders_and_bad_paths_are_named(tmp_path):
    pkg = ModelPackage(b"TFL3-not-really", imu_desc())
    pkg.save(tmp_path / "pkg")
    assert to_board_package(str(tmp_path / "pkg"), INFO).tflite == b"TFL3-not-really"
    assert to_board_package(tmp_path / "pkg" / "model.tflite", INFO).descriptor.sensor_id == 3
    with pytest.raises(DeployError, match="does not exist"):
        to_board_package(tmp_path / "nothing", INFO)
    with pytest.raises(DeployError, match="no trained model"):
        to_board_package(tmp_path, INFO)


@pytest.mark.parametrize("rec_scale", [[1.0] * 6, [1 / 4096] * 3 + [1 / 16.4] * 3, [2e-4] * 6])
def test_a_board_with_other_channel_scales_gets_gains_in_its_own_raw_units(rec_scale):
    """Trained on one scale (an imported float CSV: 1.0; the virtual board: 1/4096), run by a
    board streaming int16 at 1/8192 g and 1/32.8 deg/s: the board's int8 inputs from its own
    raw counts equal the host's quantization of the same physical motion (one int8 step of
    f32 rounding at most)."""
    import dataclasses

    import numpy as np

    from tinystudio.devices.protocol import ChannelInfo

    desc = imu_desc(raw_scale=list(rec_scale))
    board_scales = [1 / 8192] * 3 + [1 / 32.8] * 3
    imu = INFO.sensors[0]
    chans = tuple(ChannelInfo(c.name, c.unit, s) for c, s in zip(imu.channels, board_scales, strict=True))
    info = DeviceInfo("Other board", "fw", sensors=(dataclasses.replace(imu, channels=chans),))
    b = board_descriptor(desc, info)

    rng = np.random.default_rng(1)
    physical = np.concatenate([rng.uniform(-3, 3, (119, 3)), rng.uniform(-500, 500, (119, 3))], axis=1)
    board_raw = np.round(physical / np.array(board_scales)).astype(np.float32)
    y = (board_raw * np.array(b.mul, np.float32) + np.array(b.add, np.float32)).astype(np.float32)
    board_q = np.clip(np.sign(y) * np.floor(np.abs(y) + np.float32(0.5)), -128, 127).astype(np.int8)
    rec_raw = (board_raw * np.array(board_scales) / np.array(rec_scale)).astype(np.float32)  # same motion
    host_q = quantize_raw_window(rec_raw, desc)
    assert np.abs(board_q.astype(int) - host_q.astype(int)).max() <= 1
    assert np.mean(board_q == host_q) > 0.99
    if rec_scale != board_scales:
        assert b.mul != tuple(board_descriptor(desc, INFO).mul)  # really rescaled, not left as trained
