"""`flash`, `infer` and `verify` as commands: JSON output and one-line errors, never tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tinystudio.ml.package import ModelDescriptor, ModelPackage


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout)


def save_package(pkg, folder) -> str:
    d = pkg.descriptor
    desc = ModelDescriptor(labels=list(d.labels), sensor_kind="imu", frontend="raw", rate_hz=119.0,
                           channels=["aX", "aY", "aZ", "gX", "gY", "gZ"], window=d.window, stride=d.stride,
                           input_shape=[d.window, 6], input_scale=d.input_scale,
                           input_zero_point=d.input_zero_point, output_scale=d.output_scale,
                           output_zero_point=d.output_zero_point, input_gain=list(d.mul), input_bias=list(d.add),
                           model_name=pkg.name)  # fmt: skip
    return str(ModelPackage(pkg.tflite, desc).save(folder))


def test_flash_then_infer_json(spawn_sim, imu_package, tmp_path):
    port = spawn_sim("--sensors", "imu", "--gesture", "wave", "--baud", "921600")
    target = save_package(imu_package, tmp_path / "pkg")
    out = cli("flash", target, "--port", port, "--baud", "921600", "--json")
    assert out.returncode == 0, out.stderr
    flash = json.loads(out.stdout)
    assert set(flash) == {"bytes", "seconds", "throughput_bytes_per_s", "link_efficiency", "verified"}
    assert flash["verified"] is True and flash["bytes"] == len(imu_package.tflite)
    out = cli("infer", "--port", port, "--seconds", "2", "--json")
    assert out.returncode == 0, out.stderr
    infer = json.loads(out.stdout)
    assert infer["results"] >= 5 and sum(infer["counts"].values()) == infer["results"]
    assert set(infer["counts"]) <= set(imu_package.labels) and infer["mean_latency_us"] > 0


def test_model_too_large_for_the_board_is_refused_naming_both_sizes(spawn_sim, big_package, tmp_path):
    port = spawn_sim("--sensors", "imu", "--board", "adafruit_edgebadge")
    out = cli("flash", save_package(big_package, tmp_path / "big"), "--port", port)
    assert out.returncode == 6
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert str(len(big_package.tflite)) in out.stderr and "131072" in out.stderr


@pytest.mark.parametrize("args, message", [
    (["flash", "/nonexistent/project", "--port", "/dev/null"], "does not exist"),
    (["flash", "{tmp}", "--port", "/dev/ttyNOPE"], "no trained model"),
])  # fmt: skip
def test_bad_targets_get_one_line_errors(args, message, tmp_path):
    out = cli(*[a.format(tmp=tmp_path) for a in args])
    assert out.returncode != 0 and message in out.stderr and "Traceback" not in out.stderr


def test_infer_without_a_model(spawn_sim):
    port = spawn_sim("--sensors", "imu")
    out = cli("infer", "--port", port, "--seconds", "1")
    assert out.returncode == 6 and "has no model" in out.stderr and "tinystudio flash" in out.stderr
