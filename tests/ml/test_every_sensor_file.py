"""Every kind of sensor file trains (issue 22), on generated files that look like the
ones that did not: headerless ``x,y,z`` CSVs (a "generic" sensor, rate only in a comment
line), and logger CSVs whose millisecond timestamps measure 333-349 Hz with gaps and that
carry a ``count`` column. Training is real (TensorFlow, int8, TFLM), kept short."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.dataset.helpers import cli, cli_env
from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths

CLASSES = {"idle": (0.5, 0.05), "shake": (6.0, 1.0), "wave": (2.0, 1.0)}  # frequency, amplitude


def _signal(label: str, n: int, rate: float, rng) -> np.ndarray:
    f, a = CLASSES[label]
    t = np.arange(n) / rate
    return np.stack([a * np.sin(2 * np.pi * f * t + p) + 0.1 * rng.standard_normal(n)
                     for p in (0.0, 1.0, 2.0)], axis=1)


def _quick(project_path, **extra) -> None:
    """Short training: few epochs, the search still runs every default candidate."""
    p = Project.open(project_path)
    p.settings["train"] = {"epochs": 4, "search_epochs": 2, **extra}
    p.save()


@pytest.fixture(scope="module")
def headerless_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("headerless")
    rng = np.random.default_rng(1)
    for lab in CLASSES:
        (root / lab).mkdir()
        for k in range(4):
            x = _signal(lab, 240, 100.0, rng)
            text = "# data_rate = 100.0 Hz\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in x)
            (root / lab / f"{lab}{k}.csv").write_text(text + "\n")
    return root


@pytest.fixture(scope="module")
def logger_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("logger")
    rng = np.random.default_rng(2)
    rates = iter(np.linspace(333.0, 349.0, 12))
    for lab in CLASSES:
        (root / lab).mkdir()
        for k in range(4):
            rate, n = float(next(rates)), 1200
            t = np.round(np.arange(n) * 1000.0 / rate).astype(int)
            for g in rng.integers(50, n - 50, 2):
                t[g:] += 12  # a missed sample or two
            x = _signal(lab, n, rate, rng)
            lines = ["millis,count,ax,ay,az"] + [f"{t[i]},{i},{x[i, 0]:.4f},{x[i, 1]:.4f},{x[i, 2]:.4f}"
                                                 for i in range(n)]
            (root / lab / f"{lab}{k}.csv").write_text("\n".join(lines) + "\n")
    return root


def test_headerless_generic_set_trains_with_the_defaults(headerless_set, tmp_path):
    from tinystudio.ml.pipeline import train_project

    proj = tmp_path / "p"
    res = import_paths(proj, [headerless_set])  # no --rate: the comment line states it
    recs = Project.open(proj).recordings()
    assert {r.sensor_kind for r in recs} == {"generic"}
    assert {r.rate_hz for r in recs} == {100.0}
    assert any("comment line" in n for e in res.imported for n in e.get("notes", []))
    _quick(proj)
    report = train_project(proj)
    assert [c["name"] for c in report.candidates] == ["imu_cnn", "imu_features", "imu_spectral"]
    assert report.summary()["chosen"] in ("imu_cnn", "imu_features", "imu_spectral")
    assert report.int8_metrics["n"] > 0 and report.model_bytes > 0


def test_declared_sensor_and_units(headerless_set, tmp_path):
    proc = cli("import", tmp_path / "p", headerless_set, "--sensor", "vibration", "--units", "g", "--json")
    assert json.loads(proc.stdout)["recordings"] == 12
    recs = Project.open(tmp_path / "p").recordings()
    assert {r.sensor_kind for r in recs} == {"vibration"}
    assert all(list(r.units) == ["g", "g", "g"] for r in recs)
    bad = cli("import", tmp_path / "q", headerless_set, "--units", "g,g", check=False)
    assert bad.returncode != 0 and "--units gives 2 units for 3 channels" in bad.stderr


def test_mixed_logger_rates_train_quietly_and_classify_reads_like_the_import(logger_set, tmp_path):
    proj = tmp_path / "p"
    res = import_paths(proj, [logger_set])
    recs = Project.open(proj).recordings()
    assert all(list(r.channel_names) == ["ax", "ay", "az"] for r in recs)  # count and millis left out
    assert len({r.rate_hz for r in recs}) == 12 and min(r.rate_hz for r in recs) < 336
    assert any("'count' count rows" in n for e in res.imported for n in e.get("notes", []))
    _quick(proj)
    proc = subprocess.run([sys.executable, "-m", "tinystudio", "train", str(proj), "--quiet"],
                          capture_output=True, text=True, env=cli_env(), timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""  # --quiet: nothing at all, TF's C++ lines included
    report = json.loads(next((proj / "models").glob("*/report.json")).read_text())
    assert any("resampled" in w and "by linear interpolation" in w for w in report["warnings"])
    # classify reads the logger file (time and count columns) with the import's reader
    out = cli("classify", "--model", proj, logger_set / "shake" / "shake0.csv", "--json")
    results = json.loads(out.stdout)
    assert results and all(r["label"] in CLASSES for r in results)


def test_window_shorter_than_the_receptive_field_is_refused_before_tflm(headerless_set, tmp_path):
    from tinystudio.errors import TrainingError
    from tinystudio.ml.pipeline import TrainOptions, train_project

    proj = tmp_path / "p"
    import_paths(proj, [headerless_set])
    _quick(proj, window=6, stride=3)
    with pytest.raises(TrainingError, match=r"model 'imu_cnn' needs windows of at least 8 samples .*"
                                            r"the window is 6 samples"):
        train_project(proj, TrainOptions(model="imu_cnn"))


def test_import_json_prints_a_json_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n4,5,6\n7,8\n")
    proc = cli("import", tmp_path / "p", bad, "--rate", "10", "--json", check=False)
    assert proc.returncode != 0
    err = json.loads(proc.stdout)
    assert "bad.csv" in err["error"] and err["exit_code"] == proc.returncode
    assert proc.stderr.startswith("tinystudio: error: ")


def test_multi_label_unlabeled_and_conflicting_files_are_reported(tmp_path):
    src = tmp_path / "ei"
    (src / "training").mkdir(parents=True)
    values = [[float(i % 7), float(i % 5), 1.0] for i in range(200)]
    doc = {"protected": {"ver": "v1", "alg": "none"}, "signature": "0",
           "payload": {"device_type": "X", "interval_ms": 10, "values": values,
                       "sensors": [{"name": n, "units": "m/s2"} for n in ("accX", "accY", "accZ")]}}
    files = []
    for name in ("multi.json", "plain.json", "copy.json", "nolabel.json"):
        (src / "training" / name).write_text(json.dumps(doc))
        files.append({"path": f"training/{name}", "category": "training"})
    files[0]["label"] = {"type": "multi-label", "labels": [
        {"label": "idle", "startIndex": 0, "endIndex": 99}, {"label": "wave", "startIndex": 100, "endIndex": 199}]}
    files[1]["label"] = {"type": "label", "label": "idle"}
    files[2]["label"] = {"type": "label", "label": "wave"}  # the same samples as plain.json
    files[3]["label"] = {"type": "unlabeled"}
    (src / "info.labels").write_text(json.dumps({"version": 1, "files": files}))
    res = import_paths(tmp_path / "p", [src])
    multi = next(e for e in res.imported if e["file"].endswith("multi.json"))
    assert multi["labels"] == ["idle", "wave"] and any("2 labeled range(s)" in n for n in multi["notes"])
    assert any("without labels" in w and "nolabel.json" in w for w in res.warnings)
    assert any(w.startswith("identical data labeled") and "'idle' in plain.json" in w
               and "'wave' in copy.json" in w for w in res.warnings)


def test_npz_export_gives_exactly_the_training_windows(logger_set, tmp_path):
    from tinystudio.ml import data as D

    proj = tmp_path / "p"
    import_paths(proj, [logger_set])
    p = Project.open(proj)
    p.settings["train"] = {"window_ms": 500, "stride_ms": 250}
    p.save()
    cli("export", proj, "--format", "npz", "--out", tmp_path / "out")
    z = np.load(tmp_path / "out" / "training_windows.npz")
    spec = D.data_spec(p, p.settings["train"])
    ex = D.extract(p, spec, "train")
    assert z["x"].shape == (len(ex.labels), spec.window, 3) and int(z["window"]) == spec.window
    assert np.allclose(z["x"], ex.x * np.asarray(spec.raw_scale, np.float32))
    assert [str(c) for c in z["classes"][z["y"]]] == ex.labels
