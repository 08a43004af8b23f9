"""Streaming recognition on real scores: TFLM's micro_speech model, its own front end,
a looped yes_1000ms.wav and silence (tinystudio/deploy/recognize.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tinystudio.deploy.recognize import RecognitionSettings, Recognizer
from tinystudio.dsp.audio import MicroFrontend, read_wav
from tinystudio.ml.tflm import TflmRunner

LABELS = ("silence", "unknown", "yes", "no")
STRIDE = 1600  # 100 ms


def stream_scores(audio: np.ndarray, tflm_models) -> list[tuple[float, np.ndarray]]:
    model = TflmRunner((tflm_models / "micro_speech_quantized.tflite").read_bytes(), arena_size=64 * 1024)
    fe, out = MicroFrontend(), []
    for end in range(16000, len(audio) + 1, STRIDE):
        q = np.asarray(model.run(fe.spectrogram(audio[end - 16000 : end])), dtype=np.float64).reshape(-1)
        out.append((1000.0 * end / 16000, (q + 128) / 256))
    return out


def test_looped_yes_gives_only_yes_detections_and_raw_scores_do_flicker(micro_speech_dir, tflm_models):
    yes = read_wav(micro_speech_dir / "yes_1000ms.wav")[1]
    looped = np.tile(yes, 6)
    scores = stream_scores(looped, tflm_models)
    raw = {LABELS[int(np.argmax(s))] for _, s in scores}
    assert len(raw) > 1  # the raw top class is not only "yes": what the recognizer smooths
    rec = Recognizer(LABELS)
    found = [d for t, s in scores if (d := rec.update(t, s))]
    assert len(found) >= 3 and {d.label for d in found} == {"yes"}  # 6 s of yes, 1.5 s suppression
    assert all(b.time_ms - a.time_ms >= rec.settings.suppression_ms for a, b in zip(found, found[1:], strict=False))


def test_silence_stays_listening(tflm_models):
    rng = np.random.default_rng(3)
    quiet = rng.normal(0, 30, 16000 * 4).astype(np.int16)
    rec = Recognizer(LABELS)
    assert [d for t, s in stream_scores(quiet, tflm_models) if (d := rec.update(t, s))] == []


def test_minimum_count_threshold_and_bad_input():
    rec = Recognizer(("yes", "no", "silence"), RecognitionSettings(1000, 0.6, 500, 3))
    sure = np.array([0.9, 0.05, 0.05])
    assert rec.update(0, sure) is None and rec.update(100, sure) is None  # 2 < minimum count
    d = rec.update(200, sure)
    assert d is not None and d.label == "yes" and d.score == pytest.approx(0.9)
    assert rec.update(300, sure) is None  # suppressed
    assert rec.update(800, sure) is not None  # suppression over
    assert Recognizer(("silence", "noise")).update(0, [1.0, 0.0]) is None
    with pytest.raises(ValueError):
        rec.update(900, [1.0])
    with pytest.raises(ValueError):
        RecognitionSettings(threshold=1.5)
