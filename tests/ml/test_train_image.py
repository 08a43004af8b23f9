"""Images: folder of PNGs -> resize to the model input -> image CNN -> int8 -> TFLM."""

import numpy as np
import pytest

from tinystudio.ml.pipeline import TrainOptions, load_current_package, train_project

pytestmark = pytest.mark.slow


def _stripes(rng, vertical: bool, size=(40, 48)) -> np.ndarray:
    h, w = size
    period = rng.integers(6, 12)
    phase = rng.integers(0, period)
    axis = np.arange(w if vertical else h)
    line = ((axis + phase) % period < period // 2) * 200 + 25
    img = np.tile(line, (h, 1)) if vertical else np.tile(line[:, None], (1, w))
    img = img + rng.normal(0, 20, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_image_project_trains_and_passes_tflm(tmp_path):
    from PIL import Image

    from tinystudio.dataset.importers import import_paths

    rng = np.random.default_rng(3)
    for cls, vertical in (("vertical", True), ("horizontal", False)):
        folder = tmp_path / "imgs" / cls
        folder.mkdir(parents=True)
        for i in range(12):
            rgb = np.repeat(_stripes(rng, vertical)[..., None], 3, axis=-1)
            Image.fromarray(rgb).save(folder / f"{i}.png")
    import_paths(tmp_path / "proj", [tmp_path / "imgs"])
    from tinystudio.dataset import Project

    project = Project.open(tmp_path / "proj")
    project.settings["train"] = {"image_size": [24, 24]}
    project.save()
    report = train_project(tmp_path / "proj", TrainOptions(epochs=12))
    assert report.tflm["max_abs_diff"] == 0 and not report.tflm["unsupported_ops"]
    assert report.int8_metrics["accuracy"] >= 0.75
    d = load_current_package(tmp_path / "proj").descriptor
    assert d.frontend == "image" and d.input_shape == [24, 24, 1]
    assert (d.input_scale, d.input_zero_point) == (1.0, -128)  # q = pixel - 128
