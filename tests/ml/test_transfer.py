"""The pretrained start: TFLM's person-detection weights, dequantized, as a Keras backbone."""

from __future__ import annotations

import numpy as np
import pytest

from tinystudio.errors import TrainingError

pytestmark = pytest.mark.slow


def test_dequantized_backbone_reproduces_tflm_on_the_models_test_images():
    from PIL import Image
    from tflite_micro.python.tflite_micro import runtime

    from tinystudio.ml.pretrained import person_detect_tflite, person_test_images
    from tinystudio.ml.tflm import TflmRunner
    from tinystudio.ml.transfer import _dequantized, build_backbone

    model = runtime.convert_bytearray_to_object(bytearray(person_detect_tflite()))
    head = model.subgraphs[0].operators[-3]  # the 1x1 conv to [no person, person]
    w = _dequantized(model, head.inputs[1]).reshape(2, 256)
    b = _dequantized(model, head.inputs[2])
    backbone = build_backbone((96, 96, 1))
    runner = TflmRunner(person_detect_tflite())
    for cls, path in person_test_images().items():
        x = np.asarray(Image.open(path), np.float32)[None, :, :, None]
        z = np.asarray(backbone(x))[0] @ w.T + b
        ours = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        theirs = (runner.run((x[0] - 128).astype(np.int8)).astype(float) + 128) / 256
        assert np.abs(ours - theirs).max() < 0.02, (cls, ours, theirs)
        assert int(np.argmax(ours)) == (1 if cls == "person" else 0)


def test_backbone_is_frozen_first_then_fine_tuned():
    import keras

    from tinystudio.ml.transfer import FREEZE_STEPS, build_vww_transfer

    model = build_vww_transfer((32, 32, 3), 3, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (8, 32, 32, 3)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    first = model.get_layer("vww_dw0").get_weights()[0].copy()
    head = model.get_layer("head").get_weights()[0].copy()
    for _ in range(FREEZE_STEPS):
        model.train_on_batch(x, y)
    assert np.array_equal(model.get_layer("vww_dw0").get_weights()[0], first)  # frozen
    assert not np.array_equal(model.get_layer("head").get_weights()[0], head)  # the head learns
    for _ in range(3):
        model.train_on_batch(x, y)
    assert not np.array_equal(model.get_layer("vww_dw0").get_weights()[0], first)  # fine-tuned
    assert np.array_equal(model.get_layer("luma").get_weights()[0].ravel(), np.float32([0.299, 0.587, 0.114]))


def test_offered_to_the_search_only_for_its_own_kind_of_image():
    from tinystudio.ml.models import MODELS
    from tinystudio.ml.transfer import build_backbone, image_candidates

    cnn = [MODELS["image_cnn"]]
    assert [s.name for s in image_candidates(cnn, (40, 96, 96, 1))] == ["image_cnn", "vww_transfer"]
    assert [s.name for s in image_candidates(cnn, (40, 32, 32, 1))] == ["image_cnn"]
    assert [s.name for s in image_candidates(cnn, (40, 96, 96, 3))] == ["image_cnn"]
    with pytest.raises(TrainingError, match="at least 32x32"):
        build_backbone((16, 16, 1))
