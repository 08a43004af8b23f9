"""The model descriptor's schema, checked whenever one is loaded or used for code.

A descriptor (``descriptor.json`` beside ``model.tflite``) is a file anyone can edit or
send. Its fields end up in C headers, Arduino sketches that ``flash --tool arduino-cli``
compiles and uploads, binary descriptors a board parses, and the host's own arithmetic.
So every field is checked for type and range here, before any of that happens; a
violation is a :class:`~tinystudio.errors.TrainingError` naming the file and the field.
The limits are generous for real models and tight enough that no value can be code:
``ops`` are upper-case TFLM operator names, text fields hold no control characters.
"""

from __future__ import annotations

import math
import re
import unicodedata

from tinystudio.dataset.names import label_problem
from tinystudio.errors import TrainingError

TASKS = ("classification", "anomaly", "regression")
IMPULSE_STAGES = ("input", "processing", "learning")
MAX_PARAMS = 32
SENSOR_KINDS = ("imu", "microphone", "camera", "generic", "vibration")
FRONTENDS = ("raw", "micro_speech", "microfrontend", "image")
MAX_LABELS = 256
MAX_CHANNELS = 64
MAX_RATE_HZ = 1_000_000.0
MAX_WINDOW = 10_000_000
MAX_OPS = 256
MAX_TEXT = 128
MAX_ARENA = (1 << 31) - 1
#: A TFLM builtin operator as the descriptor names it (FULLY_CONNECTED, CONV_2D, ...).
OP_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")

REQUIRED = ("labels", "sensor_kind", "frontend", "rate_hz", "channels", "window", "stride",
            "input_shape", "input_scale", "input_zero_point", "output_scale", "output_zero_point")


class _Bad(Exception):
    pass


