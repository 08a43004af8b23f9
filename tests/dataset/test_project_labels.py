"""Project file, label operations with undo/redo, the HDF5 label copy, splits, autoseg."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from tinystudio.dataset import Project, RecordingMeta, Segment
from tinystudio.dataset import labels as L
from tinystudio.dataset.autoseg import propose_motion, propose_voice
from tinystudio.dataset.recording import write_recording
from tinystudio.dataset.splits import make_split, summarize


def _add(project: Project, name: str, n: int, subject: str = "", label: str | None = None, rate=100.0):
    rid, path = project.new_recording_path(name)
    x = np.arange(n * 2, dtype=np.int16).reshape(n, 2)
    meta = RecordingMeta("imu", ["a", "b"], rate, "int16", scale=[0.5, 0.25], units=["g", "g"], subject=subject)
    write_recording(path, x, meta, [Segment.new(0, n, label)] if label else [])
    return project.add_recording(path)


def test_readable_with_only_h5py_and_numpy(tmp_path):
    """The ten-line reader from docs/dataset-format.md."""
    p = Project.create(tmp_path / "p")
    rec = _add(p, "r", 300, label="wave")
    p.save()
    with h5py.File(rec.path, "r") as f:
        x = f["samples"][:]
        phys = x * f.attrs["scale"]
        names = list(f.attrs["channel_names"])
        rate = f.attrs["rate_hz"]
        seg = f["segments"]
        spans = list(zip(seg["start"][:], seg["end"][:], seg["label"].asstr()[:], strict=True))
    assert names == ["a", "b"] and rate == 100.0 and phys[1, 0] == 1.0
    assert spans == [(0, 300, "wave")]
    assert x.shape == (300, 2) and x.dtype == np.int16


def test_label_ops_undo_redo_and_persistence(tmp_path):
    p = Project.create(tmp_path / "p")
    p.add_class("left", "#ff0000")
    rec = _add(p, "r", 1000)
    stack = L.UndoStack(p)
    stack.push(L.add_segment(p, rec.id, 100, 200, "left"))
    stack.push(L.add_segment(p, rec.id, 500, 650, "right"))
    seg = p.segments(rec.id)[0]
    stack.push(L.move_segment(p, rec.id, seg.id, 50))
    stack.push(L.resize_segment(p, rec.id, seg.id, 140, 300))
    assert [(s.start, s.end, s.label) for s in p.segments(rec.id)] == [(140, 300, "left"), (500, 650, "right")]
    stack.undo()
    assert [(s.start, s.end) for s in p.segments(rec.id)] == [(150, 250), (500, 650)]
    stack.redo()
    right = p.segments(rec.id)[1]
    stack.push(L.delete_segment(p, rec.id, right.id))
    assert len(p.segments(rec.id)) == 1
    stack.undo()
    assert p.segments(rec.id)[1] == right  # the same id comes back
    stack.push(L.relabel_segment(p, rec.id, right.id, "left"))
    p.save()
    # "right" lost its last segment: a class exists while a segment uses it (issue 21)
    assert p.classes == ["left"] and p.class_colors["left"] == "#ff0000"
    again = Project.open(p.path)
    assert again.segments(rec.id) == p.segments(rec.id)
    with h5py.File(rec.path, "r") as f:  # the copy inside the HDF5 file follows
        assert list(f["segments/label"].asstr()[:]) == ["left", "left"]
    stack.push(L.label_whole(p, rec.id, "all"))
    p.save(sync_recordings=False)  # fast path for an editor: JSON only
    assert p.unsynced_recordings == [rec.id]
    with h5py.File(rec.path, "r") as f:
        assert list(f["segments/label"].asstr()[:]) == ["left", "left"]
    p.sync_recordings()
    with h5py.File(rec.path, "r") as f:
        assert list(f["segments/label"].asstr()[:]) == ["all"]
    assert [(s.start, s.end) for s in p.segments(rec.id)] == [(0, 1000)]
    with pytest.raises(Exception, match="outside"):
        L.resize_segment(p, rec.id, p.segments(rec.id)[0].id, 0, 5000).apply(p)


def test_json_is_the_label_authority_after_a_crash_between_saves(tmp_path):
    p = Project.create(tmp_path / "p")
    rec = _add(p, "r", 100, label="a")
    p.save()
    # Simulate a crash after the JSON was written but before the HDF5 copy was refreshed:
    data = json.loads(p.json_path.read_text())
    data["recordings"][rec.id]["segments"][0]["label"] = "b"
    p.json_path.write_text(json.dumps(data))
    again = Project.open(p.path)
    assert again.segments(rec.id)[0].label == "b"
    with h5py.File(rec.path, "r") as f:
        assert list(f["segments/label"].asstr()[:]) == ["b"]


def test_dropped_in_recording_is_adopted_with_its_labels(tmp_path):
    a = Project.create(tmp_path / "a")
    rec = _add(a, "shared", 50, label="jump")
    a.save()
    b = Project.create(tmp_path / "b")
    (b.recordings_dir / "shared.h5").write_bytes(rec.path.read_bytes())
    again = Project.open(b.path)
    assert [s.label for s in again.segments("shared")] == ["jump"] and "jump" in again.classes
    assert any("adopted" in r for r in again.repairs)


def test_settings_persist_and_models_dir_reserved(tmp_path):
    p = Project.create(tmp_path / "p")
    p.settings["training"] = {"epochs": 3}
    p.save()
    assert Project.open(p.path).settings == {"training": {"epochs": 3}}
    assert (p.path / "models").is_dir()
    assert not list(p.path.glob(".*tmp*"))  # atomic write leaves no temp file


def test_splits_stratified_reproducible_and_holdout(tmp_path):
    p = Project.create(tmp_path / "p")
    for i in range(10):
        _add(p, f"a{i}", 100, subject="ann" if i < 2 else "bob", label="up")
        _add(p, f"d{i}", 100, subject="ann" if i < 2 else "bob", label="down")
    first = make_split(p, 0.2, seed=7)
    assert make_split(p, 0.2, seed=7) == first
    assert make_split(p, 0.2, seed=8) != first
    s = summarize(p)
    assert s.classes["up"]["test"] == 2 and s.classes["down"]["test"] == 2
    assert s.splits == {"train": 16, "test": 4, "unassigned": 0}
    make_split(p, 0.2, seed=1, holdout_subject="ann")
    test_ids = {ls.recording.id for ls in p.labeled_segments("test")}
    assert test_ids == {"a0", "a1", "d0", "d1"}
    make_split(p, 0.5, seed=1, by="segment")
    assert len(p.labeled_segments("test")) == 10


def test_summary_warns_about_few_and_unbalanced(tmp_path):
    p = Project.create(tmp_path / "p")
    for i in range(8):
        _add(p, f"a{i}", 400, label="big")
    _add(p, "s", 100, label="small")
    make_split(p, 0.25, seed=0)
    s = summarize(p)
    w = " ".join(s.warnings)
    assert "'small' has only 1" in w and "unbalanced" in w
    # one recording of 'small': its last quarter is its test part (split by time), said so
    assert any("'small'" in n and "split by time" in n for n in s.notes)
    assert s.classes["small"]["test_seconds"] == 0.25 and s.classes["small"]["test"] == 1
    make_split(p, 0.0, seed=0)
    assert "no segments in test" in " ".join(summarize(p).warnings)


def test_autoseg_motion_like_imu_capture_and_voice():
    rate = 119.0
    x = np.zeros((2000, 6))
    x[:, 2] = 1.0  # gravity: 1 g at rest
    for onset in (300, 900, 1500):
        x[onset : onset + 60, 0] = 3.0
    fixed = propose_motion(x, rate, pre_s=10 / rate, length_s=119 / rate)  # 1.5 g of motion, gravity removed
    assert [(p.start, p.end) for p in fixed] == [(290, 409), (890, 1009), (1490, 1609)]
    var = propose_motion(x, rate, pre_s=0, length_s=None)
    assert [(p.start, p.end) for p in var] == [(300, 360), (900, 960), (1500, 1560)]
    sr = 16000
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.001, sr * 3)
    audio[sr : sr + 8000] += 0.3 * np.sin(np.arange(8000) * 2 * np.pi * 440 / sr)
    (seg,) = propose_voice(audio, sr, pre_s=0.0, hangover_s=0.1)
    assert abs(seg.start - sr) <= 320 and abs(seg.end - (sr + 8000)) <= 320
    (kws,) = propose_voice(audio, sr, pre_s=0.1, length_s=1.0)
    assert kws.end - kws.start == sr and abs(kws.start - (sr - 1600)) <= 320


def test_segment_split_is_the_same_for_the_same_data_and_seed_in_fresh_projects(tmp_path, punch_csv, flex_csv):
    """Segment ids are random per import; the split must not depend on them."""
    import subprocess
    import sys

    from tinystudio.dataset import Project

    splits = []
    for name in ("a", "b"):
        project = tmp_path / name
        subprocess.run([sys.executable, "-m", "tinystudio", "import", str(project), str(punch_csv),
                        "--label", "punch"], check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "tinystudio", "import", str(project), str(flex_csv),
                        "--label", "flex"], check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "tinystudio", "split", str(project), "--by", "segment",
                        "--seed", "7"], check=True, capture_output=True)
        p = Project.open(project)
        splits.append(sorted((ls.recording.id, ls.start, ls.split) for ls in p.labeled_segments()))
    assert splits[0] == splits[1]
    assert {s for *_, s in splits[0]} == {"train", "test"}
