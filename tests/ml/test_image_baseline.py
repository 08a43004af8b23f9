"""The image baseline: logistic regression on downscaled pixels, on real digits."""

from __future__ import annotations

import numpy as np

from tinystudio.ml.image_baseline import evaluate_image_baseline, method, pixel_features


def _digits(examples_dir):
    from PIL import Image

    xs, ys = [], []
    for k, name in enumerate(("zero", "one", "two", "three")):
        for f in sorted((examples_dir / "digits" / name).glob("*.png")):
            xs.append(np.asarray(Image.open(f), dtype=np.float32)[..., None])
            ys.append(k)
    return np.stack(xs), np.array(ys)


def test_features_are_downscaled_pixels_in_the_chosen_colour_mode():
    x = np.random.default_rng(0).uniform(0, 255, (3, 32, 24, 3))
    f = pixel_features(x)
    assert f.shape == (3, 16 * 16 * 3)
    assert method(x.shape) == "logistic regression on 16x16 colour pixels"
    assert method((5, 8, 8, 1)) == "logistic regression on 8x8 gray pixels"
    assert pixel_features(np.zeros((2, 8, 8, 1))).shape == (2, 64)  # never upscaled


def test_baseline_learns_real_digits_and_fails_on_shuffled_labels(examples_dir):
    x, y = _digits(examples_dir)
    rng = np.random.default_rng(1)
    order = rng.permutation(len(y))
    tr, te = order[:120], order[120:]
    good = evaluate_image_baseline(x[tr], y[tr], x[te], y[te])
    assert good.test_accuracy >= 0.9 and good.n_test == 40
    shuffled = evaluate_image_baseline(x[tr], rng.permutation(y[tr]), x[te], y[te])
    assert shuffled.test_accuracy < 0.6  # chance is 0.25: the figure is earned, not given
