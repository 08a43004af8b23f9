"""The keyword front end: TFLM's audio microfrontend, one definition for host and boards.

Why this and not the audio preprocessor ``.tflite``: a board can only run that model with
TFLM's signal ops, which the Arduino TFLM libraries do not ship, so keyword models could
never leave the virtual board. The microfrontend library
(``tensorflow/lite/experimental/microfrontend/lib``) is plain C-style code every TFLM port
carries. The host runs it through PyPI's ``pymicro-features`` (a wrapper of exactly that
code); the emulated board compiles the C sources *from that package's sdist* at build
time (firmware_recorders/qemu_mps2/Makefile), so both run one implementation, and
tests/firmware/test_kws_frontend_parity.py checks the int8 features byte for byte.

The definition (descriptor front end ``microfrontend``; docs/keywords.md):

* 16 kHz int16 mono; the library runs with ``pymicro-features``' fixed configuration:
  30 ms window, 10 ms step, 40 channels 125-7500 Hz, noise reduction, PCAN, log scale 6.
* The model sees every second frame: 49 frames x 40 features per second, frame ``i``
  starting at sample ``320 * i`` (30 ms windows every 20 ms). The library's state (noise
  estimate, gain control) still advances every 10 ms, on host and board alike.
* int8 value of a feature ``v`` (uint16): ``clamp((v * 256 + 333) // 666 - 128)``, the
  conversion of TFLM's micro_speech feature provider.
* A clip's features start from a reset state; streaming keeps the state running.
"""

from __future__ import annotations

import numpy as np

from tinystudio.errors import DatasetError

FRONTEND_NAME = "microfrontend"
SAMPLE_RATE = 16000
CHUNK_SAMPLES = 160  # the library's 10 ms step
FRAME_SAMPLES = 480  # 30 ms window
STRIDE_SAMPLES = 320  # 20 ms between the frames the model sees
DECIMATION = STRIDE_SAMPLES // CHUNK_SAMPLES
N_FEATURES = 40
CLIP_SAMPLES = 16000
N_FRAMES = 1 + (CLIP_SAMPLES - FRAME_SAMPLES) // STRIDE_SAMPLES  # 49
_FLOAT_SCALE = 0.0390625  # pymicro-features reports uint16 values times this (exact)
_VALUE_DIV = 666  # int(25.6 * 26 + 0.5), TFLM micro_speech


def to_int8(values: np.ndarray) -> np.ndarray:
    """uint16 microfrontend outputs -> int8 features (TFLM micro_speech's conversion)."""
    v = np.asarray(values, dtype=np.int64)
    q = (v * 256 + _VALUE_DIV // 2) // _VALUE_DIV - 128
    return np.clip(q, -128, 127).astype(np.int8)


def _library():
    try:
        from pymicro_features import MicroFrontend as Library
    except ImportError as exc:  # pragma: no cover - a broken install
        raise DatasetError(
            f"the keyword front end needs the pymicro-features package ({exc}); "
            "install it with: pip install pymicro-features"
        ) from None
    return Library()


class KeywordFrontend:
    """One running microfrontend; ``feed`` streams, ``features`` featurizes a clip."""

    def __init__(self) -> None:
        self._lib = _library()
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames = 0  # library frames produced since the last reset

    def reset(self) -> None:
        self._lib.reset()
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames = 0

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Streams audio in; returns the ``(n, 40)`` int8 model frames it completed."""
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.int16).reshape(-1)])
        n_chunks = len(data) // CHUNK_SAMPLES
        out = []
        raw = data[: n_chunks * CHUNK_SAMPLES].astype("<i2").tobytes()
        for k in range(n_chunks):
            result = self._lib.process_samples(raw[k * 2 * CHUNK_SAMPLES : (k + 1) * 2 * CHUNK_SAMPLES])
            if not result.features:
                continue
            if self._frames % DECIMATION == 0:
                out.append(np.rint(np.asarray(result.features) / _FLOAT_SCALE))
            self._frames += 1
        self._pending = data[n_chunks * CHUNK_SAMPLES :]
        if not out:
            return np.zeros((0, N_FEATURES), dtype=np.int8)
        return to_int8(np.vstack(out))

    def features(self, samples: np.ndarray) -> np.ndarray:
        """``(n_frames, 40)`` int8 features of a clip, from a freshly reset state."""
        self.reset()
        out = self.feed(samples)
        self.reset()
        return out

    def spectrogram(self, samples: np.ndarray) -> np.ndarray:
        """The model input for one second of audio: ``(49, 40)`` int8.

        Shorter clips are zero-padded at the end, longer ones cut to their first second.
        """
        from tinystudio.dsp.audio import one_second

        return self.features(one_second(samples))
