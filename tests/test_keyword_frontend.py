"""The host keyword front end (tinystudio/dsp/microfrontend.py): shape, streaming, scale."""

from __future__ import annotations

import numpy as np

from tinystudio.dsp import microfrontend as mf
from tinystudio.dsp.audio import read_wav
from tinystudio.resources import RESOURCES_DIR

YES = RESOURCES_DIR / "examples" / "micro_speech" / "yes_1000ms.wav"


def test_one_second_is_49_frames_of_40_and_yes_differs_from_silence():
    fe = mf.KeywordFrontend()
    yes = fe.spectrogram(read_wav(YES)[1])
    silence = fe.spectrogram(np.zeros(16000, np.int16))
    assert yes.shape == silence.shape == (49, 40) and yes.dtype == np.int8
    assert (silence == -128).all()
    assert yes.max() > 50 and (yes != silence).sum() > 500


def test_streaming_in_odd_pieces_equals_the_clip_from_a_reset_state():
    audio = read_wav(YES)[1]
    fe = mf.KeywordFrontend()
    whole = fe.features(audio)
    fe.reset()
    parts = [fe.feed(audio[i : i + 97]) for i in range(0, len(audio), 97)]
    assert np.array_equal(np.vstack(parts), whole)
    assert np.array_equal(mf.KeywordFrontend().features(audio), whole)  # reset really resets


def test_int8_conversion_is_micro_speechs():
    """q = (v * 256 + 333) // 666 - 128, clamped (TFLM micro_speech's feature provider)."""
    v = np.array([0, 1, 2, 333, 500, 665, 666, 60000])
    assert mf.to_int8(v).tolist() == [-128, -128, -127, 0, 64, 127, 127, 127]
