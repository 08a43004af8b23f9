"""The impulse: input block -> processing block -> learning block, as typed stages.

Training is three stages with typed messages between them, so a new task, feature block
or model is a new module in ``tinystudio/ml/blocks/`` and never an edit of the pipeline:

* an **input block** cuts examples from the project (:class:`Windows`: a
  :class:`~tinystudio.ml.data.DataSpec`, train and test :class:`~tinystudio.ml.data.Examples`);
* a **processing block** turns examples into model input (:class:`Features`) and records
  what it learned from the training data (IMU normalization, ...) in the descriptor;
* a **learning block** trains, quantizes to int8, verifies in TFLM and scores the model
  for one task (classification, anomaly, regression), returning a :class:`Learned`.

Each block's parameters are stored in the model descriptor (``descriptor.impulse``) so a
package says how it was made. Blocks are found by discovery (:mod:`tinystudio.ml.blocks`)
the way ``tinystudio/commands/`` are. See docs/ml-pipeline.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from tinystudio.ml.data import DataSpec, Examples

TASKS = ("classification", "anomaly", "regression")


@dataclass
class Windows:
    """The input block's output: how examples were cut, and the examples of each split."""

    spec: DataSpec
    train: Examples
    test: Examples
    warnings: list[str] = field(default_factory=list)


@dataclass
class Features:
    """The processing block's output: model input (before the float normalization that
    :func:`tinystudio.ml.inputs.float_inputs` applies from the descriptor) per split.

    ``extra``/``extra_labels`` are training-only examples (augmentation) appended after
    ``train``; ``train_labels`` covers ``train`` and ``extra`` together."""

    train: np.ndarray
    train_labels: list[str]
    test: np.ndarray
    test_labels: list[str]
    n_original: int  # rows of ``train`` that are real examples (the rest are augmented)
    params: dict = field(default_factory=dict)  # stored in descriptor.impulse["processing"]


@dataclass
class Callbacks:
    """Progress reporting and the stop request, passed through to every stage."""

    on_epoch: Callable | None = None
    on_batch: Callable | None = None
    on_status: Callable[[str], None] | None = None
    stop: threading.Event | None = None

    def status(self, text: str) -> None:
        if self.on_status is not None:
            self.on_status(text)


@dataclass
class LearnContext:
    """Everything a learning block may read; it changes only ``desc`` and ``warnings``."""

    project: object
    settings: dict
    options: object  # pipeline.TrainOptions
    budget: object | None  # fit.Board selected with --board
    windows: Windows
    features: Features
    desc: object  # package.ModelDescriptor (input side filled in)
    callbacks: Callbacks
    split_info: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class Learned:
    """A learning block's result: the int8 model and the report (not yet saved)."""

    tflite: bytes
    report: object  # report.TrainReport
    params: dict = field(default_factory=dict)  # stored in descriptor.impulse["learning"]


class InputBlock:
    """Cuts a project's recordings into train/test examples."""

    kind: ClassVar[str] = "input"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def examples(self, project, settings: dict, options, callbacks: Callbacks,
                 split_info: dict) -> Windows:
        raise NotImplementedError

    def params(self, spec: DataSpec) -> dict:
        """What goes into ``descriptor.impulse["input"]``."""
        return {"block": self.name, "window": spec.window, "stride": spec.stride}


class ProcessingBlock:
    """Examples -> model input. ``frontends``: the data front ends it accepts (``raw``,
    ``micro_speech``, ``image``); the block with ``default = True`` for a front end is used
    unless ``settings["train"]["processing"]`` names another."""

    kind: ClassVar[str] = "processing"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    frontends: ClassVar[tuple[str, ...]] = ()
    default: ClassVar[bool] = False

    def features(self, windows: Windows, settings: dict, seed: int,
                 stop: threading.Event | None) -> Features:
        raise NotImplementedError

    def describe(self, desc, windows: Windows, features: Features) -> None:
        """Store what was learned from the training data in the descriptor."""


class LearningBlock:
    """Trains the int8 model for one task. ``task`` is the project task it serves; the
    block with ``default = True`` for a task is used unless ``settings["train"]["learning"]``
    names another of the same task."""

    kind: ClassVar[str] = "learning"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    task: ClassVar[str] = "classification"
    default: ClassVar[bool] = False

    #: ``usable_test(test_labels, train_labels) -> bool``: may the test split score this
    #: task's model? None: some test window has a trained label (classification).
    usable_test: ClassVar[Callable | None] = None

    def check(self, windows: Windows, project) -> None:
        """Refuse, before any feature work, data this task cannot learn from."""

    def learn(self, ctx: LearnContext) -> Learned:
        raise NotImplementedError
