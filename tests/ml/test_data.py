"""Cutting examples from projects (no TensorFlow involved)."""

import numpy as np

from tinystudio.dataset import Project
from tinystudio.ml import data as D

from .conftest import synth_keyword, write_wav


def test_long_audio_segments_give_one_clip_per_half_second(tmp_path):
    from tinystudio.dataset.importers import import_paths

    rng = np.random.default_rng(0)
    write_wav(tmp_path / "clips" / "noise" / "long.wav",
              np.concatenate([synth_keyword("noise", rng) for _ in range(3)])[:40000])
    write_wav(tmp_path / "clips" / "up" / "short.wav", synth_keyword("up", rng)[:9000])
    import_paths(tmp_path / "p", [tmp_path / "clips"])
    project = Project.open(tmp_path / "p")
    spec = D.data_spec(project)
    ex = D.extract(project, spec, None)
    assert spec.window == 16000 and spec.stride == 8000
    assert sorted(ex.labels) == ["noise"] * 4 + ["up"]  # 2.5 s -> starts 0, .5, 1, 1.5 s
    assert ex.x.shape == (5, 16000) and ex.x.dtype == np.int16
    short = ex.x[ex.labels.index("up")]
    assert (short[9000:] == 0).all()  # padded with silence like TFLM's micro_speech


def test_imu_window_in_ms_and_default_from_segments(punch_flex_project):
    project = Project.open(punch_flex_project)
    spec = D.data_spec(project)
    assert (spec.window, spec.stride) == (119, 29)  # median labeled gesture, quarter stride
    spec = D.data_spec(project, {"window_ms": 500, "stride_ms": 250})
    assert (spec.window, spec.stride) == (60, 30)
    ex = D.extract(project, spec, None)
    assert ex.x.shape[1:] == (60, 6)
    assert len(ex.labels) == 20 * 2  # 119-sample gestures: full windows start at 0 and 30 only
