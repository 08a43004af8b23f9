"""Checks of a recording file against the schema (docs/dataset-format.md), on every open.

A recording comes from a board (whose HELLO may say anything), from an importer, or from
someone else's project; HDF5 will happily open a file whose attributes are nonsense. Every
value the rest of TinyStudio relies on is checked here, once, so that a bad file is one
clear message naming the file and the field (and the project sets it aside) instead of a
traceback deep inside training or a silent wrong result.
"""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np

from tinystudio.dataset import schema
from tinystudio.errors import DatasetError
from tinystudio.text_safety import name_problem

#: Far above any sensor TinyStudio talks to (16 kHz audio, 1 kHz IMU), far below nonsense.
MAX_RATE_HZ = 10_000_000.0
MAX_CHANNELS = 4096


class RecordingError(DatasetError):
    """A recording file that is readable but does not follow the schema."""


def _bad(path: Path, field: str, problem: str) -> RecordingError:
    return RecordingError(f"{path}: {field} {problem}; the file is not a valid TinyStudio recording")


def text(v) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _text_list(path: Path, attrs, key: str) -> list[str]:
    v = attrs[key]
    arr = np.asarray(v)
    if arr.ndim != 1 or arr.dtype.kind not in "OSU":
        raise _bad(path, f"attribute '{key}'", f"is {v!r}, not a list of names")
    return [text(x) for x in arr]


def _number(path: Path, attrs, key: str) -> float:
    v = attrs[key]
    arr = np.asarray(v)
    if arr.shape not in ((), (1,)) or arr.dtype.kind not in "iuf":
        raise _bad(path, f"attribute '{key}'", f"is {v!r}, not a number")
    return float(arr.reshape(-1)[0])


def check_attrs(path: Path, attrs) -> dict:
    """The header fields, typed and checked; raises RecordingError naming the field."""
    for key in ("sensor_kind", "channel_names", "rate_hz"):
        if key not in attrs:
            raise _bad(path, f"attribute '{key}'", "is missing")
    kind = text(attrs["sensor_kind"])
    if kind not in schema.SENSOR_KINDS:
        raise _bad(path, "attribute 'sensor_kind'", f"is {kind!r}, not one of {', '.join(schema.SENSOR_KINDS)}")
    names = _text_list(path, attrs, "channel_names")
    if not names:
        raise _bad(path, "attribute 'channel_names'", "is empty (a recording with zero channels)")
    if len(names) > MAX_CHANNELS:
        raise _bad(path, "attribute 'channel_names'", f"lists {len(names)} channels (at most {MAX_CHANNELS})")
    n = len(names)
    units = _text_list(path, attrs, "units") if "units" in attrs else [""] * n
    for key, values in (("channel_names", names), ("units", units)):
        for value in values:
            problem = name_problem(value)
            if problem:
                raise _bad(path, f"attribute '{key}'", f"entry {value!r} {problem}")
    scale = np.asarray(attrs["scale"], dtype=np.float64).reshape(-1) if "scale" in attrs else np.ones(n)
    if len(units) != n:
        raise _bad(path, "attribute 'units'", f"has {len(units)} entries for {n} channels")
    if len(scale) != n:
        raise _bad(path, "attribute 'scale'", f"has {len(scale)} entries for {n} channels")
    if not np.all(np.isfinite(scale)) or np.any(scale == 0):
        raise _bad(path, "attribute 'scale'", f"is {scale.tolist()}; every entry must be a finite, non-zero number")
    rate = _number(path, attrs, "rate_hz")
    if not (math.isfinite(rate) and 0 < rate <= MAX_RATE_HZ):
        raise _bad(path, "attribute 'rate_hz'", f"is {rate!r}; it must be a positive number up to {MAX_RATE_HZ:g}")
    sample_type = text(attrs.get("sample_type", ""))
    if sample_type and sample_type not in schema.SAMPLE_TYPES:
        raise _bad(path, "attribute 'sample_type'", f"is {sample_type!r}, not one of {', '.join(schema.SAMPLE_TYPES)}")
    state = text(attrs.get("state", schema.STATE_COMPLETE))
    if state not in (schema.STATE_COMPLETE, schema.STATE_RECORDING):
        raise _bad(path, "attribute 'state'", f"is {state!r}")
    return {"sensor_kind": kind, "channel_names": names, "units": units, "scale": scale,
            "rate_hz": rate, "sample_type": sample_type, "state": state}


