"""Import of WAV files, image folders, Edge Impulse JSON and TinyStudio HDF5 recordings."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from tinystudio.dataset.importers.common import Parsed, nice_rate, read_text
from tinystudio.dataset.importers.wav import read_wav
from tinystudio.dataset.recording import RecordingMeta
from tinystudio.devices.protocol import MAX_CAMERA_SIDE
from tinystudio.devices.units import looks_imu, normalize_unit
from tinystudio.errors import DatasetError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
#: Largest image side imported: the boards' own camera limit (docs/protocol.md).
MAX_IMAGE_SIDE = MAX_CAMERA_SIDE
#: Decoded pixels of one class held at once by an import (all its images are stacked).
MAX_IMPORT_IMAGE_BYTES = 1 << 30
_F32_MAX = float(np.finfo(np.float32).max)


def parse_wav(path: Path, label: str | None, rate: float | None) -> Parsed:
    w = read_wav(path)
    ch = w.samples.shape[1]
    names = ["mic"] if ch == 1 else [f"ch{i}" for i in range(ch)]
    meta = RecordingMeta(
        sensor_kind="microphone", channel_names=names, units=["FS"] * ch, scale=[w.scale] * ch,
        rate_hz=float(rate or w.rate), sample_type=w.samples.dtype.newbyteorder("=").name,
        source=f"wav:{path.name}", extra={"wav_bits": int(w.bits)})
    n = len(w.samples)
    spans = [(0, n, label)] if label and n else []
    return Parsed(w.samples, meta, spans, path, path.stem)


def _check_image_size(path: Path, size: tuple[int, int]) -> None:
    """Refuse an image larger than a board's camera frame before decoding it.

    Why: a 20-byte PNG header can declare 65535 x 65535 pixels (12 GB decoded); the
    boards' own limit (protocol: 2048 per side) is far above any TinyML input."""
    w, h = size
    if not (1 <= w <= MAX_IMAGE_SIDE and 1 <= h <= MAX_IMAGE_SIDE):
        raise DatasetError(f"{path}: image is {w} x {h} pixels; at most {MAX_IMAGE_SIDE} x {MAX_IMAGE_SIDE} "
                           "can be imported: resize it first (e.g. mogrify -resize '2048x2048>' *.jpg)")


def _check_group_bytes(label: str, n_bytes: int) -> None:
    if n_bytes > MAX_IMPORT_IMAGE_BYTES:
        raise DatasetError(f"images of class {label!r}: {n_bytes // 2**20} MB of pixels in one import, more "
                           f"than {MAX_IMPORT_IMAGE_BYTES // 2**20} MB; import the folder in parts or "
                           "resize the images")


def load_image(path: Path) -> np.ndarray:
    from PIL import Image

    from tinystudio.image_errors import pil_decode_errors

    try:
        with Image.open(path) as im:
            _check_image_size(path, im.size)  # from the header, before any pixel is decoded
            im.load()
            if im.mode not in ("L", "RGB"):
                im = im.convert("L" if im.mode in ("1", "I", "I;16", "F", "LA") else "RGB")
            x = np.asarray(im, dtype=np.uint8)
    except Image.DecompressionBombError:  # raised by open() itself above ~179 M pixels
        raise DatasetError(f"{path}: image declares hundreds of millions of pixels; at most "
                           f"{MAX_IMAGE_SIDE} x {MAX_IMAGE_SIDE} can be imported: resize it first") from None
    except pil_decode_errors() as exc:
        raise DatasetError(f"{path}: not a readable PNG/JPEG image ({exc})") from None
    return x[:, :, None] if x.ndim == 2 else x


def parse_images(files: list[Path], label: str, stem: str, attrs: dict | None = None) -> list[Parsed]:
    """One recording per (class, image shape); each image is one sample and one segment.
    ``attrs`` (file -> attributes, e.g. Edge Impulse bounding boxes) are kept per frame."""
    groups: dict[tuple, list[tuple[Path, np.ndarray]]] = {}
    held = 0
    for f in sorted(files):
        img = load_image(f)
        held += img.nbytes
        _check_group_bytes(label, held)
        groups.setdefault(img.shape, []).append((f, img))
    out = []
    for shape, items in groups.items():
        h, w, c = shape
        names = ["gray"] if c == 1 else ["r", "g", "b"]
        meta = RecordingMeta(
            sensor_kind="camera", channel_names=names, rate_hz=1.0, sample_type="uint8",
            source=f"images:{label}", extra={"width": w, "height": h,
                                            "pixel_format": "gray8" if c == 1 else "rgb888",
                                            "frame_names": json.dumps([p.name for p, _ in items])})
        per_frame = {p.name: attrs[p] for p, _ in items if attrs and attrs.get(p)}
        if per_frame:
            meta.extra["frame_attributes"] = json.dumps(per_frame)
        samples = np.stack([img for _, img in items])
        spans = [(i, i + 1, label) for i in range(len(items))] if label else []
        out.append(Parsed(samples, meta, spans, items[0][0].parent, f"{stem}-{w}x{h}" if len(groups) > 1 else stem))
    return out


