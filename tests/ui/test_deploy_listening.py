"""The Deploy page's "listening" state for keyword models (issue 18): real scores of TFLM's
micro_speech model on a looped yes_1000ms.wav, then quiet noise, arrive as INFERENCE
results; the big label shows "listening" -> only "yes" -> "listening", never the raw
top class of a window."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer

from tinystudio.deploy.inference import InferenceResult
from tinystudio.dsp.audio import MicroFrontend, read_wav
from tinystudio.ml.package import ModelDescriptor, ModelPackage
from tinystudio.ml.tflm import TflmRunner

LABELS = ["silence", "unknown", "yes", "no"]
STRIDE = 1600  # 100 ms


def _results(audio, tflite) -> list[InferenceResult]:
    model, fe, out = TflmRunner(tflite, arena_size=64 * 1024), MicroFrontend(), []
    for i, end in enumerate(range(16000, len(audio) + 1, STRIDE)):
        q = np.asarray(model.run(fe.spectrogram(audio[end - 16000: end])), dtype=np.int64).reshape(-1)
        scores = tuple(float(v) for v in (q + 128) / 256)
        top = int(np.argmax(scores))
        out.append(InferenceResult(i, 900, top, scores, tuple(int(v) for v in q), LABELS[top], i))
    return out


class ReplayedListener:
    """What InferenceListener offers the page, holding results that 'arrive' one by one."""

    def __init__(self) -> None:
        self.history, self.total, self.lost, self.mean_latency_us = [], 0, 0, 900.0

    def add(self, r: InferenceResult) -> None:
        self.history.append(InferenceResult(*list(r.__dict__.values())[:-1], received=time.monotonic()))
        self.total += 1

    def latest(self, n: int):
        return self.history[-n:]

    def close(self) -> None:
        pass


def _descriptor() -> ModelDescriptor:
    return ModelDescriptor(labels=LABELS, sensor_kind="microphone", frontend="micro_speech", rate_hz=16000.0,
                           channels=["mic"], window=16000, stride=STRIDE, input_shape=[49, 40],
                           input_scale=1.0, input_zero_point=0, output_scale=1 / 256, output_zero_point=-128,
                           model_name="micro_speech")


def test_keyword_model_shows_listening_then_only_yes_then_listening(qtbot, window, micro_speech_dir, tflm_models):
    from tinystudio.ui.board_model import BoardModel, Holds

    tflite = (tflm_models / "micro_speech_quantized.tflite").read_bytes()
    yes = read_wav(micro_speech_dir / "yes_1000ms.wav")[1]
    quiet = np.random.default_rng(3).normal(0, 30, 16000 * 4).astype(np.int16)
    audio = np.concatenate([quiet[:16000 * 2], np.tile(yes, 6), quiet])
    results = _results(audio, tflite)
    assert len({r.label for r in results}) > 1  # the raw top class does flicker

    page = window.deploy_page
    window.show_page("Deploy")
    page.package = ModelPackage(tflite, _descriptor())
    page._keywords = None
    page.board_model = BoardModel(Holds.UNKNOWN)
    listener = page.listener = ReplayedListener()
    shown: list[str] = []
    pending = list(results)

    def tick() -> None:
        if pending:
            listener.add(pending.pop(0))
            page.refresh()
            shown.append(page.big.text)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(2)
    qtbot.waitUntil(lambda: not pending, timeout=20_000)
    timer.stop()
    runs = [s for i, s in enumerate(shown) if i == 0 or shown[i - 1] != s]
    assert set(shown) == {"listening", "yes"}, runs
    assert runs[0] == "listening" and runs[-1] == "listening" and "yes" in runs
    assert shown[:15] == ["listening"] * 15  # 2 s of quiet before the first yes
    assert shown[-25:] == ["listening"] * 25  # quiet again: back to listening after the hold
    assert page.big.label.text() == "listening …" and "yes" not in page.big.label.text()
    page.listener = None
