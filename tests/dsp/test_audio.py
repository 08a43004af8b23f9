import numpy as np
import pytest

from tinystudio.dsp import audio
from tinystudio.errors import DatasetError


@pytest.fixture(scope="module")
def yes_clip(micro_speech_dir):
    rate, samples = audio.read_wav(micro_speech_dir / "yes_1000ms.wav")
    assert rate == 16000
    return samples


def test_spectrogram_is_49_by_40_int8_per_second(yes_clip):
    fe = audio.MicroFrontend()
    spec = fe.spectrogram(yes_clip)
    assert spec.shape == (49, 40) and spec.dtype == np.int8
    assert spec.max() > spec.min()


def test_every_clip_starts_from_a_reset_state(yes_clip):
    fe = audio.MicroFrontend()
    a = fe.spectrogram(yes_clip)
    fe.frame(yes_clip[:480])  # advance the stateful front end
    b = fe.spectrogram(yes_clip)
    assert (a == b).all()


def test_front_end_is_stateful_across_frames(yes_clip):
    fe = audio.MicroFrontend()
    fe.reset()
    frame = yes_clip[8000:8480]
    first = fe.frame(frame)
    repeats = [fe.frame(frame) for _ in range(20)]
    assert any((r != first).any() for r in repeats)  # noise estimate / PCAN adapt


def test_short_clips_are_padded_to_one_second(yes_clip):
    spec = audio.MicroFrontend().spectrogram(yes_clip[:4000])
    assert spec.shape == (49, 40)


def test_bad_wav_names_the_file(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF1234WAVEjunk")
    with pytest.raises(DatasetError, match="bad.wav"):
        audio.read_wav(bad)


def test_resample_keeps_duration():
    x = (np.sin(np.arange(8000) / 5) * 1000).astype(np.int16)
    assert len(audio.resample_int16(x, 8000, 16000)) == 16000
