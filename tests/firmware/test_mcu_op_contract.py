"""The op contract: every model TinyStudio builds or ships uses only ops the board glue registers.

The glue's op table (firmware_recorders/tflm_glue/src/ts_tflm_ops.h) is parsed by
tinystudio.ml.op_contract; the same table is compiled into the glue (TFLM resolver) and
into the firmware's model check. Builders are discovered from the MODELS registry, so a
new builder is covered without touching this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tinystudio.errors import TrainingError
from tinystudio.ml import op_contract
from tinystudio.ml.models import MODELS

GLUE = Path(__file__).resolve().parents[2] / "firmware_recorders" / "tflm_glue" / "src"
#: What ts_tflm.cpp registered before the contract existed (its 12 AddXxx() calls).
GLUE_BEFORE = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX",
                         "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "ADD", "MUL", "QUANTIZE",
                         "DEQUANTIZE"})  # fmt: skip
#: Ops that a feature front end in the graph is expected to use (statistics of a window).
FEATURE_OPS = ("MEAN", "MUL", "SUB", "SQRT", "RSQRT", "REDUCE_MAX", "NEG", "SUM", "ABS",
               "FULLY_CONNECTED", "CONCATENATION", "RESHAPE", "SQUARED_DIFFERENCE", "MAXIMUM",
               "MINIMUM", "STRIDED_SLICE", "PACK")  # fmt: skip


@pytest.fixture(scope="module")
def int8_models(builder_models: dict[str, bytes]) -> dict[str, bytes]:
    return builder_models


def _schema_codes() -> dict[str, int]:
    from tflite_micro.python.tflite_micro import runtime

    return {k: v for k, v in vars(runtime.schema_fb.BuiltinOperator).items() if not k.startswith("_")}


def test_op_table_matches_the_tflite_schema_and_tflm() -> None:
    from tinystudio.ml.tflm import TFLM_BUILTIN_OPS

    table = op_contract.glue_ops()
    schema = _schema_codes()
    assert len(table) >= 20
    for name, code in table.items():
        assert schema.get(name) == code, f"ts_tflm_ops.h: {name} has code {code}, the schema says {schema.get(name)}"
        assert name in TFLM_BUILTIN_OPS, f"ts_tflm_ops.h registers {name}, which TFLM has no kernel for"
    assert set(FEATURE_OPS) <= set(table)
    # the board's names for its error messages (ts_tflite_names.h) are the schema's
    names = re.findall(r'"([A-Z0-9_]+)"', (GLUE / "ts_tflite_names.h").read_text())
    assert names == [n for n, _ in sorted(schema.items(), key=lambda kv: kv[1])]


def test_glue_registers_exactly_the_table() -> None:
    cpp = (GLUE / "ts_tflm.cpp").read_text()
    assert "MicroMutableOpResolver<TS_TFLM_N_OPS>" in cpp
    assert "TS_TFLM_OPS(TS_TFLM_REGISTER_)" in cpp
    assert re.findall(r"g_resolver\.Add\w+\(", cpp) == [], "register ops only through ts_tflm_ops.h"
    assert "ts_tflm_check(" in cpp  # the firmware's own check runs before TFLM
    header = (GLUE / "ts_tflm.h").read_text()
    assert 'extern "C" {' in header and header.count("#ifdef __cplusplus") == 2


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_builder_runs_on_the_board_glue(name: str, int8_models: dict[str, bytes]) -> None:
    ops = op_contract.check_model_ops(int8_models[name], name, "any board")
    assert ops == sorted(set(ops), key=ops.index)  # listed once each, in model order


@pytest.mark.parametrize("file", ["hello_world_int8.tflite", "micro_speech_quantized.tflite"])
def test_shipped_models_run_on_the_board_glue(file: str, tflm_models: Path) -> None:
    op_contract.check_model_ops((tflm_models / file).read_bytes(), file, "any board")


def test_the_glue_before_the_contract_runs_the_models_converted_for_batch_one(int8_models: dict[str, bytes]) -> None:
    """The regression this contract was made for: Keras Conv1D gave EXPAND_DIMS (imu_cnn) and
    a Reshape of the input SHAPE/STRIDED_SLICE/PACK (reference_dense), which no board
    registered. Converted for batch size 1 (static shapes; ml/quantize.py) the IMU models
    need none of them, so even the old glue runs them; the contract still names any op a
    table lacks."""
    for name in ("imu_cnn", "imu_features", "reference_dense"):
        op_contract.check_model_ops(int8_models[name], name, "nano", GLUE_BEFORE)
    without_mean = GLUE_BEFORE - {"MEAN"}
    with pytest.raises(TrainingError, match=r"imu_cnn needs TFLite op MEAN, which"):
        op_contract.check_model_ops(int8_models["imu_cnn"], "imu_cnn", "nano", without_mean)


def test_train_board_refuses_a_model_needing_an_unregistered_op(tmp_path: Path, punch_csv: Path,
                                                                flex_csv: Path, monkeypatch) -> None:
    """`train --board` checks the untrained model first: no training time is wasted."""
    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths
    from tinystudio.ml.pipeline import TrainOptions, train_project

    dest = tmp_path / "pf"
    import_paths(dest, [punch_csv], label="punch")
    import_paths(dest, [flex_csv], label="flex")
    before = (dest / "project.json").read_bytes() if (dest / "project.json").exists() else None
    table = {k: v for k, v in op_contract.glue_ops().items() if k != "CONV_2D"}  # every candidate's
    monkeypatch.setattr(op_contract, "glue_ops", lambda: table)
    statuses: list[str] = []
    with pytest.raises(TrainingError) as err:
        train_project(dest, TrainOptions(board="nano33ble_rev1", epochs=1), on_status=statuses.append)
    assert "imu_cnn needs TFLite op CONV_2D" in str(err.value)
    assert "Arduino Nano 33 BLE Sense" in str(err.value)
    # refused before training started (no search fold, no final training)
    assert not [s for s in statuses if s.startswith(("training", "model search"))]
    assert not list(dest.glob("models/*")) and Project.open(dest).classes
    if before is not None:
        assert (dest / "project.json").read_bytes() == before


def test_each_board_is_bound_by_its_sketchs_library() -> None:
    """boards.json's tflm_library agrees with the library each sketch's platformio.ini pins."""
    from tinystudio.devices.registry import load_profiles

    fw = GLUE.parents[1]
    pins = {"esp32": "TensorFlowLite_ESP32@1.0.0", "chirale": "Chirale_TensorFlowLite@2.0.0"}
    sketch_boards = {"esp32_devkitc": ["esp32_devkitc"], "esp32_camera": ["esp_eye"],
                     "nano33ble_sense": ["nano33ble_rev1", "nano33ble_rev2"], "wio_terminal": ["wio_terminal"]}  # fmt: skip
    libs = {p.id: p.tflm_library for p in load_profiles()}
    for folder, ids in sketch_boards.items():
        ini = (fw / folder / "platformio.ini").read_text()
        for board_id in ids:
            assert pins[libs[board_id]] in ini, f"{folder}/platformio.ini does not pin {pins[libs[board_id]]}"
    assert op_contract.library_lacks()["esp32"] == {"SUM", "SQUARED_DIFFERENCE"}
    assert set(op_contract.library_ops("chirale")) == set(op_contract.glue_ops())


def test_train_board_esp32_refuses_an_op_its_library_lacks(tmp_path: Path, punch_csv: Path, flex_csv: Path,
                                                           monkeypatch) -> None:
    """`train --board esp32_devkitc` names the op TensorFlowLite_ESP32 1.0.0 lacks; the same
    model is fine for a board whose sketch uses Chirale (the full table)."""
    from mcu_models import build_variance_features

    from tinystudio.dataset.importers import import_paths
    from tinystudio.ml import models
    from tinystudio.ml.pipeline import TrainOptions, train_project

    spec = models.ModelSpec("imu_variance", "imu", 8 * 1024, "variance features", build_variance_features)
    monkeypatch.setitem(models.MODELS, "imu_variance", spec)
    dest = tmp_path / "pf"
    import_paths(dest, [punch_csv], label="punch")
    import_paths(dest, [flex_csv], label="flex")
    statuses: list[str] = []
    with pytest.raises(TrainingError) as err:
        train_project(dest, TrainOptions(board="esp32_devkitc", model="imu_variance", epochs=1),
                      on_status=statuses.append)
    msg = str(err.value)
    assert "SQUARED_DIFFERENCE, SUM" in msg and "ESP32-DevKitC" in msg and "TensorFlowLite_ESP32 1.0.0" in msg, msg
    assert not [s for s in statuses if s.startswith(("training", "model search"))]
    int8 = __import__("mcu_models").builder_int8(spec, 2)
    op_contract.check_for_board(int8, "imu_variance", "nano33ble_rev2", "Arduino Nano 33 BLE Sense Rev2")
