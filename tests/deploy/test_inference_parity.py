"""On-board inference on the virtual board's own stream, and host/board parity via RUN_INPUT."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from tinystudio.deploy.inference import InferenceListener
from tinystudio.deploy.parity import run_on_board, verify_parity
from tinystudio.deploy.upload import upload_model
from tinystudio.errors import DeployError
from tinystudio.ml.package import quantize_raw_window
from tinystudio.ml.tflm import TflmRunner


def test_board_infers_on_its_own_stream_exactly_as_the_host_would(make_board, connect, imu_package):
    board = make_board(baud=115200, gesture="punch")
    session = connect(board)
    upload_model(session, imu_package)
    desc = imu_package.descriptor
    blocks = []
    session.subscribe(lambda b: blocks.append(np.array(b.samples)) if b.sensor_id == 0 else None)
    got = threading.Event()
    with InferenceListener(session, desc.labels, history=64,
                           on_result=lambda r: got.set() if r.window_index >= 9 else None) as listener:
        session.start(0)
        assert got.wait(5.0), listener.summary()
        session.stop(0)
        time.sleep(0.2)
        results = list(listener.history)
    assert [r.window_index for r in results] == list(range(len(results)))
    assert all(r.latency_us > 0 for r in results)
    assert listener.lost == 0 and listener.malformed == 0
    # Windows of the stream the host received, cut and quantized by the ML layer's own code.
    samples = np.concatenate(blocks)
    host = TflmRunner(imu_package.tflite, arena_size=session.info.arena_bytes)
    affine = SimpleNamespace(input_gain=list(desc.mul), input_bias=list(desc.add))
    for r in results[:10]:
        start = r.window_index * desc.stride
        x = quantize_raw_window(samples[start : start + desc.window], affine)
        expected = host.run(x)
        assert r.raw == tuple(int(v) for v in expected), r.window_index
        assert r.label == desc.labels[int(np.argmax(expected))]
        assert sum(r.scores) == pytest.approx(1.0, abs=0.05)


def test_results_arrive_at_the_stride_rate(make_board, connect, imu_package):
    board = make_board(baud=921600)
    session = connect(board)
    upload_model(session, imu_package)
    with InferenceListener(session, imu_package.labels) as listener:
        session.start(0)
        time.sleep(3.0)
        session.stop(0)
        n = listener.total
    expected = (3.0 * 119 - imu_package.descriptor.window) / imu_package.descriptor.stride + 1
    assert 0.6 * expected <= n <= 1.2 * expected, (n, expected)


def test_parity_on_random_inputs_multi_chunk_and_single(make_board, connect, micro_speech_package, imu_package):
    board = make_board()
    session = connect(board)
    rng = np.random.default_rng(1)
    upload_model(session, micro_speech_package)  # 1960-byte input: two RUN_INPUT frames
    x = rng.integers(-128, 128, size=(6, 49, 40), dtype=np.int8)
    result = verify_parity(session, micro_speech_package, inputs=x)
    assert (result.windows, result.mismatches, result.max_abs_diff) == (6, 0, 0)
    upload_model(session, imu_package)
    x = rng.integers(-128, 128, size=(8, 40, 6), dtype=np.int8)
    assert verify_parity(session, imu_package, inputs=x).mismatches == 0


def test_parity_catches_a_board_that_computes_differently(make_board, connect, imu_package):
    board = make_board()
    session = connect(board)
    upload_model(session, imu_package)
    model = board.model_service.slot.active.model
    honest = model.run

    def off_by_one(x):  # a board whose kernels round differently in one output
        y, us = honest(x)
        y = y.copy()
        y[0] = np.int8(max(-128, int(y[0]) - 1))
        return y, us

    model.run = off_by_one
    x = np.random.default_rng(2).integers(-128, 128, size=(5, 40, 6), dtype=np.int8)
    result = verify_parity(session, imu_package, inputs=x)
    assert result.mismatches >= 4 and result.max_abs_diff == 1


def test_parity_refuses_a_board_without_or_with_another_model(make_board, connect, imu_package, hello_package):
    board = make_board()
    session = connect(board)
    x = np.zeros((1, 40, 6), dtype=np.int8)
    with pytest.raises(DeployError, match="flash"):
        verify_parity(session, imu_package, inputs=x)
    with pytest.raises(DeployError, match="NO_MODEL"):
        run_on_board(session, x)
    upload_model(session, hello_package)
    with pytest.raises(DeployError, match="runs a different model"):
        verify_parity(session, imu_package, inputs=x)


def test_keyword_model_on_the_live_microphone_matches_the_host_front_end(make_board, connect, micro_speech_package):
    """MICRO_SPEECH front end: the board featurizes its own audio; the host's dsp code agrees."""
    from tinystudio.dsp.audio import MicroFrontend

    board = make_board(sensors=("mic",))
    session = connect(board, baud=921600)
    upload_model(session, micro_speech_package)
    desc = micro_speech_package.descriptor
    blocks = []
    session.subscribe(lambda b: blocks.append(np.array(b.samples).reshape(-1)) if b.sensor_id == desc.sensor_id else None)
    got = threading.Event()
    with InferenceListener(session, desc.labels,
                           on_result=lambda r: got.set() if r.window_index >= 2 else None) as listener:
        session.start(desc.sensor_id)
        assert got.wait(10.0), listener.summary()
        session.stop(desc.sensor_id)
        results = listener.latest(3)
    assert session.stats(desc.sensor_id).lost_frames == 0
    audio = np.concatenate(blocks).astype(np.int16)
    frontend = MicroFrontend()
    host = TflmRunner(micro_speech_package.tflite, arena_size=session.info.arena_bytes)
    n = 480 + (desc.window - 1) * 320
    for r in results:
        start = r.window_index * desc.stride * 320
        features = frontend.features(audio[start : start + n])
        assert features.shape == (49, 40)
        assert r.raw == tuple(int(v) for v in host.run(features)), r.window_index


def test_image_model_on_the_live_camera_matches_the_host_image_prep(make_board, connect, image_package):
    """IMAGE front end: the board resizes and quantizes its own frames as the ML layer does."""
    from tinystudio.dsp.image import prepare_image
    from tinystudio.ml.package import quantize_float

    board = make_board(sensors=("camera",))
    session = connect(board, baud=921600)
    upload_model(session, image_package)
    desc = image_package.descriptor
    frames = []
    session.subscribe(lambda b: frames.extend(np.array(b.samples)) if b.sensor_id == desc.sensor_id else None)
    got = threading.Event()
    with InferenceListener(session, desc.labels,
                           on_result=lambda r: got.set() if r.window_index >= 3 else None) as listener:
        session.start(desc.sensor_id)
        assert got.wait(10.0), listener.summary()
        session.stop(desc.sensor_id)
        results = listener.latest(4)
    host = TflmRunner(image_package.tflite, arena_size=session.info.arena_bytes)
    for r in results:
        frame = frames[(r.window_index + 1) * desc.stride - 1]  # every stride-th frame
        x = quantize_float(prepare_image(frame, 16, 16, 1), desc.input_scale, desc.input_zero_point)
        assert r.raw == tuple(int(v) for v in host.run(x)), r.window_index
