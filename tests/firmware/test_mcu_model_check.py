"""The firmware's model check (tflm_glue/src/ts_tflm_check.c) on the host, under sanitizers.

It parses untrusted flatbuffers on the board, so here it reads every builder's model, the
shipped models and 20,000 mutations of two of them under AddressSanitizer and UBSan
(each mutation in an exact-size heap buffer: a read past the model is caught), and its
verdicts agree with the host's op contract (tinystudio.ml.op_contract).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mcu_models import tanh_model

from tinystudio.ml import op_contract
from tinystudio.ml.tflm import model_ops

FW = Path(__file__).resolve().parents[2] / "firmware_recorders"
SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


@pytest.fixture(scope="module")
def check_main(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler (gcc) is needed; run scripts/install.sh"
    exe = tmp_path_factory.mktemp("model_check") / "check_main"
    src = [FW / "tflm_glue" / "test" / "check_main.c", FW / "tflm_glue" / "src" / "ts_tflm_check.c",
           *sorted((FW / "common" / "src").glob("*.c"))]  # fmt: skip
    cmd = [cc, "-std=gnu99", "-Wall", "-Wextra", "-Werror", "-O1", "-g", *SAN,
           f"-I{FW / 'common' / 'src'}", f"-I{FW / 'tflm_glue' / 'src'}", *map(str, src), "-o", str(exe)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return exe


def run(exe: Path, *args: object) -> str:
    proc = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "runtime error" not in proc.stderr, proc.stderr
    return proc.stdout.strip()


def io_bytes(tflite: bytes) -> tuple[int, int]:
    """Input and output tensor sizes, read by the flatbuffers Python schema (not executed:
    TFLM aborts the process on some untrained models)."""
    from tflite_micro.python.tflite_micro import runtime

    sg = runtime.convert_bytearray_to_object(bytearray(tflite)).subgraphs[0]
    return (int(np.prod(sg.tensors[sg.inputs[0]].shape)), int(np.prod(sg.tensors[sg.outputs[0]].shape)))


def test_c_check_agrees_with_the_host_on_every_model(check_main: Path, builder_models: dict[str, bytes],
                                                     tflm_models: Path, tmp_path: Path) -> None:
    models = dict(builder_models)
    models["hello_world_int8"] = (tflm_models / "hello_world_int8.tflite").read_bytes()
    models["micro_speech_quantized"] = (tflm_models / "micro_speech_quantized.tflite").read_bytes()
    for name, tflite in models.items():
        path = tmp_path / f"{name}.tflite"
        path.write_bytes(tflite)
        n_in, n_out = io_bytes(tflite)
        status, c_in, c_out, *why = run(check_main, "check", path, n_in, 1).split(" ")
        op_contract.check_model_ops(tflite, name, "any board")  # the host accepts it too
        assert (status, int(c_in), int(c_out)) == ("0", n_in, n_out), (name, why)
        # the descriptor must describe the input: one sample more and both refuse it
        assert run(check_main, "check", path, n_in + 1, 1).endswith("model tensors do not match its descriptor")
    tanh = tmp_path / "tanh.tflite"
    tanh.write_bytes(tanh_model(window=20))
    assert run(check_main, "check", tanh, 20, 6).endswith(
        "model needs op TANH, which this firmware does not register (tflm_glue/src/ts_tflm_ops.h)")
    assert op_contract.missing_ops(model_ops(tanh.read_bytes())) == ["TANH"]


@pytest.mark.parametrize("model", ["imu_cnn", "micro_speech_quantized"])
def test_c_check_survives_mutated_models(check_main: Path, builder_models: dict[str, bytes], tflm_models: Path,
                                         tmp_path: Path, model: str) -> None:
    tflite = builder_models.get(model) or (tflm_models / f"{model}.tflite").read_bytes()
    path = tmp_path / "model.tflite"
    path.write_bytes(tflite)
    n_in = io_bytes(tflite)[0]
    accepted, refused = (int(x) for x in run(check_main, "fuzz", path, n_in, 1, 20000, 15).split())
    assert accepted + refused == 20000 and refused > 1000  # damage is caught, and nothing crashed
