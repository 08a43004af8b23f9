"""The impulse's blocks are found by discovery and recorded in the model descriptor."""

import json
import re

import pytest

from tinystudio.errors import TrainingError
from tinystudio.ml import blocks
from tinystudio.ml.impulse import InputBlock, LearningBlock, ProcessingBlock
from tinystudio.ml.package import ModelDescriptor


def test_every_block_module_is_discovered_with_its_kind():
    found = blocks.discover()
    assert {"windows"} <= set(found["input"])
    assert {"raw", "micro_speech", "image"} <= set(found["processing"])
    assert "classifier" in found["learning"]
    for kind, base in (("input", InputBlock), ("processing", ProcessingBlock),
                       ("learning", LearningBlock)):
        assert all(isinstance(b, base) and b.kind == kind for b in found[kind].values())


def test_blocks_are_chosen_by_front_end_and_task_and_bad_names_are_refused():
    assert blocks.processing_block("raw").name == "raw"
    assert blocks.processing_block("micro_speech").name == "micro_speech"
    assert blocks.learning_block("classification").name == "classifier"
    with pytest.raises(TrainingError, match="processing block 'image' takes image data, not raw"):
        blocks.processing_block("raw", "image")
    with pytest.raises(TrainingError, match="unknown learning block 'nope'; choose one of"):
        blocks.learning_block("classification", "nope")


def test_trained_descriptor_records_each_stage(trained_punch_flex):
    project, _ = trained_punch_flex
    from tinystudio.ml.pipeline import current_package_dir

    data = json.loads((current_package_dir(project) / "descriptor.json").read_text())
    assert data["task"] == "classification"
    imp = data["impulse"]
    assert imp["input"] == {"block": "windows", "window": 119, "stride": data["stride"]}
    assert imp["processing"]["block"] == "raw"
    assert imp["learning"] == {"block": "classifier", "model": data["model_name"]}


def _desc(**over) -> dict:
    d = dict(labels=["a", "b"], sensor_kind="imu", frontend="raw", rate_hz=100.0, channels=["x"],
             window=10, stride=5, input_shape=[10, 1], input_scale=0.1, input_zero_point=0,
             output_scale=1 / 256, output_zero_point=-128)
    d.update(over)
    return d


@pytest.mark.parametrize("bad, message", [
    ({"task": "clustering"}, "field 'task' is 'clustering', not one of classification"),
    ({"impulse": {"output": {}}}, "has stage 'output'"),
    ({"impulse": {"learning": {"block": "x", "k": {"a": 1}}}}, "parameter 'k' is {'a': 1}"),
    ({"impulse": {"learning": {"block": "x\u0007"}}}, "control character U+0007"),
])
def test_descriptor_task_and_impulse_are_checked(bad, message):
    with pytest.raises(TrainingError, match=re.escape(message)):
        ModelDescriptor.from_dict(_desc(**bad), "d.json")
