"""The typed options of a training run and the report it returns (``train --json``).

Shared by the pipeline, every learning block, the GUI's trainer child and the command,
so it lives apart from all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainOptions:
    epochs: int | None = None
    seed: int = 0
    board: str | None = None
    model: str | None = None  # pin one model (no search)
    batch_size: int | None = None
    learning_rate: float | None = None
    test_fraction: float = 0.2
    window_ms: float | None = None  # IMU window; overrides the project setting
    stride_ms: float | None = None
    candidates: list[str] | None = None  # the model search's candidates (default per sensor)
    search_epochs: int | None = None  # per candidate and fold (default: half of epochs, <= 40)
    folds: int | None = None  # k for the k-fold validation of small data (default 3)
    grayscale: bool | None = None  # images: None keeps colour when the data is colour
    compare_grayscale: bool = False  # images: also train the other colour mode, report its effect


@dataclass
class TrainReport:
    classes: list[str]
    float_metrics: dict
    int8_metrics: dict
    model_bytes: int
    arena_bytes: int
    train_seconds: float
    total_seconds: float
    model_path: str
    fits: dict[str, bool]
    fit_messages: dict[str, str]
    tflm: dict
    model_name: str
    budget_bytes: int
    epochs_run: int
    history: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)  # search.Candidate.to_dict()
    evaluation: dict = field(default_factory=dict)  # validation scheme and spread
    baseline: dict | None = None  # baseline.BaselineResult.to_dict()
    unknown_test: dict = field(default_factory=dict)  # label -> {"windows", "predicted"}
    warnings: list[str] = field(default_factory=list)
    split: dict = field(default_factory=dict)  # {"by", "notes", "made_for_this_run", "imported"}
    image_variant: dict = field(default_factory=dict)  # the other colour mode's figures
    window_ms: float = 0.0
    stride_ms: float = 0.0
    task: str = "classification"  # anomaly/regression: the metrics dicts hold that task's figures

    def summary(self) -> dict:
        """The ``tinystudio train --json`` object."""
        if self.task != "classification":
            return self._task_summary()
        return {
            "classes": self.classes,
            "float_accuracy": round(self.float_metrics["accuracy"], 4),
            "int8_accuracy": round(self.int8_metrics["accuracy"], 4),
            "model_bytes": self.model_bytes,
            "arena_bytes": self.arena_bytes,
            "train_seconds": round(self.train_seconds, 2),
            "model_path": self.model_path,
            "fits": self.fits,
            "model": self.model_name,
            "chosen": self.model_name,  # the search's pick (or the pinned model)
            "test_windows": self.int8_metrics["n"],
            "candidates": self.candidates,
            "evaluation": self.evaluation,
            "baseline": self.baseline,
            "unknown_classes": self.unknown_test,
            "window_ms": round(self.window_ms, 3),
            "stride_ms": round(self.stride_ms, 3),
            "split": self.split,
            "warnings": self.warnings,
            "image_variant": self.image_variant,
            "per_class": [c.to_dict() for c in self.per_class()],
            "quality": [w.to_dict() for w in self.quality()],
        }

    def _task_summary(self) -> dict:
        """Anomaly/regression: the task's int8 and float figures instead of accuracies."""
        return {
            "task": self.task, "outputs": self.classes, "metrics": self.int8_metrics,
            "float_metrics": self.float_metrics, "model_bytes": self.model_bytes,
            "arena_bytes": self.arena_bytes, "train_seconds": round(self.train_seconds, 2),
            "model_path": self.model_path, "fits": self.fits, "model": self.model_name,
            "chosen": self.model_name, "test_windows": self.int8_metrics.get("n", 0),
            "candidates": self.candidates, "evaluation": self.evaluation,
            "baseline": self.baseline, "window_ms": round(self.window_ms, 3),
            "stride_ms": round(self.stride_ms, 3), "split": self.split, "warnings": self.warnings,
        }

    def per_class(self):
        """Precision, recall, F1 and test windows per class, on the int8 model (``quality.py``)."""
        from tinystudio.ml.quality import per_class

        return per_class(self.classes, self.int8_metrics)

    def quality(self):
        """Warnings that this model is not as good as its figure looks (chance, baseline, tiny test)."""
        from tinystudio.ml.quality import judge

        return judge(self.classes, self.int8_metrics, self.baseline, self.evaluation)
