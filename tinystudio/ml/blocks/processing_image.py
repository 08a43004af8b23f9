"""Processing block ``image``: resized 8-bit pixels are the model input (q = pixel - 128)."""

from __future__ import annotations

from tinystudio.ml.impulse import Features, ProcessingBlock, Windows


class ImageBlock(ProcessingBlock):
    name = "image"
    description = "frames resized to the model input, 0..255"
    frontends = ("image",)
    default = True

    def features(self, windows: Windows, settings: dict, seed: int, stop) -> Features:
        tr, te = windows.train, windows.test
        return Features(tr.x, list(tr.labels), te.x, list(te.labels), len(tr.labels),
                        {"image_shape": list(windows.spec.image_shape or [])})


BLOCK = ImageBlock()
