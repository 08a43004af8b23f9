"""Deploy-test fixtures: virtual boards over real ptys, real int8 models, host sessions."""

from __future__ import annotations

import pytest

from tinystudio.boards.virtual.board import SimConfig, build_board
from tinystudio.deploy.board_package import BoardPackage
from tinystudio.devices import model_messages as mm
from tinystudio.devices.session import BoardSession

MICRO_SPEECH_DESC = mm.BoardDescriptor(
    sensor_id=1, frontend=mm.Frontend.MICRO_SPEECH, n_channels=40, window=49, stride=25,
    input_scale=1.0, input_zero_point=0, output_scale=1 / 256, output_zero_point=-128,
    labels=("silence", "unknown", "yes", "no"),
)  # fmt: skip


@pytest.fixture(scope="session")
def micro_speech_package(tflm_models) -> BoardPackage:
    """TFLM's micro_speech model (18,800 bytes): the ~20 KB upload case."""
    data = (tflm_models / "micro_speech_quantized.tflite").read_bytes()
    return BoardPackage(data, MICRO_SPEECH_DESC, "micro_speech")


@pytest.fixture(scope="session")
def hello_package(tflm_models) -> BoardPackage:
    data = (tflm_models / "hello_world_int8.tflite").read_bytes()
    desc = mm.BoardDescriptor(0, mm.Frontend.RAW, 1, 1, 1, 0.02448012, -128, 0.00829096, 5, ("y",),
                              (0.01,), (-128.0,))  # fmt: skip
    return BoardPackage(data, desc, "hello_world")


@pytest.fixture(scope="session")
def imu_package(tmp_path_factory) -> BoardPackage:
    """A real 20 KB dense int8 model on 40 x 6 raw IMU samples, stride 20."""
    from tinystudio.deploy.sample_models import dense_model_tflite, imu_descriptor

    cache = tmp_path_factory.getbasetemp() / "imu20k.tflite"
    if not cache.exists():
        cache.write_bytes(dense_model_tflite(20_000))
    data = cache.read_bytes()
    return BoardPackage(data, imu_descriptor(data, labels=("idle", "wave", "circle", "punch")), "imu20k")


@pytest.fixture(scope="session")
def big_package(tmp_path_factory) -> BoardPackage:
    """A real ~250 KB int8 model (fits the 256 KiB slot of the virtual board)."""
    from tinystudio.deploy.sample_models import dense_model_tflite, imu_descriptor

    cache = tmp_path_factory.getbasetemp() / "dense250k.tflite"
    if not cache.exists():
        cache.write_bytes(dense_model_tflite(250_000))
    data = cache.read_bytes()
    return BoardPackage(data, imu_descriptor(data), "dense250k")


@pytest.fixture
def make_board():
    """``make_board(baud=None, sensors=("imu",), replay=None)`` -> a started virtual board."""
    boards = []

    def make(baud=None, sensors=("imu",), replay=None, board="virtual", gesture=None):
        b = build_board(SimConfig(sensors=sensors, replay=replay, baud=baud, board=board, gesture=gesture))
        b.start()
        boards.append(b)
        return b

    yield make
    for b in boards:
        b.stop()


@pytest.fixture
def connect():
    sessions = []

    def open_session(board, baud=None):
        s = BoardSession.open(board.port, baud or board.link.baud or 115200, mode="binary", reconnect=False)
        sessions.append(s)
        return s

    yield open_session
    for s in sessions:
        s.close()


@pytest.fixture
def spawn_sim():
    """``spawn_sim(*args)`` -> port of `tinystudio sim` running in its own process (as users run it)."""
    import subprocess
    import sys

    procs = []

    def spawn(*args: str) -> str:
        proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "sim", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            proc.kill()
            raise RuntimeError(f"tinystudio sim did not start: {line!r} {proc.stderr.read()[-2000:]}")
        return line.split(None, 1)[1].strip()

    yield spawn
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def image_package(tmp_path_factory) -> BoardPackage:
    """A real int8 conv model on 16 x 16 gray images (pixels 0..255), 3 classes."""
    import os

    import numpy as np

    cache = tmp_path_factory.getbasetemp() / "image16.tflite"
    if not cache.exists():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Rescaling(1 / 255.0),
                                  keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")])
        rng = np.random.default_rng(0)
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ([rng.uniform(0, 255, (1, 16, 16, 1)).astype(np.float32)]
                                               for _ in range(16))
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
        cache.write_bytes(conv.convert())
    data = cache.read_bytes()
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data, arena_size=64 * 1024)
    qi = interp.get_input_details(0)["quantization_parameters"]
    qo = interp.get_output_details(0)["quantization_parameters"]
    desc = mm.BoardDescriptor(2, mm.Frontend.IMAGE, 1, 1, 2, float(qi["scales"][0]), int(qi["zero_points"][0]),
                              float(qo["scales"][0]), int(qo["zero_points"][0]), ("disc", "edge", "none"))
    return BoardPackage(data, desc, "image16")
