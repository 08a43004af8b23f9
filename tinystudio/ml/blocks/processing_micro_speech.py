"""Processing block ``micro_speech``: TFLM's audio preprocessor, 49x40 int8 features.

The same front end runs on the board, so the model input is its int8 output unchanged.
Training clips get ``augment_copies`` (default 2) augmented copies each: time shift,
gain and background noise from the project's own noise/silence clips.
"""

from __future__ import annotations

import numpy as np

from tinystudio.ml import data as D
from tinystudio.ml.impulse import Features, ProcessingBlock, Windows
from tinystudio.ml.trainer import TrainingStopped

NOISE_NAMES = {"noise", "silence", "background", "_background_noise_", "_silence_"}


class MicroSpeechBlock(ProcessingBlock):
    name = "micro_speech"
    description = "TFLM micro_speech front end: 49x40 int8 spectrogram"
    frontends = ("micro_speech",)
    default = True

    def make_frontend(self):
        from tinystudio.dsp.audio import MicroFrontend

        return MicroFrontend()

    def features(self, windows: Windows, settings: dict, seed: int, stop) -> Features:
        frontend = self.make_frontend()
        spec, tr, te = windows.spec, windows.train, windows.test
        # (49, 40) -> (49, 40, 1): no reshape op in the model
        train = D.frontend_inputs(spec, tr.x, frontend)[..., None]
        test = D.frontend_inputs(spec, te.x, frontend)[..., None]
        copies = int(settings.get("augment_copies", 2))
        aug_x, aug_labels = _augmented(tr, copies, seed, frontend, stop)
        if len(aug_x):
            train = np.concatenate([train, aug_x[..., None]])
        return Features(train, list(tr.labels) + aug_labels, test, list(te.labels),
                        len(tr.labels), {"augment_copies": copies})


def _augmented(train_ex, copies: int, seed: int, frontend, stop):
    if copies <= 0 or not len(train_ex.labels):
        return np.zeros((0,)), []
    from tinystudio.ml.augment import augment_audio

    noises = [c for c, lab in zip(train_ex.x, train_ex.labels, strict=True)
              if lab.lower() in NOISE_NAMES]
    rng = np.random.default_rng(seed + 1)
    xs, labels = [], []
    for _ in range(copies):
        for clip, lab in zip(train_ex.x, train_ex.labels, strict=True):
            if stop is not None and stop.is_set():
                raise TrainingStopped("training stopped by request; the project is unchanged")
            xs.append(frontend.spectrogram(augment_audio(clip, rng, noises)))
            labels.append(lab)
    return np.stack(xs), labels


BLOCK = MicroSpeechBlock()
