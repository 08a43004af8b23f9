"""Processing block ``raw``: the window itself is the model input (IMU, generic sensors).

Per-channel normalization (mean and standard deviation of the physical training values)
is learned here and stored in the descriptor; the board folds it with the int8 input
quantization into one gain and bias per channel (``ModelDescriptor.fold_input_affine``).
Feature blocks that compute something on the host and the board (spectral, MFE, MFCC)
are siblings of this module: ``processing_<name>.py`` with ``frontends = ("raw",)``.
"""

from __future__ import annotations

from tinystudio.ml.impulse import Features, ProcessingBlock, Windows
from tinystudio.ml.inputs import normalization


class RawBlock(ProcessingBlock):
    name = "raw"
    description = "raw windows, normalized per channel"
    frontends = ("raw",)
    default = True

    def features(self, windows: Windows, settings: dict, seed: int, stop) -> Features:
        tr, te = windows.train, windows.test
        return Features(tr.x, list(tr.labels), te.x, list(te.labels), len(tr.labels))

    def describe(self, desc, windows: Windows, features: Features) -> None:
        desc.norm_offset, desc.norm_scale = normalization(windows.train.x, windows.spec.raw_scale)


BLOCK = RawBlock()
