"""Processing block ``microfrontend``: TFLM's audio microfrontend, 49x40 int8 features.

The studio's keyword front end (tinystudio/dsp/microfrontend.py): the host runs it from
PyPI's pymicro-features, the virtual board the same, the firmware the same C library, so
the model input is the same bytes everywhere. Augmentation as for ``micro_speech``.
"""

from __future__ import annotations

from tinystudio.ml.blocks.processing_micro_speech import MicroSpeechBlock


class MicrofrontendBlock(MicroSpeechBlock):
    name = "microfrontend"
    description = "TFLM audio microfrontend (host and board): 49x40 int8 spectrogram"
    frontends = ("microfrontend",)
    default = True

    def make_frontend(self):
        from tinystudio.dsp.microfrontend import KeywordFrontend

        return KeywordFrontend()


BLOCK = MicrofrontendBlock()
