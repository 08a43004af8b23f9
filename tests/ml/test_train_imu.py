"""End to end on the real punch/flex recordings: train, int8, TFLM, package, export."""

import json
import subprocess
import zipfile

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.ml.evaluate import run_tflite
from tinystudio.ml.export import export_model
from tinystudio.ml.inputs import test_windows
from tinystudio.ml.package import ModelPackage
from tinystudio.ml.pipeline import current_package_dir, load_current_package
from tinystudio.ml.tflm import run_tflm

from .conftest import clear_split

pytestmark = pytest.mark.slow


def test_acceptance_figures(trained_punch_flex):
    _, report = trained_punch_flex
    s = report.summary()
    assert s["classes"] == ["punch", "flex"]
    assert s["int8_accuracy"] >= 0.95
    assert abs(s["float_accuracy"] - s["int8_accuracy"]) <= 0.01
    assert s["model_bytes"] <= 10 * 1024
    assert s["train_seconds"] <= 60
    assert s["fits"]["nano33ble_rev1"] is True
    assert report.tflm["max_abs_diff"] == 0 and report.tflm["unsupported_ops"] == []
    assert report.int8_metrics["n"] >= 4
    assert np.array(report.int8_metrics["confusion"]).sum() == report.int8_metrics["n"]


def test_package_is_saved_and_describes_the_model(trained_punch_flex):
    project, report = trained_punch_flex
    pkg = load_current_package(project)
    assert str(current_package_dir(project) / "model.tflite") == report.model_path
    d = pkg.descriptor
    assert d.labels == ["punch", "flex"] and d.frontend == "raw" and d.sensor_kind == "imu"
    assert d.window == 119 and d.input_shape == [119, 6] and d.rate_hz == 119.0
    assert len(d.input_gain) == len(d.input_bias) == 6
    assert d.arena_bytes == report.arena_bytes and "FULLY_CONNECTED" in d.ops
    assert len(pkg.tflite) == report.model_bytes
    assert not [p for p in (project / "models").iterdir() if p.name.startswith(".")]


def test_test_windows_give_identical_tflm_and_tflite_outputs(trained_punch_flex):
    project, report = trained_punch_flex
    from tinystudio.dataset import Project

    pkg = load_current_package(project)
    x, y = test_windows(Project.open(project), pkg)
    assert x.dtype == np.int8 and x.shape[1:] == (119, 6) and len(x) == report.int8_metrics["n"]
    micro = run_tflm(pkg.tflite, x)
    lite = run_tflite(pkg.tflite, x)
    assert np.array_equal(micro, lite)
    assert np.mean(micro.argmax(axis=1) == y) == pytest.approx(report.int8_metrics["accuracy"])


def test_classify_with_the_project_model(trained_punch_flex, punch_csv, capsys):
    project, _ = trained_punch_flex
    assert main(["classify", "--model", str(project), str(punch_csv), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 10  # one window per recorded gesture
    assert sum(r["label"] == "punch" for r in out) >= 9


def test_export_tflite_c_and_arduino(trained_punch_flex, tmp_path):
    project, _ = trained_punch_flex
    pkg = load_current_package(project)
    assert export_model(project, "tflite", tmp_path / "m.tflite").read_bytes() == pkg.tflite
    folder = export_model(project, "tflite", tmp_path / "pkg")
    assert ModelPackage.load(folder).descriptor == pkg.descriptor

    header = export_model(project, "c", tmp_path / "c" / "gesture_data.h")
    source = header.with_suffix(".cpp")
    dump = tmp_path / "dump.cpp"
    dump.write_text(
        '#include <cstdio>\n#include <cstdint>\n#include "gesture_data.h"\n'
        "int main(){ if ((uintptr_t)gesture_tflite % 16) return 2;\n"
        " fwrite(gesture_tflite, 1, gesture_tflite_len, stdout);\n"
        " fprintf(stderr, \"%s %s %d\", gesture_labels[0], gesture_labels[1], gesture_input_zero_point);"
        " return 0; }\n")
    exe = tmp_path / "dump"
    subprocess.run(["g++", "-std=c++11", "-Wall", "-Werror", "-I", str(header.parent),
                    str(dump), str(source), "-o", str(exe)], check=True)
    run = subprocess.run([str(exe)], capture_output=True, check=True)
    assert run.stdout == pkg.tflite
    assert run.stderr.decode() == f"punch flex {pkg.descriptor.input_zero_point}"

    zpath = export_model(project, "arduino", tmp_path / "lib.zip")
    names = zipfile.ZipFile(zpath).namelist()
    lib = names[0].split("/")[0]
    assert f"{lib}/library.properties" in names
    assert f"{lib}/src/model_data.cpp" in names and f"{lib}/src/{lib}.h" in names
    assert any(n.endswith(".ino") for n in names)
    folder = export_model(project, "arduino", tmp_path / "libdir")
    sketch = next(folder.glob("examples/*/*.ino")).read_text()
    assert "resolver.AddConv2D();" in sketch and "resolver.AddFullyConnected();" in sketch


def test_train_command_prints_the_json_contract(punch_flex_project, capsys):
    clear_split(punch_flex_project)  # train makes one, and keeps it once training succeeded
    rc = main(["train", str(punch_flex_project), "--epochs", "20", "--seed", "1", "--json",
               "--board", "nano33ble_rev2", "--quiet"])
    assert rc == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    s = json.loads(out[0])
    assert {"classes", "float_accuracy", "int8_accuracy", "model_bytes", "arena_bytes",
            "train_seconds", "model_path", "fits", "candidates", "baseline", "model"} <= set(s)
    assert [c["name"] for c in s["candidates"]] == ["imu_cnn", "imu_features", "imu_spectral"]
    assert sum(c["chosen"] for c in s["candidates"]) == 1
    assert s["fits"]["nano33ble_rev2"] is True
    assert (punch_flex_project / "models" / "current.json").exists()
    split = json.loads((punch_flex_project / "project.json").read_text())["split"]
    assert "test" in split["assignments"].values()  # the split made for training is kept
