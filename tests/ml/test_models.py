"""Every builder builds for its input and stays inside its int8 size budget (by weights)."""

import pytest

from tinystudio.errors import TrainingError
from tinystudio.ml.models import MODELS, model_spec

SHAPES = {"imu_cnn": (119, 6), "imu_features": (119, 6), "imu_spectral": (119, 6), "ds_cnn": (49, 40, 1), "image_cnn": (32, 32, 1),
          "mobilenet_v1_025": (96, 96, 1), "vww_transfer": (96, 96, 1), "reference_dense": (119, 6)}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_builder_fits_its_budget(name):
    spec = MODELS[name]
    model = spec.build(SHAPES[name], 3, 0)
    assert model.output_shape == (None, 3)
    # int8 weights take one byte each; the flatbuffer adds a few KB of structure
    assert model.count_params() < spec.budget_bytes
    if name == "mobilenet_v1_025":
        assert model.count_params() > 200_000  # the real architecture, not a toy


def test_model_choice_is_checked_against_the_sensor():
    assert model_spec(None, "microphone").name == "ds_cnn"
    with pytest.raises(TrainingError, match="is for camera data"):
        model_spec("mobilenet_v1_025", "imu")
    with pytest.raises(TrainingError, match="unknown model"):
        model_spec("resnet", "imu")
