"""Keyword spotting as Cortex-M4 machine code: the board's microphone -> its keyword front
end (ts_kws.c, ts_audio_frontend.c) -> TFLM, and the host agrees (opt-in, needs TFLM_DIR).

The emulated board's microphone is synthetic (qemu_mps2/synth.c). The host records the
same samples from the stream, featurizes each window with pymicro-features and runs the
same model in the host TFLM interpreter: every INFERENCE the board sent must equal it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

TFLM_DIR = os.environ.get("TFLM_DIR", "")
pytestmark = pytest.mark.skipif(
    not TFLM_DIR, reason="TFLM_DIR is not set: these tests need a tflite-micro checkout (docs/emulated-board.md)"
)


@pytest.fixture(scope="module")
def kws_board(tmp_path_factory):
    from tinystudio.boards.emulated import McuBoard, build_image

    elf = build_image(tmp_path_factory.mktemp("tflm_kws"), tflm_dir=TFLM_DIR, kernels="reference")
    board = McuBoard(elf).start(timeout=30)
    yield board
    board.stop()


def test_live_keyword_inference_on_the_board_equals_the_host(kws_board, tflm_models: Path) -> None:
    from tinystudio.deploy.board_package import BoardPackage
    from tinystudio.deploy.inference import InferenceListener
    from tinystudio.deploy.upload import upload_model
    from tinystudio.devices import model_messages as mm
    from tinystudio.devices.session import BoardSession
    from tinystudio.dsp.microfrontend import KeywordFrontend
    from tinystudio.ml.tflm import TflmRunner

    tflite = (tflm_models / "micro_speech_quantized.tflite").read_bytes()
    desc = mm.BoardDescriptor(1, mm.Frontend.MICROFRONTEND, 40, 49, 10, 1.0, 0, 1 / 256, -128,
                              ("silence", "unknown", "yes", "no"))  # fmt: skip
    session = BoardSession.open(kws_board.port, mode="binary", reconnect=False)
    try:
        assert upload_model(session, BoardPackage(tflite, desc, "kws")).verified
        blocks: list[np.ndarray] = []
        session.subscribe(lambda b: blocks.append(np.array(b.samples).reshape(-1)) if b.sensor_id == 1 else None)
        got = threading.Event()
        with InferenceListener(session, desc.labels, history=64,
                               on_result=lambda r: got.set() if r.window_index >= 4 else None) as listener:
            session.start(1)
            assert got.wait(60.0), listener.summary()
            session.stop(1)
            results = listener.latest(5)
        assert session.stats(1).lost_frames == 0
        arena = session.info.arena_bytes
    finally:
        session.close()
    audio = np.concatenate(blocks).astype(np.int16)
    frontend, host = KeywordFrontend(), TflmRunner(tflite, arena_size=arena)
    n = 480 + (desc.window - 1) * 320
    assert len(results) == 5
    for r in results:
        end = n + r.window_index * desc.stride * 320
        assert end <= len(audio)
        features = frontend.features(audio[end - n : end])
        assert features.shape == (49, 40)
        assert r.raw == tuple(int(v) for v in host.run(features)), r.window_index
