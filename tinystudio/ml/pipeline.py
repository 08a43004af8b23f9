"""``train``: project -> trained, int8-quantized, TFLM-verified model package.

One plain function (progress callbacks + stop event) backs the command and the GUI.
Everything that can be refused is refused before training starts: too few examples, one
class, windows longer than recordings, and a model that cannot fit the selected board
(the untrained model is converted and sized in TFLM first; size does not depend on the
weights). Nothing is written until the very end: the package goes to a hidden folder
under ``PROJECT/models/`` which is renamed into place, then ``models/current.json`` is
replaced atomically; a split made for this run is saved only then. A stopped or failed
run leaves the project as it was.

Per-project training settings live in ``project.settings["train"]`` (all optional):
``window``/``stride`` (samples) or ``window_ms``/``stride_ms`` for IMU (default: the
median labeled segment, stride a quarter of it); ``stride`` for audio (default 8000 =
0.5 s); ``image_size`` ([h, w], default [32, 32]) and ``grayscale`` (default true);
``model`` (a name from ``models.MODELS``); ``epochs``; ``batch_size``; ``learning_rate``
(Adam, default 0.003); ``augment``
(IMU, default true); ``augment_copies`` (audio, default 2).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tinystudio.errors import TrainingError
from tinystudio.ml import data as D
from tinystudio.ml import fit as F
from tinystudio.ml.inputs import float_inputs, input_range, int8_inputs, normalization
from tinystudio.ml.models import model_spec
from tinystudio.ml.package import ModelDescriptor, ModelPackage
from tinystudio.ml.trainer import TrainConfig, TrainingStopped, configure_tensorflow, train_model

CURRENT_FILE = "current.json"
DEFAULT_EPOCHS = {"raw": 80, "micro_speech": 40, "image": 30}


@dataclass
class TrainOptions:
    epochs: int | None = None
    seed: int = 0
    board: str | None = None
    model: str | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    test_fraction: float = 0.2


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

    def summary(self) -> dict:
        """The ``tinystudio train --json`` object."""
        return {
            "classes": self.classes,
            "float_accuracy": round(self.float_metrics["accuracy"], 4),
            "int8_accuracy": round(self.int8_metrics["accuracy"], 4),
            "model_bytes": self.model_bytes,
            "arena_bytes": self.arena_bytes,
            "train_seconds": round(self.train_seconds, 2),
            "model_path": self.model_path,
            "fits": self.fits,
        }


def _status(cb, text: str) -> None:
    if cb is not None:
        cb(text)


def _ensure_split(project, options: TrainOptions) -> tuple[dict, bool]:
    """Make a split in memory if the project has none; returns the previous config."""
    before = project.split_config
    if before.get("assignments"):
        return before, False
    from tinystudio.dataset.splits import make_split

    per_class = Counter()
    for rec in project.recordings():
        if rec.segments:
            per_class[Counter(s.label for s in rec.segments).most_common(1)[0][0]] += 1
    labels = {ls.label for ls in project.labeled_segments()}
    by = "recording" if labels and all(per_class.get(c, 0) >= 2 for c in labels) else "segment"
    make_split(project, test_fraction=options.test_fraction, seed=options.seed, by=by)
    return before, True


def _restore_split(project, before: dict) -> None:
    assignments = before.get("assignments", {})
    project.set_split({k: v for k, v in before.items() if k != "assignments"}, assignments)


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
    budget = F.board(options.board) if options.board else None
    before, split_made = _ensure_split(project, options)
    try:
        report = _train(project, settings, options, budget, on_epoch, on_batch, on_status, stop, t0)
        if split_made:
            project.save()
        return report
    except BaseException:
        if split_made:
            _restore_split(project, before)
        raise


def _train(project, settings, options, budget, on_epoch, on_batch, on_status, stop, t0):
    _status(on_status, "preparing examples")
    spec = D.data_spec(project, settings)
    train_ex, test_ex = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    D.check_examples(train_ex, test_ex, project.classes)
    present = set(train_ex.labels)
    classes = [c for c in project.classes if c in present]
    index = {c: i for i, c in enumerate(classes)}
    keep = [i for i, lab in enumerate(test_ex.labels) if lab in index]
    y_train = np.array([index[lab] for lab in train_ex.labels])
    y_test = np.array([index[test_ex.labels[i]] for i in keep])
    frontend = None
    if spec.frontend == "micro_speech":
        from tinystudio.dsp.audio import MicroFrontend

        frontend = MicroFrontend()
    feats_train = D.frontend_inputs(spec, train_ex.x, frontend)
    feats_test = D.frontend_inputs(spec, test_ex.x[keep], frontend)
    if spec.frontend == "micro_speech":  # (49, 40) -> (49, 40, 1): no reshape op in the model
        feats_train, feats_test = feats_train[..., None], feats_test[..., None]
    aug_x, aug_y = _audio_augmented(spec, train_ex, y_train, classes, settings, options.seed,
                                    frontend, stop)
    if len(aug_x):
        aug_x = aug_x[..., None]
        feats_train = np.concatenate([feats_train, aug_x])
        y_train = np.concatenate([y_train, aug_y])
    mspec = model_spec(options.model or settings.get("model"), spec.sensor_kind)
    desc = ModelDescriptor(
        labels=classes, sensor_kind=spec.sensor_kind, frontend=spec.frontend,
        rate_hz=spec.rate_hz, channels=spec.channels, window=spec.window, stride=spec.stride,
        input_shape=list(feats_train.shape[1:]), input_scale=1.0, input_zero_point=0,
        output_scale=1.0, output_zero_point=0, sensor_name=spec.sensor_name,
        raw_scale=spec.raw_scale, model_name=mspec.name,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    if spec.frontend == "raw":
        desc.norm_offset, desc.norm_scale = normalization(train_ex.x, spec.raw_scale)
    x_train = float_inputs(desc, feats_train)
    x_test = float_inputs(desc, feats_test)

    from tinystudio.ml.evaluate import keras_predict, metrics, run_tflite
    from tinystudio.ml.quantize import convert_int8, io_quantization, representative_set
    from tinystudio.ml.tflm import smallest_arena, verify_tflm

    _status(on_status, "building model")
    configure_tensorflow(options.seed)
    model = mspec.build(tuple(x_train.shape[1:]), len(classes), options.seed)
    rep = representative_set(x_train[: len(train_ex.labels)], options.seed)
    if budget is not None:
        _status(on_status, f"checking the model fits {budget.name}")
        pre = convert_int8(model, rep[:8], input_range(spec.frontend))
        try:
            pre_arena = smallest_arena(pre)
        except TrainingError:  # untrained weights can upset TFLM; the size check still holds
            pre_arena = 0
        verdict = F.check_fit(len(pre), pre_arena, budget)
        if not verdict.fits:
            raise TrainingError(f"{mspec.name} {verdict.message}; choose a smaller model or "
                                "window, or another board")
        from tinystudio.ml.op_contract import check_for_board

        check_for_board(pre, mspec.name, budget.id, budget.name)  # every op in the firmware's table
    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")

    _status(on_status, "training")
    config = TrainConfig(
        epochs=int(options.epochs or settings.get("epochs", DEFAULT_EPOCHS[spec.frontend])),
        batch_size=int(options.batch_size or settings.get("batch_size",
                                                          16 if spec.frontend == "raw" else 32)),
        learning_rate=float(options.learning_rate or settings.get("learning_rate", TrainConfig.learning_rate)),
        seed=options.seed,
    )
    if not 0 < config.learning_rate < 1:
        raise TrainingError(f"learning rate {config.learning_rate} must be between 0 and 1 (e.g. 0.003)")
    augment = None
    if spec.frontend == "raw" and settings.get("augment", True):
        from tinystudio.ml.augment import augment_imu

        augment = augment_imu
    result = train_model(model, x_train, y_train, len(classes), config, augment,
                         on_epoch, on_batch, stop)

    _status(on_status, "converting to int8")
    tflite = convert_int8(model, rep, input_range(spec.frontend))
    (desc.input_scale, desc.input_zero_point), (desc.output_scale, desc.output_zero_point), _ = \
        io_quantization(tflite)
    if spec.frontend == "raw":
        desc.fold_input_affine()

    _status(on_status, "evaluating float and int8 models")
    float_m = metrics(y_test, keras_predict(model, x_test).argmax(axis=1), len(classes))
    q_test = int8_inputs(desc, feats_test)
    lite_out = run_tflite(tflite, q_test)
    int8_m = metrics(y_test, lite_out.argmax(axis=1), len(classes))

    _status(on_status, "verifying in TFLM")
    tflm = verify_tflm(tflite, q_test, lite_out)
    desc.ops, desc.arena_bytes = tflm.ops, tflm.arena_bytes
    verdicts = {b.id: F.check_fit(len(tflite), tflm.arena_bytes, b) for b in F.boards()}
    if budget is not None and budget.id not in verdicts:
        verdicts[budget.id] = F.check_fit(len(tflite), tflm.arena_bytes, budget)
    fits = {k: v.fits and not tflm.unsupported_ops for k, v in verdicts.items()}

    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")
    report = TrainReport(
        classes=classes, float_metrics=float_m.to_dict(), int8_metrics=int8_m.to_dict(),
        model_bytes=len(tflite), arena_bytes=tflm.arena_bytes, train_seconds=result.seconds,
        total_seconds=0.0, model_path="", fits=fits,
        fit_messages={k: v.message for k, v in verdicts.items()},
        tflm=asdict(tflm), model_name=mspec.name, budget_bytes=mspec.budget_bytes,
        epochs_run=result.epochs_run, history=[asdict(h) for h in result.history],
    )
    _status(on_status, "saving the model package")
    report.total_seconds = time.monotonic() - t0
    report.model_path = str(save_model(project.path, ModelPackage(tflite, desc), report))
    return report


def _audio_augmented(spec, train_ex, y_train, classes, settings, seed, frontend, stop):
    copies = int(settings.get("augment_copies", 2)) if spec.frontend == "micro_speech" else 0
    if copies <= 0:
        return np.zeros((0,)), np.zeros((0,), dtype=int)
    from tinystudio.ml.augment import augment_audio

    noise_names = {"noise", "silence", "background", "_background_noise_", "_silence_"}
    noises = [c for c, lab in zip(train_ex.x, train_ex.labels, strict=True)
              if lab.lower() in noise_names]
    rng = np.random.default_rng(seed + 1)
    xs, ys = [], []
    for _ in range(copies):
        for clip, y in zip(train_ex.x, y_train, strict=True):
            if stop is not None and stop.is_set():
                raise TrainingStopped("training stopped by request; the project is unchanged")
            xs.append(frontend.spectrogram(augment_audio(clip, rng, noises)))
            ys.append(y)
    return np.stack(xs), np.array(ys)


def models_dir(project_path) -> Path:
    return Path(project_path) / "models"


def save_model(project_path, package: ModelPackage, report: TrainReport) -> Path:
    """Write the package into ``models/<name>-<time>/`` atomically and make it current."""
    root = models_dir(project_path)
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    name = f"{package.descriptor.model_name}-{stamp}"
    i = 1
    while (root / name).exists():
        i += 1
        name = f"{package.descriptor.model_name}-{stamp}-{i}"
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        package.save(tmp)
        report.model_path = str(root / name / "model.tflite")
        (tmp / "report.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    current = root / CURRENT_FILE
    fd, ctmp = tempfile.mkstemp(dir=root, prefix=".current.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"model": name}, f)
    os.chmod(ctmp, 0o644)
    os.replace(ctmp, current)
    return root / name / "model.tflite"


def current_package_dir(project_path) -> Path:
    """The folder of the project's current model package."""
    current = models_dir(project_path) / CURRENT_FILE
    if not current.exists():
        raise TrainingError(f"{project_path}: no trained model; run `tinystudio train {project_path}`")
    try:
        name = json.loads(current.read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError) as exc:
        raise TrainingError(f"{current}: unreadable ({exc}); train the project again") from exc
    return models_dir(project_path) / name


def load_current_package(project_path) -> ModelPackage:
    return ModelPackage.load(current_package_dir(project_path))