def check_samples(path: Path, f: h5py.File, header: dict) -> tuple[h5py.Dataset, int]:
    """The samples dataset and the number of usable rows."""
    ds = f.get("samples")
    if not isinstance(ds, h5py.Dataset):
        raise _bad(path, "'/samples'", "is missing" if ds is None else "is not a dataset")
    n_ch = len(header["channel_names"])
    if header["sensor_kind"] == "camera":
        if ds.ndim != 4 or ds.shape[3] != n_ch:
            raise _bad(path, "'/samples'", f"has shape {ds.shape}; a camera recording is (n, height, width, {n_ch})")
    elif ds.ndim != 2 or ds.shape[1] != n_ch:
        raise _bad(path, "'/samples'", f"has shape {ds.shape}; expected (n, {n_ch}) for {n_ch} channels")
    if ds.dtype.kind not in "iuf":
        raise _bad(path, "'/samples'", f"has type {ds.dtype}, not a numeric sample type")
    st = header["sample_type"]
    if st and np.dtype(schema.SAMPLE_TYPES[st]) != ds.dtype.newbyteorder("<"):
        raise _bad(path, "attribute 'sample_type'", f"says {st} but '/samples' holds {ds.dtype}")
    n = ds.shape[0]
    if "valid_samples" in f:
        v = f["valid_samples"]
        if not isinstance(v, h5py.Dataset) or v.shape != (1,) or v.dtype.kind not in "iu":
            raise _bad(path, "'/valid_samples'", "is not one integer")
        valid = int(v[0])
        if not 0 <= valid <= n:
            raise _bad(path, "'/valid_samples'", f"is {valid}, outside 0..{n}")
        n = valid
    if "n_samples" in f.attrs and header["state"] == schema.STATE_COMPLETE:
        declared = int(_number(path, f.attrs, "n_samples"))
        if declared != ds.shape[0]:
            raise _bad(path, "attribute 'n_samples'", f"is {declared} but '/samples' has {ds.shape[0]} rows")
    return ds, n


def check_segments(path: Path, f: h5py.File, n_samples: int) -> list[tuple[str, int, int, str]]:
    """The segments stored in the file, each inside the recording."""
    if "segments" not in f:
        return []
    g = f["segments"]
    if not isinstance(g, h5py.Group):
        raise _bad(path, "'/segments'", "is not a group")
    cols = {}
    for key, kinds in (("id", "OSU"), ("start", "iu"), ("end", "iu"), ("label", "OSU")):
        d = g.get(key)
        if not isinstance(d, h5py.Dataset) or d.ndim != 1 or d.dtype.kind not in kinds:
            raise _bad(path, f"'/segments/{key}'", "is missing or has the wrong type")
        cols[key] = d.asstr()[:] if kinds == "OSU" and d.dtype.kind != "U" else d[:]
    if len({len(c) for c in cols.values()}) != 1:
        raise _bad(path, "'/segments'", "columns id, start, end, label have different lengths")
    out = []
    for i, (sid, s, e, lab) in enumerate(zip(cols["id"], cols["start"], cols["end"], cols["label"], strict=True)):
        s, e = int(s), int(e)
        if not 0 <= s < e <= n_samples:
            raise _bad(path, f"'/segments' row {i}", f"spans {s}..{e}, outside the recording's 0..{n_samples}")
        if not str(lab):
            raise _bad(path, f"'/segments' row {i}", "has an empty label")
        out.append((str(sid), s, e, str(lab)))
    return out
