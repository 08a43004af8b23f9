"""Windows for continuous data: defaults from the labels, short recordings skipped by name,
and time-cut parts whose windows never cross the cut (no TensorFlow needed)."""

import numpy as np

from tinystudio.dataset import Project
from tinystudio.dataset.recording import RecordingMeta, write_recording
from tinystudio.dataset.segments import Segment
from tinystudio.dataset.splits import make_split, segment_parts
from tinystudio.ml import data as D


def add(project, name, n, label, rate=50.0, subject=""):
    rid, path = project.new_recording_path(name)
    rng = np.random.default_rng(len(name) + n)
    x = rng.integers(-100, 100, size=(n, 3)).astype(np.int16)
    meta = RecordingMeta("imu", ["ax", "ay", "az"], rate, "int16", scale=[0.01] * 3,
                         units=["g"] * 3, subject=subject)
    write_recording(path, x, meta, [Segment.new(0, n, label)])
    return project.add_recording(path)


def test_default_window_keeps_gestures_and_cuts_continuous_data():
    # gesture-length labels (~1 s): one window a typical gesture long, quarter stride
    assert D.default_window([119, 120, 118], 119.0) == (119, 29)
    # whole-recording labels (10 s at 62.5 Hz): 2 s windows every 0.5 s
    assert D.default_window([625, 625, 625], 62.5) == (125, 31)


def test_short_recording_is_skipped_and_named(tmp_path):
    p = Project.create(tmp_path / "p")
    for i in range(3):
        add(p, f"wave{i}", 500, "wave")
        add(p, f"idle{i}", 500, "idle")
    add(p, "tiny", 50, "idle")  # 1 s among 10 s recordings
    p.save()
    spec = D.data_spec(p, {})
    assert (spec.window, spec.stride) == (100, 25)
    ex = D.extract(p, spec, None)
    assert len(ex.skipped) == 1 and ex.skipped[0].startswith("tiny (1.00 s)")
    assert "tiny (1.00 s)" in D.skipped_message(spec, ex.skipped)
    assert len(ex.labels) == 6 * 17 and not any(s.startswith("tiny:") for s in ex.sources)


def test_time_cut_windows_stay_on_their_side(tmp_path):
    p = Project.create(tmp_path / "p")
    add(p, "wave", 500, "wave")
    add(p, "idle", 500, "idle")
    make_split(p, 0.2, seed=0)  # one recording per class: split by time
    cuts = p.split_config["time_cuts"]
    assert len(cuts) == 2 and all(v == 400 for v in cuts.values())
    spec = D.data_spec(p, {"window": 50, "stride": 25})
    train, test = D.extract(p, spec, "train"), D.extract(p, spec, "test")
    assert sorted(set(test.labels)) == ["idle", "wave"] == sorted(set(train.labels))
    for ex, lo, hi in ((train, 0, 400), (test, 400, 500)):
        starts = [int(s.split(":")[1]) for s in ex.sources]
        assert min(starts) >= lo and max(starts) + 50 <= hi
    assert not set(train.groups) & set(test.groups)
    assert {pt.split for pt in segment_parts(p)} == {"train", "test"}
