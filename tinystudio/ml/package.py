"""The model package: an int8 ``.tflite`` plus the descriptor a board needs to feed it.

The descriptor is everything a board (or the host) needs to turn its own raw sensor
values into the model's int8 input, and the model's int8 output into labels; nothing else
about training is required to run the model. For IMU models the per-channel
normalization is *not* inside the model (one int8 input scale cannot serve accelerometer
g and gyroscope deg/s at once); instead the board computes, per channel ``c``::

    q = clamp(round_half_away(raw * input_gain[c] + input_bias[c]), -128, 127)

in float32, with ``input_gain``/``input_bias`` folding together the raw->physical scale,
the training normalization and the input quantization. :func:`quantize_raw_window` is the
host's implementation of that formula, used for training evaluation, classification and
board parity alike. For audio (``frontend == "micro_speech"``) the int8 features of the
TFLM audio preprocessor are the model input unchanged when ``input_scale == 1`` and
``input_zero_point == 0`` (TinyStudio's models are calibrated so); otherwise they are
requantized by :func:`quantize_features`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from tinystudio.errors import TrainingError

DESCRIPTOR_VERSION = 1
MODEL_FILE = "model.tflite"
DESCRIPTOR_FILE = "descriptor.json"
FRONTENDS = ("raw", "micro_speech", "microfrontend", "image")


@dataclass
class ModelDescriptor:
    """JSON-serializable description of how to feed a model and read its output."""

    labels: list[str]
    sensor_kind: str  # 'imu' | 'microphone' | 'camera'
    frontend: str  # 'raw' | 'micro_speech' | 'microfrontend' | 'image'
    rate_hz: float
    channels: list[str]
    window: int  # samples (audio: 16000 = 1 s of samples in; image: 1)
    stride: int  # samples between successive windows on a live stream
    input_shape: list[int]  # without the batch dimension
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    sensor_name: str = ""
    raw_scale: list[float] = field(default_factory=list)  # raw -> physical, per channel
    norm_offset: list[float] = field(default_factory=list)  # physical -> (x - off) / scale
    norm_scale: list[float] = field(default_factory=list)
    input_gain: list[float] = field(default_factory=list)  # raw -> int8 input, per channel
    input_bias: list[float] = field(default_factory=list)
    model_name: str = ""
    ops: list[str] = field(default_factory=list)
    arena_bytes: int = 0
    created: str = ""
    version: int = DESCRIPTOR_VERSION
    #: classification | anomaly | regression: what the output tensor means
    task: str = "classification"
    #: how the model was made, per stage: {"input": {"block": "windows", ...},
    #: "processing": {"block": "raw", ...}, "learning": {"block": "classifier", ...}}
    impulse: dict = field(default_factory=dict)
    #: anomaly: the output (dequantized) above which a window is an anomaly
    score_threshold: float | None = None
    #: keyword models: the streaming recognizer's settings (deploy/recognize.py) and what
    #: they were measured on, written by `tinystudio evaluate --continuous`; empty = defaults
    recognition: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict, where: str = "model descriptor") -> ModelDescriptor:
        """Build from parsed JSON, refusing (TrainingError naming ``where`` and the field)
        anything outside the schema: a descriptor file is input, not trusted code."""
        from tinystudio.ml.descriptor_check import check_descriptor_dict

        known = {f.name for f in fields(cls)}
        version = data.get("version", 0) if isinstance(data, dict) else 0
        if isinstance(version, int) and version > DESCRIPTOR_VERSION:
            raise TrainingError(
                f"model descriptor version {version} is newer than this TinyStudio "
                f"understands ({DESCRIPTOR_VERSION}); update TinyStudio"
            )
        check_descriptor_dict(data, where)
        return cls(**{k: v for k, v in data.items() if k in known})

    def validate(self, where: str = "model descriptor") -> None:
        """The same checks as :meth:`from_dict`, for a descriptor built or changed in memory."""
        from tinystudio.ml.descriptor_check import check_descriptor_dict

        check_descriptor_dict(asdict(self), where)

    def fold_input_affine(self) -> None:
        """Compute ``input_gain``/``input_bias`` from scale, normalization and quantization."""
        n = len(self.channels)
        raw = self.raw_scale or [1.0] * n
        off = self.norm_offset or [0.0] * n
        sc = self.norm_scale or [1.0] * n
        self.input_gain = [float(r / (s * self.input_scale)) for r, s in zip(raw, sc, strict=True)]
        self.input_bias = [
            float(self.input_zero_point - o / (s * self.input_scale)) for o, s in zip(off, sc, strict=True)
        ]


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + np.float32(0.5))


def quantize_raw_window(raw: np.ndarray, desc: ModelDescriptor) -> np.ndarray:
    """Raw ``(..., window, channels)`` sensor values -> int8 model input, as a board does."""
    raw = np.asarray(raw, dtype=np.float32)
    gain = np.asarray(desc.input_gain, dtype=np.float32)
    bias = np.asarray(desc.input_bias, dtype=np.float32)
    q = _round_half_away((raw * gain + bias).astype(np.float32))
    return np.clip(q, -128, 127).astype(np.int8)


def quantize_features(features: np.ndarray, desc: ModelDescriptor) -> np.ndarray:
    """Front-end int8 features -> model int8 input (identity for TinyStudio's KWS models)."""
    f = np.asarray(features)
    if desc.input_scale == 1.0 and desc.input_zero_point == 0:
        return f.astype(np.int8)
    q = _round_half_away(f.astype(np.float32) / np.float32(desc.input_scale)) + desc.input_zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def quantize_float(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Float model input -> int8 with the given quantization (images, float features)."""
    q = _round_half_away(np.asarray(x, dtype=np.float32) / np.float32(scale)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return (np.asarray(q, dtype=np.float32) - zero_point) * np.float32(scale)


@dataclass
class ModelPackage:
    """``.tflite`` bytes + descriptor; saved as a folder holding both files."""

    tflite: bytes
    descriptor: ModelDescriptor

    def save(self, directory: str | Path) -> Path:
        """Write both files into ``directory`` (created), each atomically."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        _atomic_write(directory / MODEL_FILE, self.tflite)
        _atomic_write(directory / DESCRIPTOR_FILE, self.descriptor.to_json().encode())
        return directory

    @classmethod
    def load(cls, path: str | Path) -> ModelPackage:
        """Load from a package folder or from a ``.tflite`` with ``descriptor.json`` beside it."""
        path = Path(path)
        if path.is_dir():
            model, desc = path / MODEL_FILE, path / DESCRIPTOR_FILE
        else:
            model, desc = path, path.with_name(DESCRIPTOR_FILE)
        if not model.exists():
            raise TrainingError(f"{model}: no model file; train the project first")
        if not desc.exists():
            raise TrainingError(
                f"{desc}: no model descriptor beside {model.name}; a bare .tflite can be run "
                "with `tinystudio classify --model M.tflite --labels ...`"
            )
        try:
            data = json.loads(desc.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TrainingError(f"{desc}: unreadable model descriptor ({exc})") from exc
        return cls(tflite=model.read_bytes(), descriptor=ModelDescriptor.from_dict(data, str(desc)))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a package is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
