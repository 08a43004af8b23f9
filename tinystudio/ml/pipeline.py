"""``train``: project -> trained, int8-quantized, TFLM-verified model package.

One plain function (progress callbacks + stop event) backs the command and the GUI. The
work is the impulse's three typed stages (``impulse.py``; the blocks are modules in
``tinystudio/ml/blocks/``, found by discovery): the input block cuts windows, the
processing block makes model input, the learning block of the project's task trains,
quantizes, verifies in TFLM and scores. This module only wires them, builds the
descriptor, and saves.

Everything that can be refused is refused before training starts: too few examples, one
class, and a model that cannot fit the selected board (the untrained model is converted
and sized in TFLM first; size does not depend on the weights). Recordings shorter than
the window are skipped and named, never a failure of the whole run. Nothing is written
until the very end (see ``store.py``); a split made for this run is saved only then, into
a freshly read project so labels edited meanwhile are not overwritten. A stopped or
failed run leaves the project as it was.

Per-project training settings live in ``project.settings["train"]`` (all optional):
``window``/``stride`` (samples) or ``window_ms``/``stride_ms`` for IMU (default: the
median labeled segment for gesture-length labels, 2 s windows every 0.5 s for labels
longer than 3 s); ``stride`` for audio (default 8000 = 0.5 s); ``image_size`` ([h, w],
default [32, 32]) and ``grayscale`` (default: only when the data is gray); ``model`` (a
name from ``models.MODELS``: pins it, no search); ``candidates`` (names to search);
``epochs``; ``batch_size``; ``learning_rate`` (Adam, default 0.003); ``augment`` (IMU,
default true); ``augment_copies`` (audio, default 2); ``processing``/``learning`` (a
block name, when a front end or task has more than one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tinystudio.errors import TrainingError
from tinystudio.ml import fit as F
from tinystudio.ml.impulse import Callbacks, LearnContext
from tinystudio.ml.package import ModelDescriptor, ModelPackage
from tinystudio.ml.report import TrainOptions, TrainReport  # noqa: F401  (re-exported)
from tinystudio.ml.store import (  # noqa: F401  (re-exported: callers import them from here)
    CURRENT_FILE,
    current_package_dir,
    load_current_package,
    load_current_report,
    models_dir,
    save_model,
)


def _status(cb, text: str) -> None:
    if cb is not None:
        cb(text)


def _save_split(path: Path, config: dict) -> None:
    """Store the split in a freshly read project (labels edited meanwhile survive)."""
    from tinystudio.dataset import Project

    fresh = Project.open(path)
    fresh.set_split({k: v for k, v in config.items() if k != "assignments"},
                    config.get("assignments", {}))
    fresh.save(sync_recordings=False)


def train_project(
    project_or_path,
    options: TrainOptions | None = None,
    on_epoch: Callable | None = None,
    on_batch: Callable | None = None,
    on_status: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> TrainReport:
    from tinystudio.dataset import Project

    options = options or TrainOptions()
    t0 = time.monotonic()
    project = (Project.open(project_or_path) if isinstance(project_or_path, (str, Path))
               else project_or_path)
    settings = dict(project.settings.get("train", {}))
    if options.window_ms is not None:
        settings.pop("window", None)
        settings["window_ms"] = float(options.window_ms)
        if options.stride_ms is None:
            settings.pop("stride_ms", None)
    if options.stride_ms is not None:
        if "window_ms" not in settings and "window" not in settings:
            raise TrainingError("--stride-ms needs a window: pass --window-ms as well")
        settings.pop("stride", None)
        settings["stride_ms"] = float(options.stride_ms)
    if options.grayscale is not None:
        settings["grayscale"] = bool(options.grayscale)
    budget = F.board(options.board) if options.board else None
    before = project.split_config
    from tinystudio.dataset.splits import is_imported

    split_info = {"by": before.get("by"), "notes": list(before.get("notes", [])),
                  "made_for_this_run": False, "imported": is_imported(before)}
    try:
        report = _train(project, settings, options, budget, on_epoch, on_batch, on_status,
                        stop, t0, split_info)
        if report.split.get("made_for_this_run"):
            _save_split(project.path, project.split_config)
        return report
    except BaseException:
        if project.split_config != before:
            project.set_split({k: v for k, v in before.items() if k != "assignments"},
                              before.get("assignments", {}))
        raise


def _examples(project, spec, options, on_status, split_info):
    """Train and test examples (kept for callers of the pre-impulse API)."""
    from tinystudio.ml.blocks.input_windows import split_examples

    return split_examples(project, spec, options, on_status, split_info)


def project_task(project) -> str:
    """The project's task (``project.json`` ``task``; classification when absent)."""
    return str(getattr(project, "task", None) or "classification")


def _train(project, settings, options, budget, on_epoch, on_batch, on_status, stop, t0, split_info,
           save: bool = True):
    from tinystudio.ml.blocks import input_block, learning_block, processing_block

    cb = Callbacks(on_epoch, on_batch, on_status, stop)
    task = project_task(project)
    learner = learning_block(task, settings.get("learning"))
    source = input_block(settings.get("input"))
    windows = source.examples(project, settings, options, cb, split_info,
                              getattr(learner, "usable_test", None))
    learner.check(windows, project)
    spec = windows.spec
    processor = processing_block(spec.frontend, settings.get("processing"))
    features = processor.features(windows, settings, options.seed, stop)
    desc = _descriptor(spec, features, task)
    processor.describe(desc, windows, features)
    ctx = LearnContext(project, settings, options, budget, windows, features, desc, cb,
                       split_info, list(windows.warnings))
    learned = learner.learn(ctx)
    desc.impulse = {"input": source.params(spec),
                    "processing": {"block": processor.name, **features.params},
                    "learning": {"block": learner.name, **learned.params}}
    report = learned.report
    if not save:
        return report
    if spec.frontend == "image" and options.compare_grayscale:
        report.image_variant = _image_variant(project, settings, options, budget, on_status, stop,
                                              t0, split_info, spec.image_shape[2] == 3)
    _status(on_status, "saving the model package")
    report.total_seconds = time.monotonic() - t0
    report.model_path = str(save_model(project.path, ModelPackage(learned.tflite, desc), report))
    return report


def _descriptor(spec, features, task: str) -> ModelDescriptor:
    """The descriptor's input side; the learning block fills in labels, quantization, ops."""
    return ModelDescriptor(
        labels=sorted(set(features.train_labels)), sensor_kind=spec.sensor_kind,
        frontend=spec.frontend, rate_hz=spec.rate_hz, channels=spec.channels,
        window=spec.window, stride=spec.stride, input_shape=list(features.train.shape[1:]),
        input_scale=1.0, input_zero_point=0, output_scale=1.0, output_zero_point=0,
        sensor_name=spec.sensor_name, raw_scale=spec.raw_scale, task=task,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def _image_variant(project, settings, options, budget, on_status, stop, t0, split_info, gray):
    """Train the other colour mode on the same split (not saved): its accuracy and size."""
    from dataclasses import replace

    _status(on_status, f"training the {'grayscale' if gray else 'colour'} variant for comparison")
    other = _train(project, {**settings, "grayscale": gray}, replace(options, compare_grayscale=False),
                   budget, None, None, on_status, stop, t0, dict(split_info), save=False)
    return {"grayscale": gray, "int8_accuracy": round(other.int8_metrics["accuracy"], 4),
            "model_bytes": other.model_bytes, "arena_bytes": other.arena_bytes,
            "model": other.model_name}
