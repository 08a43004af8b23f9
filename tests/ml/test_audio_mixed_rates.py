"""A keyword folder with 48 kHz WAVs among 16 kHz ones trains without manual work: every
clip is resampled to the front end's 16 kHz and the training report says which."""

from __future__ import annotations

import wave

import numpy as np

from tinystudio.dataset.importers import import_paths
from tinystudio.dataset.project import Project
from tinystudio.ml import data as D


def _wav(path, rate: int, freq: float) -> None:
    t = np.arange(rate) / rate
    x = (8000 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())


def test_16_and_48_khz_clips_become_one_16_khz_dataset(tmp_path):
    for label, freq in (("low", 300.0), ("high", 2500.0)):
        folder = tmp_path / "clips" / label
        folder.mkdir(parents=True)
        for i, rate in enumerate((16000, 16000, 48000)):
            _wav(folder / f"{label}{i}.wav", rate, freq * (1 + 0.05 * i))
        import_paths(tmp_path / "p", [folder], label=label)
    project = Project.open(tmp_path / "p")
    spec = D.data_spec(project)
    assert spec.frontend == "microfrontend" and spec.rate_hz == 16000
    assert sorted(spec.resampled.values()) == [48000.0, 48000.0]
    assert "resampled 2 recording(s) (48000 Hz) to the project's 16000 Hz" in D.resampled_message(spec)
    ex = D.extract(project, spec, None)
    assert len(ex.labels) == 6 and ex.x.shape == (6, 16000)
    feats = D.frontend_inputs(spec, ex.x)
    assert feats.shape == (6, 49, 40)
    # the resampled 48 kHz tone lands in the same filterbank channels as its 16 kHz siblings
    peak = {src: int(np.argmax(f[10:40].astype(float).mean(axis=0))) for src, f in zip(ex.sources, feats, strict=True)}
    by_label = {lab: {peak[s] for s, la in zip(ex.sources, ex.labels, strict=True) if la == lab} for lab in ("low", "high")}
    assert max(by_label["low"]) < min(by_label["high"]), by_label
