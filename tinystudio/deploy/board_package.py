"""From a trained model package to what travels to a board: ``.tflite`` + binary descriptor.

The ML layer describes a model in JSON (sensor kind, rate, window in samples, front end,
quantization, labels, per-channel gain/bias). A board wants the compact binary
descriptor of docs/protocol.md section 6.1, in its own units: the sensor's id on *this*
board, the window in time steps of the front end's output (samples for raw IMU data,
feature frames for the audio front end). This module does that translation once, and
refuses early, naming the mismatch, when a model cannot run on the connected board.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import DeviceInfo
from tinystudio.errors import DeployError

# The TFLM micro_speech front end: 480-sample (30 ms) frames every 320 samples (20 ms).
AUDIO_FRAME_SAMPLES = 480
AUDIO_STRIDE_SAMPLES = 320
AUDIO_FEATURES = 40
_FRONTENDS = {"raw": mm.Frontend.RAW, "micro_speech": mm.Frontend.MICRO_SPEECH,
              "image": mm.Frontend.IMAGE, "microfrontend": mm.Frontend.MICROFRONTEND}  # fmt: skip


@dataclass(frozen=True)
class BoardPackage:
    """Exactly the bytes a board receives: the model and its binary descriptor."""

    tflite: bytes
    descriptor: mm.BoardDescriptor
    name: str = "model"

    @property
    def descriptor_bytes(self) -> bytes:
        return mm.encode_descriptor(self.descriptor)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.descriptor.labels


def _f32(x: float) -> float:
    """The value as the board will hold it (the descriptor carries f32)."""
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def gains_for_board(desc, sensor, gains: tuple[float, ...]) -> tuple[float, ...]:
    """The per-channel gains in the connected board's raw units, not the recordings'.

    Why: ``input_gain`` maps a *recording's* raw value to the int8 input. A board whose
    HELLO gives another channel scale (a Nano 33 streaming int16 at 1/8192 g where the
    training data was an imported float CSV at scale 1, or a replay whose decimals differ)
    would otherwise feed the model values 8192 times too large. Physical value = raw x
    scale on both sides, so the board's gain is the recording's x board scale / recording
    scale; equal scales leave the gain unchanged, bit for bit.
    """
    raw = desc.raw_scale or [1.0] * len(gains)
    out = []
    for g, rec_scale, ch in zip(gains, raw, sensor.channels, strict=True):
        board_scale = float(ch.scale)
        same = board_scale == float(rec_scale) or not rec_scale or not board_scale
        out.append(g if same else _f32(g * board_scale / float(rec_scale)))
    return tuple(out)


def board_descriptor(desc, info: DeviceInfo | None = None) -> mm.BoardDescriptor:
    """Map an ML :class:`~tinystudio.ml.package.ModelDescriptor` to the binary descriptor."""
    frontend = _FRONTENDS.get(desc.frontend)
    if frontend is None:
        raise DeployError(f"model front end {desc.frontend!r} is unknown to the board protocol")
    sensor_id = 0
    if info is not None:
        key = desc.sensor_name or desc.sensor_kind
        try:
            sensor = info.sensor(key)
        except KeyError:
            try:
                sensor = info.sensor(desc.sensor_kind)
            except KeyError as exc:
                raise DeployError(
                    f"the model needs a {desc.sensor_kind} sensor; {exc.args[0]}"
                ) from None
        sensor_id = sensor.sensor_id
    mul: tuple[float, ...] = ()
    add: tuple[float, ...] = ()
    if frontend == mm.Frontend.RAW:
        n_channels = len(desc.channels)
        if not desc.input_gain:
            desc.fold_input_affine()
        mul, add = tuple(map(_f32, desc.input_gain)), tuple(map(_f32, desc.input_bias))
        if info is not None and sensor.n_channels != n_channels:
            raise DeployError(
                f"the model reads {n_channels} channels ({', '.join(desc.channels)}) but sensor "
                f"{sensor.name!r} of {info.board_name} has {sensor.n_channels}"
            )
        if info is not None:
            mul = gains_for_board(desc, sensor, mul)
        window, stride = int(desc.window), int(desc.stride)
    elif frontend in (mm.Frontend.MICRO_SPEECH, mm.Frontend.MICROFRONTEND):
        n_channels = AUDIO_FEATURES
        window = 1 + (int(desc.window) - AUDIO_FRAME_SAMPLES) // AUDIO_STRIDE_SAMPLES
        stride = max(1, round(int(desc.stride) / AUDIO_STRIDE_SAMPLES))
    else:
        n_channels = int(desc.input_shape[-1]) if desc.input_shape else 1
        window, stride = 1, max(1, int(desc.stride))
    return mm.BoardDescriptor(
        sensor_id=sensor_id,
        frontend=frontend,
        n_channels=n_channels,
        window=window,
        stride=stride,
        input_scale=_f32(desc.input_scale),
        input_zero_point=int(desc.input_zero_point),
        output_scale=_f32(desc.output_scale),
        output_zero_point=int(desc.output_zero_point),
        labels=tuple(desc.labels),
        mul=mul,
        add=add,
    )


def load_model_package(path: str | Path):
    """A model package from a package folder, a ``.tflite`` beside its descriptor, or a
    project folder (its current model)."""
    from tinystudio.errors import TrainingError
    from tinystudio.ml.package import MODEL_FILE, ModelPackage

    path = Path(path)
    if not path.exists():
        raise DeployError(f"{path} does not exist; give a project folder or a model package")
    try:
        if path.is_dir() and not (path / MODEL_FILE).exists():
            from tinystudio.ml.pipeline import load_current_package

            return load_current_package(path)
        return ModelPackage.load(path)
    except TrainingError as exc:
        raise DeployError(str(exc)) from None


def to_board_package(package, info: DeviceInfo | None = None) -> BoardPackage:
    """Accept a :class:`BoardPackage`, an ML ``ModelPackage`` or a path to one."""
    if isinstance(package, BoardPackage):
        return package
    if isinstance(package, (str, Path)):
        package = load_model_package(package)
    desc = package.descriptor
    return BoardPackage(package.tflite, board_descriptor(desc, info), desc.model_name or "model")
