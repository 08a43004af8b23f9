import numpy as np

from tinystudio.dsp.image import prepare_image, resize_bilinear, to_grayscale


def test_resize_to_same_size_is_identity():
    img = np.random.default_rng(0).integers(0, 255, (12, 9)).astype(np.float32)
    assert np.allclose(resize_bilinear(img, 12, 9), img)


def test_downscale_by_two_averages_pixel_pairs():
    img = np.array([[0, 2, 4, 6]], dtype=np.float32)
    assert np.allclose(resize_bilinear(img, 1, 2), [[1, 5]])


def test_grayscale_uses_luma_weights():
    rgb = np.zeros((1, 1, 3), dtype=np.uint8)
    rgb[..., 1] = 100
    assert np.isclose(to_grayscale(rgb)[0, 0], 58.7)


def test_prepare_image_shapes():
    rgb = np.random.default_rng(1).integers(0, 255, (40, 30, 3)).astype(np.uint8)
    assert prepare_image(rgb, 16, 16, 1).shape == (16, 16, 1)
    assert prepare_image(rgb[..., :1], 8, 8, 3).shape == (8, 8, 3)
