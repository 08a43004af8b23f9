"""The audio front end: TFLM's own int8 preprocessor, run in the TFLM interpreter.

Keyword-spotting features must be identical on the host and on the board, so the host
does not re-implement the front end in numpy: it runs the very ``.tflite`` the board runs
(``audio_preprocessor_int8.tflite`` from the TFLM micro_speech example: 480 int16 samples
= 30 ms at 16 kHz in, 40 int8 filterbank features out, one frame every 20 ms). The
preprocessor is stateful (noise estimate, gain control); every clip starts from a reset
state, which the board reproduces by resetting before each one-second window.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from tinystudio.errors import DatasetError
from tinystudio.resources import RESOURCES_DIR

SAMPLE_RATE = 16000
FRAME_SAMPLES = 480  # 30 ms
STRIDE_SAMPLES = 320  # 20 ms
N_FEATURES = 40
CLIP_SAMPLES = 16000  # 1 s
N_FRAMES = 1 + (CLIP_SAMPLES - FRAME_SAMPLES) // STRIDE_SAMPLES  # 49
FRONTEND_NAME = "micro_speech"
PREPROCESSOR_FILE = "audio_preprocessor_int8.tflite"
_ARENA = 32 * 1024


def preprocessor_path() -> Path:
    path = RESOURCES_DIR / PREPROCESSOR_FILE
    if not path.exists():
        raise DatasetError(
            f"audio front end {path} is missing; reinstall TinyStudio from a full checkout"
        )
    return path


class MicroFrontend:
    """One TFLM interpreter running the int8 audio preprocessor, reused across clips."""

    def __init__(self, model_bytes: bytes | None = None) -> None:
        from tflite_micro.python.tflite_micro import runtime

        data = model_bytes if model_bytes is not None else preprocessor_path().read_bytes()
        self._interp = runtime.Interpreter.from_bytes(data, arena_size=_ARENA)

    def reset(self) -> None:
        self._interp.reset()

    def frame(self, samples: np.ndarray) -> np.ndarray:
        """Features (40 int8) of one 480-sample frame, advancing the front end's state."""
        self._interp.set_input(np.asarray(samples, dtype=np.int16).reshape(1, FRAME_SAMPLES), 0)
        self._interp.invoke()
        return np.array(self._interp.get_output(0), dtype=np.int8).reshape(N_FEATURES)

    def features(self, samples: np.ndarray) -> np.ndarray:
        """``(n_frames, 40)`` int8 features of a clip, from a freshly reset state."""
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        self.reset()
        n = 0 if len(samples) < FRAME_SAMPLES else 1 + (len(samples) - FRAME_SAMPLES) // STRIDE_SAMPLES
        out = np.zeros((n, N_FEATURES), dtype=np.int8)
        for i in range(n):
            out[i] = self.frame(samples[i * STRIDE_SAMPLES : i * STRIDE_SAMPLES + FRAME_SAMPLES])
        return out

    def spectrogram(self, samples: np.ndarray) -> np.ndarray:
        """The model input for one second of audio: ``(49, 40)`` int8.

        Shorter clips are zero-padded at the end, longer ones cut to their first second.
        """
        return self.features(one_second(samples))


def one_second(samples: np.ndarray) -> np.ndarray:
    """Exactly one second of int16 audio, as every keyword front end's model input needs:
    shorter clips zero-padded at the end, longer ones cut to their first second."""
    clip = np.zeros(CLIP_SAMPLES, dtype=np.int16)
    samples = np.asarray(samples, dtype=np.int16).reshape(-1)[:CLIP_SAMPLES]
    clip[: len(samples)] = samples
    return clip


#: Front ends whose input is 16 kHz audio and whose output is 49x40 int8 per second.
AUDIO_FRONTENDS = ("microfrontend", FRONTEND_NAME)


def frontend_for(name: str):
    """The host implementation of an audio front end named in a descriptor.

    ``microfrontend`` (what the studio trains keyword models with; it runs on the boards
    too) or ``micro_speech`` (TFLM's preprocessor model, kept for TFLM's own reference
    model, which was trained on it)."""
    if name == "microfrontend":
        from tinystudio.dsp.microfrontend import KeywordFrontend

        return KeywordFrontend()
    if name == FRONTEND_NAME:
        return MicroFrontend()
    raise DatasetError(f"audio front end {name!r} is unknown; use one of {', '.join(AUDIO_FRONTENDS)}")


def read_wav(path: str | Path) -> tuple[int, np.ndarray]:
    """``(rate_hz, int16 mono samples)`` of a PCM WAV file; stereo is averaged."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise DatasetError(f"{path}: not a readable PCM WAV file ({exc})") from exc
    if width != 2:
        raise DatasetError(f"{path}: {8 * width}-bit WAV; TinyStudio reads 16-bit PCM audio")
    data = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)
    mono = data[:, 0] if channels == 1 else data.astype(np.int32).mean(axis=1).astype(np.int16)
    return rate, mono.astype(np.int16)


def resample_int16(samples: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Linear-interpolation resampling; only used for clips not recorded at 16 kHz."""
    if rate_in == rate_out:
        return np.asarray(samples, dtype=np.int16)
    n_out = int(round(len(samples) * rate_out / rate_in))
    t = np.arange(n_out) * (rate_in / rate_out)
    out = np.interp(t, np.arange(len(samples)), np.asarray(samples, dtype=np.float64))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
