"""``export --format npz`` with no ``--window``: exactly the windows training uses.

A researcher who takes the data to a notebook must get the examples the studio trains
and tests on, not a second windowing with other defaults: the same ``data_spec`` (window,
stride, the rate recordings are resampled to) and the same ``extract`` per split, so a
model fitted on ``x[split == "train"]`` is comparable with ``tinystudio train``'s figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinystudio.dataset.outputs import OutputPlan
from tinystudio.errors import DatasetError, TrainingError


def training_windows(project) -> dict:
    """Arrays of the training and test windows: x, y, classes, split, recording, start,
    plus what is needed to read them (rate, channels, window, stride, raw_scale)."""
    from tinystudio.ml import data as D

    try:
        spec = D.data_spec(project, dict(project.settings.get("train", {})))
        parts = [(side, D.extract(project, spec, side)) for side in ("train", "test")]
    except TrainingError as exc:
        raise DatasetError(f"npz export of the training windows: {exc}") from None
    xs, labels, splits, sources = [], [], [], []
    for side, ex in parts:
        if len(ex.labels):
            xs.append(np.asarray(ex.x))
            labels += ex.labels
            splits += [side] * len(ex.labels)
            sources += ex.sources
    if not xs:
        raise DatasetError(f"{project.path}: no training windows to export")
    x = np.concatenate(xs)
    if spec.frontend == "raw" and spec.raw_scale:
        x = (x * np.asarray(spec.raw_scale, dtype=np.float32)).astype(np.float32)  # physical units
    classes = [c for c in project.classes if c in set(labels)]
    return {"x": x, "y": np.array([classes.index(lab) for lab in labels], np.int64),
            "classes": np.array(classes), "split": np.array(splits),
            "recording": np.array([s.rsplit(":", 1)[0] for s in sources]),
            "start": np.array([int(s.rsplit(":", 1)[1]) for s in sources], np.int64),
            "rate_hz": np.float64(spec.rate_hz), "channel_names": np.array(spec.channels),
            "window": np.int64(spec.window), "stride": np.int64(spec.stride),
            "sensor_kind": np.array(spec.sensor_kind), "frontend": np.array(spec.frontend)}


def export_training_windows(project, out, force: bool = False) -> dict:
    arrays = training_windows(project)
    plan = OutputPlan(Path(out))
    plan.check_root()

    def write(path: Path) -> None:
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    plan.add("training_windows.npz", write)
    plan.write(force=force)
    return {"files": 1, "windows": int(len(arrays["y"])), "out": str(out),
            "window": int(arrays["window"]), "stride": int(arrays["stride"]),
            "rate_hz": float(arrays["rate_hz"]),
            "train": int(np.sum(arrays["split"] == "train")), "test": int(np.sum(arrays["split"] == "test"))}
