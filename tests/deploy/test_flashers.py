"""External flashers: the command lines that would run, and a clear error for a missing tool.

Nothing here pretends to flash: the tools are not installed on this machine, so the tests
check the planned commands and that running them names the missing tool.
"""

from __future__ import annotations

import pytest

from tinystudio.deploy.flashers import arduino_plan, esptool_plan, find_tool, run_plan
from tinystudio.errors import DeployError
from tinystudio.ml.package import ModelDescriptor, ModelPackage


@pytest.fixture
def package(tflm_models) -> ModelPackage:
    tflite = (tflm_models / "hello_world_int8.tflite").read_bytes()
    desc = ModelDescriptor(labels=["sine"], sensor_kind="imu", frontend="raw", rate_hz=119.0, channels=["aX"],
                           window=1, stride=1, input_shape=[1], input_scale=0.0245, input_zero_point=-128,
                           output_scale=0.0083, output_zero_point=5, raw_scale=[1 / 4096], model_name="hello",
                           ops=["FULLY_CONNECTED"])  # fmt: skip
    desc.fold_input_affine()
    return ModelPackage(tflite, desc)


def test_arduino_cli_commands_and_sketch(package, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    plan = arduino_plan(package, "/dev/ttyACM0", "arduino:mbed_nano:nano33ble", tmp_path, "gestures")
    compile_cmd, upload_cmd = plan.commands
    lib = tmp_path / "libraries" / "TinyStudio_gestures"
    sketch = tmp_path / "TinyStudio_gestures_sketch"
    assert compile_cmd == ["arduino-cli", "compile", "--fqbn", "arduino:mbed_nano:nano33ble", "--library", str(lib),
                           "--output-dir", str(tmp_path / "build"), str(sketch)]  # fmt: skip
    assert upload_cmd == ["arduino-cli", "upload", "--fqbn", "arduino:mbed_nano:nano33ble", "--port", "/dev/ttyACM0",
                          "--input-dir", str(tmp_path / "build"), str(sketch)]  # fmt: skip
    assert (sketch / "TinyStudio_gestures_sketch.ino").read_text().count("#include <TinyStudio_gestures.h>") == 1
    assert (lib / "library.properties").exists() and (lib / "src" / "model_data.cpp").exists()
    assert plan.missing == ["arduino-cli"]
    with pytest.raises(DeployError, match=r"arduino-cli is not installed .*arduino-cli/"):
        run_plan(plan)


def test_esptool_builds_with_arduino_cli_then_writes_the_image(package, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    plan = esptool_plan(package, "/dev/ttyUSB0", tmp_path, chip="esp32s3", name="kws")
    assert plan.commands[0][:4] == ["arduino-cli", "compile", "--fqbn", "esp32:esp32:esp32"]
    assert plan.commands[1] == ["esptool", "--chip", "esp32s3", "--port", "/dev/ttyUSB0", "--baud", "921600",
                                "write_flash", "0x10000",
                                str(tmp_path / "build" / "TinyStudio_kws_sketch.ino.bin")]  # fmt: skip
    assert plan.missing == ["arduino-cli", "esptool"]
    with pytest.raises(DeployError, match="arduino-cli is not installed"):
        run_plan(plan)
    prebuilt = esptool_plan(package, "/dev/ttyUSB0", tmp_path, firmware="/fw/app.bin")
    assert len(prebuilt.commands) == 1 and prebuilt.missing == ["esptool"]
    with pytest.raises(DeployError, match=r"esptool is not installed .*pip install esptool"):
        run_plan(prebuilt)


def test_an_installed_tool_is_found_and_its_failure_reported(package, tmp_path, monkeypatch):
    """A stand-in on PATH that *fails* (it is not a flasher): the error quotes its output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "arduino-cli"
    tool.write_text("#!/bin/sh\necho 'Error: platform arduino:mbed_nano is not installed' >&2\nexit 1\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert find_tool("arduino-cli") == str(tool)
    plan = arduino_plan(package, "/dev/ttyACM0", "arduino:mbed_nano:nano33ble", tmp_path / "w")
    assert plan.missing == [] and plan.commands[0][0] == str(tool)
    with pytest.raises(DeployError, match="exit code 1: Error: platform arduino:mbed_nano is not installed"):
        run_plan(plan)


def test_arduino_needs_a_board_name(package, tmp_path):
    with pytest.raises(DeployError, match="--fqbn"):
        arduino_plan(package, "/dev/ttyACM0", "", tmp_path)
