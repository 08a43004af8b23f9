"""How the virtual board turns its live stream into model inputs, per descriptor front end.

Each class takes raw sensor blocks and yields complete int8 model inputs, one every
``stride`` time steps, written the way firmware would (float32 multiply-add, round half
away from zero, clamp). RAW: per-channel ``q = v * mul + add``. MICRO_SPEECH: TFLM's own
audio preprocessor model, reset before every window like the host's feature code.
IMAGE: luma, bilinear resize with half-pixel centres, quantize with the input scale.
"""

from __future__ import annotations

import numpy as np

from tinystudio.devices import model_messages as mm
from tinystudio.resources import resource_path

FRAME_SAMPLES = 480
STRIDE_SAMPLES = 320
N_FEATURES = 40


def _round_half_away(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    return np.sign(y) * np.floor(np.abs(y) + np.float32(0.5))


def _round_clip(y: np.ndarray) -> np.ndarray:
    return np.clip(_round_half_away(y), -128, 127).astype(np.int8)


def _quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Float value -> int8 input: round(x / scale) + zero_point, clamped (as TFLite quantizes)."""
    q = _round_half_away(np.asarray(x, dtype=np.float32) / np.float32(scale)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


class RawWindows:
    def __init__(self, desc: mm.BoardDescriptor) -> None:
        self.desc = desc
        self.buf = np.zeros((desc.window, desc.n_channels), dtype=np.int8)
        self.filled = 0
        self.since = 0
        self.mul = np.asarray(desc.mul, dtype=np.float32)
        self.add = np.asarray(desc.add, dtype=np.float32)

    def feed(self, block: np.ndarray):
        d = self.desc
        v = np.asarray(block, dtype=np.float32).reshape(len(block), -1)[:, : d.n_channels]
        for step in _round_clip(v * self.mul + self.add):
            self.buf[:-1] = self.buf[1:]
            self.buf[-1] = step
            self.filled = min(d.window, self.filled + 1)
            self.since += 1
            if self.filled == d.window and self.since >= d.stride:
                self.since = 0
                yield self.buf.copy()


class AudioWindows:
    """The last ``window`` feature frames' worth of audio, featurized from a reset state."""

    def __init__(self, desc: mm.BoardDescriptor) -> None:
        from tflite_micro.python.tflite_micro import runtime

        self.desc = desc
        model = resource_path("audio_preprocessor_int8.tflite").read_bytes()
        self.frontend = runtime.Interpreter.from_bytes(model, arena_size=32 * 1024)
        self.n = FRAME_SAMPLES + (desc.window - 1) * STRIDE_SAMPLES
        self.step = desc.stride * STRIDE_SAMPLES
        self.audio = np.zeros(0, dtype=np.int16)
        self.seen = 0
        self.next_at = self.n

    def features(self, clip: np.ndarray) -> np.ndarray:
        self.frontend.reset()
        out = np.zeros((self.desc.window, N_FEATURES), dtype=np.int8)
        for i in range(self.desc.window):
            frame = clip[i * STRIDE_SAMPLES : i * STRIDE_SAMPLES + FRAME_SAMPLES]
            self.frontend.set_input(frame.reshape(1, FRAME_SAMPLES).astype(np.int16), 0)
            self.frontend.invoke()
            out[i] = np.array(self.frontend.get_output(0), dtype=np.int8).reshape(N_FEATURES)
        d = self.desc
        if d.input_scale == 1.0 and d.input_zero_point == 0:
            return out
        return _quantize(out, d.input_scale, d.input_zero_point)

    def feed(self, block: np.ndarray):
        samples = np.asarray(block).reshape(-1).astype(np.int16)
        self.audio = np.concatenate([self.audio, samples])[-(self.n + len(samples)) :]
        self.seen += len(samples)
        while self.next_at <= self.seen:
            end = len(self.audio) - (self.seen - self.next_at)
            self.next_at += self.step
            if end >= self.n:
                yield self.features(self.audio[end - self.n : end])


class KeywordWindows(AudioWindows):
    """MICROFRONTEND: the keyword front end (tinystudio/dsp/microfrontend.py) over the last
    ``window`` frames' worth of audio from a reset state, as the firmware glue does."""

    def __init__(self, desc: mm.BoardDescriptor) -> None:
        from tinystudio.dsp.microfrontend import KeywordFrontend

        self.desc = desc
        self.keyword = KeywordFrontend()
        self.n = FRAME_SAMPLES + (desc.window - 1) * STRIDE_SAMPLES
        self.step = desc.stride * STRIDE_SAMPLES
        self.audio = np.zeros(0, dtype=np.int16)
        self.seen = 0
        self.next_at = self.n

    def features(self, clip: np.ndarray) -> np.ndarray:
        out = self.keyword.features(clip)[: self.desc.window]
        d = self.desc
        if d.input_scale == 1.0 and d.input_zero_point == 0:
            return out
        return _quantize(out, d.input_scale, d.input_zero_point)


class ImageWindows:
    """One input per ``stride`` camera frames: luma, bilinear resize, quantize."""

    def __init__(self, desc: mm.BoardDescriptor, input_shape: list[int]) -> None:
        self.desc = desc
        self.height, self.width = int(input_shape[-3]), int(input_shape[-2])
        self.channels = int(input_shape[-1])
        self.since = 0

    def prepare(self, image: np.ndarray) -> np.ndarray:
        img = np.asarray(image, dtype=np.float32)
        if self.channels == 1 and img.ndim == 3 and img.shape[-1] == 3:
            img = img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        h, w = img.shape[:2]
        ys = np.clip((np.arange(self.height) + 0.5) * h / self.height - 0.5, 0, h - 1)
        xs = np.clip((np.arange(self.width) + 0.5) * w / self.width - 0.5, 0, w - 1)
        y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
        y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
        wy = (ys - y0).reshape(-1, 1, *([1] * (img.ndim - 2)))
        wx = (xs - x0).reshape(1, -1, *([1] * (img.ndim - 2)))
        top = img[y0][:, x0] * (1 - wx) + img[y0][:, x1] * wx
        bottom = img[y1][:, x0] * (1 - wx) + img[y1][:, x1] * wx
        x = top * (1 - wy) + bottom * wy
        if x.ndim == 2:
            x = np.repeat(x[..., None], self.channels, axis=-1)
        d = self.desc
        return _quantize(x, d.input_scale, d.input_zero_point)

    def feed(self, block: np.ndarray):
        for image in block:
            self.since += 1
            if self.since >= self.desc.stride:
                self.since = 0
                yield self.prepare(image)


def live_windows(desc: mm.BoardDescriptor, input_shape: list[int]):
    if desc.frontend == mm.Frontend.MICRO_SPEECH:
        return AudioWindows(desc)
    if desc.frontend == mm.Frontend.MICROFRONTEND:
        return KeywordWindows(desc)
    if desc.frontend == mm.Frontend.IMAGE:
        return ImageWindows(desc, input_shape)
    return RawWindows(desc)
