"""MICROFRONTEND on the virtual board: it featurizes its own microphone with the keyword
front end, and the host (pymicro-features + host TFLM) agrees on every window."""

from __future__ import annotations

import threading

import numpy as np

from tinystudio.deploy.board_package import BoardPackage
from tinystudio.deploy.inference import InferenceListener
from tinystudio.deploy.upload import upload_model
from tinystudio.devices import model_messages as mm
from tinystudio.dsp.microfrontend import KeywordFrontend
from tinystudio.ml.tflm import TflmRunner


def test_keyword_windows_on_the_live_microphone_match_the_host(make_board, connect, tflm_models):
    tflite = (tflm_models / "micro_speech_quantized.tflite").read_bytes()
    desc = mm.BoardDescriptor(1, mm.Frontend.MICROFRONTEND, 40, 49, 25, 1.0, 0, 1 / 256, -128,
                              ("silence", "unknown", "yes", "no"))  # fmt: skip
    board = make_board(sensors=("mic",))
    session = connect(board, baud=921600)
    upload_model(session, BoardPackage(tflite, desc, "kws"))
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
    frontend = KeywordFrontend()
    host = TflmRunner(tflite, arena_size=session.info.arena_bytes)
    n = 480 + (desc.window - 1) * 320
    assert len(results) == 3
    for r in results:
        start = r.window_index * desc.stride * 320
        features = frontend.features(audio[start : start + n])
        assert features.shape == (49, 40)
        assert r.raw == tuple(int(v) for v in host.run(features)), r.window_index
