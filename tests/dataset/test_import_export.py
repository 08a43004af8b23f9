"""Import and export through the real CLI, checked bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.dataset.helpers import cli, cli_json
from tinystudio.dataset import Project
from tinystudio.dataset.importers.wav import read_wav, write_wav


def _segments_by_label(project: Project) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    for ls in project.labeled_segments():
        out.setdefault(ls.label, []).append(ls.read())
    for v in out.values():
        v.sort(key=lambda a: a.tobytes())
    return out


@pytest.fixture()
def gestures(tmp_path, punch_csv, flex_csv):
    proj = tmp_path / "gestures"
    for csv, label in ((punch_csv, "punch"), (flex_csv, "flex")):
        out = cli_json("import", proj, csv, "--label", label)
        assert {k: out[k] for k in ("recordings", "segments", "samples")} == {"recordings": 1, "segments": 10, "samples": 1190}
        assert out["skipped"] == [] and out["classes"] == {label: {"train": 0, "test": 0, "unassigned": 1}}
    return proj


def test_imu_capture_import_gives_20_segments_of_119_by_6(gestures, punch_csv):
    project = Project.open(gestures)
    segs = project.labeled_segments()
    assert len(segs) == 20
    assert {ls.label for ls in segs} == {"punch", "flex"}
    for ls in segs:
        x = ls.read()
        assert x.shape == (119, 6)
        assert ls.recording.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
        assert ls.recording.rate_hz == 119.0
        assert ls.recording.units[:3] == ["g", "g", "g"]
    punch = project.recording("punch").read()
    # first data line of the file, parsed independently
    first = [float(v) for v in punch_csv.read_text().splitlines()[1].split(",")]
    assert np.array_equal(punch[0], np.array(first, dtype=np.float32))
    info = cli_json("info", gestures)
    assert info["recordings"] == 2
    assert info["classes"]["punch"] == {"segments": 10, "seconds": pytest.approx(10.0), "train": 0, "test": 0}


@pytest.mark.parametrize("fmt", ["csv", "ei-json"])
def test_export_reimport_is_bit_exact(gestures, tmp_path, fmt):
    out = tmp_path / f"out-{fmt}"
    cli("export", gestures, "--format", fmt, "--out", out)
    again = tmp_path / f"again-{fmt}"
    res = cli_json("import", again, out)
    assert res["segments"] == 20 and res["samples"] == 2380
    a, b = _segments_by_label(Project.open(gestures)), _segments_by_label(Project.open(again))
    assert a.keys() == b.keys() == {"punch", "flex"}
    for label in a:
        assert len(a[label]) == len(b[label]) == 10
        for x, y in zip(a[label], b[label], strict=True):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
    for rec in Project.open(again).recordings():
        assert rec.rate_hz == 119.0


def test_npz_export_windows(gestures, tmp_path):
    cli("split", gestures, "--by", "segment", "--seed", "3")
    out = tmp_path / "npz"
    cli("export", gestures, "--format", "npz", "--out", out)
    (f,) = out.glob("*.npz")
    z = np.load(f)
    assert z["x"].shape == (20, 119, 6) and z["x"].dtype == np.float32
    assert list(z["classes"]) == ["punch", "flex"]
    assert sorted(np.bincount(z["y"]).tolist()) == [10, 10]
    assert set(z["split"].tolist()) == {"train", "test"}


@pytest.mark.parametrize("dtype,bits", [("int8", 8), ("int16", 16), ("int32", 24), ("int32", 32),
                                        ("float32", 32), ("float64", 64)])
def test_wav_formats_roundtrip(tmp_path, dtype, bits):
    rng = np.random.default_rng(bits)
    lim = {8: 127, 16: 32767, 24: 2**23 - 1, 32: 2**31 - 1}.get(bits, 1)
    if dtype.startswith("float"):
        x = rng.uniform(-1, 1, (1001, 3)).astype(dtype)
    else:
        x = rng.integers(-lim - 1, lim, (1001, 3), endpoint=True).astype(dtype)
    src = tmp_path / "class_a"
    src.mkdir()
    write_wav(src / "clip.wav", x, 22050, bits)
    w = read_wav(src / "clip.wav")
    assert w.bits == bits and w.rate == 22050 and np.array_equal(w.samples, x)
    proj = tmp_path / "p"
    assert cli_json("import", proj, tmp_path / "class_a", "--label", "a")["samples"] == 1001
    rec = Project.open(proj).recordings()[0]
    assert rec.sensor_kind == "microphone" and rec.rate_hz == 22050 and rec.n_channels == 3
    phys = rec.read_physical()
    assert np.all(np.abs(phys) <= 1.0 + 1e-6)
    out = tmp_path / "out"
    cli("export", proj, "--format", "wav", "--out", out)
    (f,) = (out / "a").glob("*.wav")
    assert f.read_bytes() == (src / "clip.wav").read_bytes()


def test_micro_speech_wavs_and_folder_labels(tmp_path, micro_speech_dir):
    src = tmp_path / "kws"
    for label, name in (("yes", "yes_1000ms.wav"), ("no", "no_1000ms.wav")):
        (src / label).mkdir(parents=True)
        (src / label / name).write_bytes((micro_speech_dir / name).read_bytes())
    proj = tmp_path / "p"
    out = cli_json("import", proj, src)
    assert {k: out[k] for k in ("recordings", "segments", "samples")} == {"recordings": 2, "segments": 2, "samples": 32000}
    info = cli_json("info", proj)
    assert info["classes"]["yes"]["seconds"] == pytest.approx(1.0)


def test_image_folders(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    src = tmp_path / "imgs"
    arrays = {}
    for label in ("cat", "dog"):
        (src / label).mkdir(parents=True)
        for i in range(3):
            a = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
            Image.fromarray(a).save(src / label / f"{i}.png")
            arrays[(label, f"{i}.png")] = a
    Image.fromarray(rng.integers(0, 255, (24, 32), dtype=np.uint8)).save(src / "dog" / "gray.jpg")
    proj = tmp_path / "p"
    res = cli_json("import", proj, src)
    assert res["segments"] == 7
    project = Project.open(proj)
    cats = [r for r in project.recordings() if r.segments[0].label == "cat"]
    (cat,) = cats
    assert cat.sensor_kind == "camera" and cat.read().shape == (3, 24, 32, 3)
    names = json.loads(cat.attrs["frame_names"])
    for i, n in enumerate(names):
        assert np.array_equal(cat.read(i, i + 1)[0], arrays[("cat", n)])
    gray = [r for r in project.recordings() if r.channel_names == ["gray"]]
    assert len(gray) == 1 and gray[0].read().shape == (1, 24, 32, 1)


def test_csv_with_timestamps_and_semicolons(tmp_path):
    rows = ["time_ms;x;y"] + [f"{i * 10};{i};{-i}" for i in range(50)]
    f = tmp_path / "t.csv"
    f.write_text("\n".join(rows) + "\n")
    proj = tmp_path / "p"
    assert cli_json("import", proj, f, "--label", "move")["samples"] == 50
    rec = Project.open(proj).recordings()[0]
    assert rec.rate_hz == 100.0 and rec.channel_names == ["x", "y"] and rec.dtype == np.int16
    # no header, no timestamps: --rate is required and used
    g = tmp_path / "plain.txt"
    g.write_text("1 2 3\n4 5 6\n\n7 8 9\n")
    bad = cli("import", tmp_path / "q", g, check=False)
    assert bad.returncode != 0 and "--rate" in bad.stderr and str(g) in bad.stderr
    assert cli_json("import", tmp_path / "q", g, "--rate", "50", "--label", "z")["segments"] == 2


def test_csv_label_column_and_timestamp_gaps(tmp_path):
    from tinystudio.dataset.importers.csv_text import parse_csv

    lines = ["timestamp,ax,ay,label"]
    t = 0.0
    for lab in ["up", "down"]:
        for i in range(40):
            lines.append(f"{t:.3f},{i},{-i},{lab if i >= 10 else ''}")
            t += 20.0  # 50 Hz
        lines.append("")
        t += 5000.0  # a pause between blocks must not change the rate
    f = tmp_path / "lab.csv"
    f.write_text("\n".join(lines))
    parsed = parse_csv(f)
    assert parsed.meta.rate_hz == 50.0
    assert parsed.spans == [(10, 40, "up"), (50, 80, "down")]


def test_edge_impulse_label_from_file_name(tmp_path):
    from tinystudio.dataset.importers.others import parse_ei_json

    doc = {"protected": {"ver": "v1", "alg": "none"}, "signature": "0",
           "payload": {"device_type": "X", "interval_ms": 0.0625, "sensors": [{"name": "audio", "units": "wav"}],
                       "values": list(range(-50, 50))}}
    f = tmp_path / "yes.s1234.json"
    f.write_text(json.dumps(doc))
    p = parse_ei_json(f, None, None)
    assert p.meta.rate_hz == 16000.0 and p.meta.sensor_kind == "microphone"
    assert p.spans == [(0, 100, "yes")] and p.samples.dtype == np.int16 and p.samples[0, 0] == -50
