"""Image preprocessing: colour conversion and resize to the model input.

Defined in plain integer-friendly numpy (BT.601 luma, bilinear with half-pixel centres)
so a board can reproduce it exactly in C; no image library is involved.
"""

from __future__ import annotations

import numpy as np


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """``(h, w, 3)`` RGB or ``(h, w)``/``(h, w, 1)`` gray -> ``(h, w)`` float32 gray."""
    img = np.asarray(image, dtype=np.float32)
    if img.ndim == 2:
        return img
    if img.shape[-1] == 1:
        return img[..., 0]
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of ``(h, w)`` or ``(h, w, c)`` with half-pixel centres."""
    img = np.asarray(image, dtype=np.float32)
    h, w = img.shape[:2]
    ys = np.clip((np.arange(height) + 0.5) * h / height - 0.5, 0, h - 1)
    xs = np.clip((np.arange(width) + 0.5) * w / width - 0.5, 0, w - 1)
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    wy = (ys - y0).reshape(-1, 1, *([1] * (img.ndim - 2)))
    wx = (xs - x0).reshape(1, -1, *([1] * (img.ndim - 2)))
    top = img[y0][:, x0] * (1 - wx) + img[y0][:, x1] * wx
    bottom = img[y1][:, x0] * (1 - wx) + img[y1][:, x1] * wx
    return top * (1 - wy) + bottom * wy


def prepare_image(image: np.ndarray, height: int, width: int, channels: int) -> np.ndarray:
    """An image as the model sees it: ``(height, width, channels)`` float32 in 0..255."""
    if channels == 1:
        return resize_bilinear(to_grayscale(image), height, width)[..., None]
    img = np.asarray(image)
    if img.ndim == 2 or img.shape[-1] == 1:
        img = np.repeat(img.reshape(img.shape[0], img.shape[1], 1), 3, axis=-1)
    return resize_bilinear(img[..., :3], height, width)
