"""Colour is kept when the data is colour; grayscale is an option whose effect is shown."""

import json

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.ml.pipeline import load_current_package

pytestmark = pytest.mark.slow


def test_colour_kept_by_default_and_grayscale_effect_reported(tmp_path, capsys):
    from PIL import Image

    from tinystudio.dataset.importers import import_paths

    rng = np.random.default_rng(5)
    # red and green patches of the same luma (0.299 * 200 = 0.587 * 102): only colour tells them apart
    for cls, rgb in (("red", (200, 0, 0)), ("green", (0, 102, 0))):
        folder = tmp_path / "imgs" / cls
        folder.mkdir(parents=True)
        for i in range(12):
            img = np.full((24, 24, 3), 60.0)
            y, x = rng.integers(0, 12, 2)
            img[y:y + 12, x:x + 12] = rgb
            img += rng.normal(0, 4, img.shape)
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(folder / f"{i}.png")
    import_paths(tmp_path / "proj", [tmp_path / "imgs"])
    rc = main(["train", str(tmp_path / "proj"), "--epochs", "15", "--json", "--quiet",
               "--compare-grayscale"])
    assert rc == 0
    s = json.loads(capsys.readouterr().out)
    assert load_current_package(tmp_path / "proj").descriptor.input_shape == [32, 32, 3]
    v = s["image_variant"]
    assert v["grayscale"] is True and v["model_bytes"] > 0 and v["arena_bytes"] < s["arena_bytes"]
    assert s["int8_accuracy"] >= 0.75 and s["int8_accuracy"] > v["int8_accuracy"]