def _ei_rows(path: Path, values, n_ch: int) -> tuple[np.ndarray, bool]:
    """payload.values as an array; refuses null, booleans, NaN/Infinity and integers that
    do not fit 32 bits, naming the position (never NaN, 1.0 or a wrapped integer)."""
    if not isinstance(values, list):
        raise DatasetError(f"{path}: payload.values is not a list")
    rows = [v if isinstance(v, list) else [v] for v in values]
    all_int = True
    for i, r in enumerate(rows):
        if len(r) != n_ch:
            raise DatasetError(f"{path}: payload.values[{i}] has {len(r)} values, sensors lists {n_ch}")
        for j, x in enumerate(r):
            t = type(x)
            if t is int:
                if not -(2**31) <= x < 2**31:
                    raise DatasetError(f"{path}: payload.values[{i}][{j}]: {x} does not fit a 32-bit integer")
                continue
            if t is float:
                all_int = False
                if not math.isfinite(x) or abs(x) > _F32_MAX:
                    raise DatasetError(f"{path}: payload.values[{i}][{j}]: {x!r} is not a finite float32 number")
                continue
            what = "null" if x is None else json.dumps(x)
            raise DatasetError(f"{path}: payload.values[{i}][{j}]: {what} is not a number; "
                               "fix the file (a missing value cannot be imported)")
    arr = np.array(rows, dtype=np.float64).reshape(len(rows), n_ch)
    return arr, all_int


def _ei_audio_decimals(path: Path, arr: np.ndarray, peak: float) -> np.ndarray:
    """Edge Impulse audio written with decimal values, as int16 samples.

    Why: stored as floats, the audio path reads them as full-scale fractions (x 32767),
    so int16 magnitudes written as ``123.0`` were clipped almost everywhere, silently.
    Whole numbers up to 32768 are int16 samples; values within [-1, 1] are fractions of full
    scale; anything else (fractional values above 1) is ambiguous and refused."""
    if peak <= 1.0:
        return np.clip(np.round(arr * 32767.0), -32768, 32767).astype("<i2")
    if peak <= 32768.0 and bool(np.all(arr == np.round(arr))):
        return np.clip(arr, -32768, 32767).astype("<i2")
    raise DatasetError(
        f"{path}: audio values are decimals with fractions and reach {peak:g}: neither int16 "
        "samples nor fractions of full scale (-1..1); export the audio as int16 or WAV")


def parse_ei_json(path: Path, label: str | None, rate: float | None, keep_unlabeled: bool = False) -> Parsed:
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})") from exc
    payload = doc.get("payload") if isinstance(doc, dict) else None
    if not isinstance(payload, dict) or "values" not in payload or "sensors" not in payload:
        raise DatasetError(f"{path}: not an Edge Impulse data-acquisition file (no payload.values/sensors)")
    sensors = payload["sensors"]
    if not isinstance(sensors, list) or not sensors or not all(isinstance(s, dict) for s in sensors):
        raise DatasetError(f"{path}: payload.sensors must be a non-empty list of {{name, units}}")
    names = [str(s.get("name", f"ch{i}")) for i, s in enumerate(sensors)]
    units = [normalize_unit(str(s.get("units", ""))) for s in sensors]
    arr, all_int = _ei_rows(path, payload["values"], len(names))
    peak = float(np.max(np.abs(arr))) if arr.size else 0.0
    samples = arr.astype("<i2" if all_int and peak < 2**15 else "<i4" if all_int else "<f4")
    if rate is None:
        interval = payload.get("interval_ms")
        if type(interval) not in (int, float) or not interval > 0 or not math.isfinite(interval):
            raise DatasetError(f"{path}: payload.interval_ms missing or not positive; pass --rate HZ")
        rate = nice_rate(1000.0 / interval)
    kind = "microphone" if names and names[0].lower() in ("audio", "mic", "microphone") else "generic"
    if looks_imu(names, units):
        kind = "imu"
    if kind == "microphone" and not all_int:
        samples = _ei_audio_decimals(path, arr, peak)
    if label is None and not keep_unlabeled:
        # Edge Impulse names files <label>.<sample id>.json
        label = path.stem.split(".", 1)[0] if "." in path.stem else None
    meta = RecordingMeta(
        sensor_kind=kind, channel_names=names, units=units, rate_hz=float(rate),
        sample_type=samples.dtype.newbyteorder("=").name, source=f"ei-json:{path.name}",
        board=str(payload.get("device_type", "")), board_id=str(payload.get("device_name", "")))
    n = len(samples)
    spans = [(0, n, label)] if label and n else []
    stem = path.stem.split(".", 1)[1] if "." in path.stem else path.stem
    return Parsed(samples, meta, spans, path, stem)