def _int(v, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        else:
            raise _Bad(f"is {v!r}, not a whole number")
    if not lo <= v <= hi:
        raise _Bad(f"is {v}, outside {lo}..{hi}")
    return v


def _num(v, lo: float, hi: float, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"is {v!r}, not a number")
    if not math.isfinite(v):
        raise _Bad(f"is {v}, not a finite number")
    if positive and not v > 0:
        raise _Bad(f"is {v}; it must be greater than 0")
    if not lo <= v <= hi:
        raise _Bad(f"is {v}, outside {lo:g}..{hi:g}")
    return float(v)


def _text(v, limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str):
        raise _Bad(f"is {v!r}, not text")
    if len(v) > limit:
        raise _Bad(f"is {len(v)} characters long; at most {limit} are allowed")
    for ch in v:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in "\u200c\u200d":
            raise _Bad(f"contains the control character U+{ord(ch):04X}")
    return v


def _list(v, limit: int, lo: int = 0) -> list:
    if not isinstance(v, list):
        raise _Bad(f"is {type(v).__name__}, not a list")
    if not lo <= len(v) <= limit:
        raise _Bad(f"has {len(v)} entries; {lo}..{limit} are allowed")
    return v


def _labels(v) -> None:
    _list(v, MAX_LABELS, 1)
    for i, lab in enumerate(v):
        problem = label_problem(lab)
        if problem:
            raise _Bad(f"entry {i} ({str(lab)[:40]!r}) {problem}")
    if len(set(v)) != len(v):
        raise _Bad("has the same label twice")


def _channels(v) -> None:
    for i, c in enumerate(_list(v, MAX_CHANNELS)):
        try:
            _text(c, 64)
        except _Bad as exc:
            raise _Bad(f"entry {i} {exc}") from None


def _ops(v) -> None:
    for i, op in enumerate(_list(v, MAX_OPS)):
        if not isinstance(op, str) or not OP_NAME.match(op):
            raise _Bad(f"entry {i} ({str(op)[:40]!r}) is not a TFLM operator name (upper-case "
                       "letters, digits and _)")


def _floats(v, n_channels: int, nonzero: bool = False) -> None:
    _list(v, MAX_CHANNELS)
    if v and len(v) != n_channels:
        raise _Bad(f"has {len(v)} entries for {n_channels} channels")
    for i, x in enumerate(v):
        try:
            _num(x, -1e30, 1e30)
        except _Bad as exc:
            raise _Bad(f"entry {i} {exc}") from None
        if nonzero and x == 0:
            raise _Bad(f"entry {i} is 0")


def _shape(v) -> None:
    for i, d in enumerate(_list(v, 4, 1)):
        try:
            _int(d, 1, MAX_WINDOW)
        except _Bad as exc:
            raise _Bad(f"entry {i} {exc}") from None


def _param(v) -> None:
    if isinstance(v, list):
        for i, x in enumerate(_list(v, MAX_CHANNELS)):
            try:
                _param(x) if not isinstance(x, list) else _fail("is a nested list")
            except _Bad as exc:
                raise _Bad(f"entry {i} {exc}") from None
    elif isinstance(v, str):
        _text(v)
    elif v is not None and not isinstance(v, bool):
        _num(v, -1e30, 1e30)


def _impulse(v) -> None:
    """``{stage: {"block": name, param: number | text | bool | short list}}``."""
    if not isinstance(v, dict):
        raise _Bad(f"is {type(v).__name__}, not an object")
    for stage, params in v.items():
        if stage not in IMPULSE_STAGES:
            raise _Bad(f"has stage {str(stage)[:40]!r}, not one of {', '.join(IMPULSE_STAGES)}")
        if not isinstance(params, dict) or len(params) > MAX_PARAMS:
            raise _Bad(f"stage {stage!r} is not an object of at most {MAX_PARAMS} parameters")
        for key, val in params.items():
            try:
                _text(key, 64)
                _param(val)
            except _Bad as exc:
                raise _Bad(f"stage {stage!r} parameter {str(key)[:40]!r} {exc}") from None


RECOGNITION = {"average_window_ms": (1, 60_000), "threshold": (0, 1), "suppression_ms": (0, 600_000),
               "minimum_count": (1, 1000), "fa_per_hour": (0, 1e9), "miss_rate": (0, 1),
               "stream_seconds": (0, 1e9), "target_fa_per_hour": (0, 1e9)}


def _recognition(v) -> None:
    """``{setting: number}`` with the keys deploy/recognize.py and the continuous evaluation write."""
    if not isinstance(v, dict):
        raise _Bad(f"is {type(v).__name__}, not an object")
    for key, val in v.items():
        if key not in RECOGNITION:
            raise _Bad(f"has {str(key)[:40]!r}, not one of {', '.join(RECOGNITION)}")
        try:
            _num(val, *RECOGNITION[key])
        except _Bad as exc:
            raise _Bad(f"entry {key!r} {exc}") from None
    if "threshold" in v and v["threshold"] <= 0:
        raise _Bad("entry 'threshold' must be above 0")


def check_descriptor_dict(data, where: str = "model descriptor") -> None:
    """Raise TrainingError unless ``data`` (a parsed descriptor.json) follows the schema."""
    if not isinstance(data, dict):
        raise TrainingError(f"{where}: not a model descriptor (a JSON object is expected)")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise TrainingError(f"{where}: model descriptor lacks {', '.join(missing)}; train the model again")
    n = len(data["channels"]) if isinstance(data["channels"], list) else 0
    checks = {
        "labels": _labels,
        "sensor_kind": lambda v: v in SENSOR_KINDS or _fail(f"is {v!r}, not one of {', '.join(SENSOR_KINDS)}"),
        "frontend": lambda v: v in FRONTENDS or _fail(f"is {v!r}, not one of {', '.join(FRONTENDS)}"),
        "rate_hz": lambda v: _num(v, 0, MAX_RATE_HZ, positive=True),
        "channels": _channels,
        "window": lambda v: _int(v, 1, MAX_WINDOW),
        "stride": lambda v: _int(v, 1, MAX_WINDOW),
        "input_shape": _shape,
        "input_scale": lambda v: _num(v, 0, 1e30, positive=True),
        "input_zero_point": lambda v: _int(v, -128, 127),
        "output_scale": lambda v: _num(v, 0, 1e30, positive=True),
        "output_zero_point": lambda v: _int(v, -128, 127),
        "sensor_name": lambda v: _text(v, 64),
        "raw_scale": lambda v: _floats(v, n),
        "norm_offset": lambda v: _floats(v, n),
        "norm_scale": lambda v: _floats(v, n, nonzero=True),
        "input_gain": lambda v: _floats(v, n),
        "input_bias": lambda v: _floats(v, n),
        "model_name": _text,
        "ops": _ops,
        "arena_bytes": lambda v: _int(v, 0, MAX_ARENA),
        "created": lambda v: _text(v, 64),
        "version": lambda v: _int(v, 0, 1 << 16),
        "task": lambda v: v in TASKS or _fail(f"is {v!r}, not one of {', '.join(TASKS)}"),
        "impulse": _impulse,
        "score_threshold": lambda v: v is None or _num(v, -1e30, 1e30),
        "recognition": _recognition,
    }
    for key, check in checks.items():
        if key not in data:
            continue
        try:
            check(data[key])
        except _Bad as exc:
            raise TrainingError(f"{where}: model descriptor field {key!r} {exc}; train the model "
                                "again or restore its descriptor.json") from None


def _fail(message: str):
    raise _Bad(message)
