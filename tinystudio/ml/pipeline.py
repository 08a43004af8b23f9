"""``train``: project -> trained, int8-quantized, TFLM-verified model package.

One plain function (progress callbacks + stop event) backs the command and the GUI.
Everything that can be refused is refused before training starts: too few examples, one
class, and a model that cannot fit the selected board (the untrained model is converted
and sized in TFLM first; size does not depend on the weights). Recordings shorter than
the window are skipped and named, never a failure of the whole run. Nothing is written
until the very end (see ``store.py``); a split made for this run is saved only then, into
a freshly read project so labels edited meanwhile are not overwritten. A stopped or
failed run leaves the project as it was.

With no model pinned, IMU projects run a model search (``search.py``): a raw 1D-CNN and a
feature-front-end model are scored on validation folds of the training split, the best
is trained on the whole training split, and every candidate plus a nearest-neighbour
baseline is reported (``TrainReport.candidates``/``baseline``). A project without a
usable test split gets one (by recording, falling back to segment or time splits), and
the run says so; test windows of a label with no training data are reported apart.

Per-project training settings live in ``project.settings["train"]`` (all optional):
``window``/``stride`` (samples) or ``window_ms``/``stride_ms`` for IMU (default: the
median labeled segment for gesture-length labels, 2 s windows every 0.5 s for labels
longer than 3 s); ``stride`` for audio (default 8000 = 0.5 s); ``image_size`` ([h, w],
default [32, 32]) and ``grayscale`` (default: only when the data is gray); ``model`` (a
name from ``models.MODELS``: pins it, no search); ``candidates`` (names to search);
``epochs``; ``batch_size``; ``learning_rate`` (Adam, default 0.003); ``augment`` (IMU,
default true); ``augment_copies`` (audio, default 2).
"""

from __future__ import annotations

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
from tinystudio.ml.models import MODELS, model_spec
from tinystudio.ml.package import ModelDescriptor, ModelPackage
from tinystudio.ml.store import (  # noqa: F401  (re-exported: callers import them from here)
    CURRENT_FILE,
    current_package_dir,
    load_current_package,
    load_current_report,
    models_dir,
    save_model,
)
from tinystudio.ml.trainer import TrainConfig, TrainingStopped, configure_tensorflow, train_model

DEFAULT_EPOCHS = {"raw": 80, "micro_speech": 40, "image": 30}


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
        }


def _status(cb, text: str) -> None:
    if cb is not None:
        cb(text)


def _auto_split(project, options: TrainOptions, on_status, reason: str, min_length: int = 0) -> dict:
    from tinystudio.dataset.splits import apply_split, plan_split

    plan = plan_split(project, test_fraction=options.test_fraction or 0.2, seed=options.seed,
                      by="recording", min_length=min_length)
    apply_split(project, plan)
    _status(on_status, f"{reason}: made a split by recording ({options.test_fraction:.0%} test), "
                       "saved with the model" + "".join(f"; {n}" for n in plan.notes))
    return {"by": plan.config["by"], "notes": [reason, *plan.notes], "made_for_this_run": True,
            "imported": False}


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
    """Train and test examples. A project without a split gets one, and a test split
    without windows of the trained classes is replaced (once) by a fresh automatic split;
    the run says so either way."""
    min_length = spec.window if spec.frontend == "raw" else 0
    if not project.split_config.get("assignments"):
        split_info.update(_auto_split(project, options, on_status, "the project had no split",
                                      min_length))
    train_ex, test_ex = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    trained = set(train_ex.labels)
    if not any(lab in trained for lab in test_ex.labels) and not split_info["made_for_this_run"]:
        split_info.update(_auto_split(project, options, on_status,
                                      "the test split has no windows of the trained classes",
                                      min_length))
        train_ex, test_ex = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    return train_ex, test_ex


def _subjects(project, sources: list[str]) -> list[str]:
    subj = {r.id: str(r.attrs.get("subject", "") or "") for r in project.recordings()}
    return [subj.get(s.rsplit(":", 1)[0], "") for s in sources]


def _candidate_specs(options, settings, kind: str):
    from tinystudio.ml.search import DEFAULT_CANDIDATES

    pinned = options.model or settings.get("model")
    if pinned:
        return [model_spec(pinned, kind)], True
    names = options.candidates or settings.get("candidates") or DEFAULT_CANDIDATES.get(kind)
    if not names:
        return [model_spec(None, kind)], False
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise TrainingError(f"unknown candidate model(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(MODELS)}")
    return [model_spec(n, kind) for n in names], False


def _train(project, settings, options, budget, on_epoch, on_batch, on_status, stop, t0, split_info,
           save: bool = True):
    _status(on_status, "preparing examples")
    spec = D.data_spec(project, settings)
    warnings: list[str] = []
    train_ex, test_ex = _examples(project, spec, options, on_status, split_info)
    for ex in (train_ex, test_ex):
        if ex.skipped:
            warnings.append(D.skipped_message(spec, ex.skipped))
            _status(on_status, "warning: " + warnings[-1])
    D.check_examples(train_ex, test_ex, project.classes)
    present = set(train_ex.labels)
    classes = [c for c in project.classes if c in present]
    index = {c: i for i, c in enumerate(classes)}
    keep = [i for i, lab in enumerate(test_ex.labels) if lab in index]
    other = [i for i, lab in enumerate(test_ex.labels) if lab not in index]
    untested = [c for c in classes if c not in {test_ex.labels[i] for i in keep}]
    if untested and keep:
        warnings.append(f"no test windows of {', '.join(map(repr, untested))}: its accuracy is not "
                        "measured; record another take or run `tinystudio split` again")
    if not keep:
        raise TrainingError("the test split has no windows of the trained classes even after a "
                            "new split; record more data of each class")
    y_train = np.array([index[lab] for lab in train_ex.labels])
    y_test = np.array([index[test_ex.labels[i]] for i in keep])
    frontend = None
    if spec.frontend == "micro_speech":
        from tinystudio.dsp.audio import MicroFrontend

        frontend = MicroFrontend()
    feats_train = D.frontend_inputs(spec, train_ex.x, frontend)
    feats_test = D.frontend_inputs(spec, test_ex.x[keep], frontend)
    feats_other = D.frontend_inputs(spec, test_ex.x[other], frontend) if other else None
    if spec.frontend == "micro_speech":  # (49, 40) -> (49, 40, 1): no reshape op in the model
        feats_train, feats_test = feats_train[..., None], feats_test[..., None]
        feats_other = None if feats_other is None else feats_other[..., None]
    aug_x, aug_y = _audio_augmented(spec, train_ex, y_train, classes, settings, options.seed,
                                    frontend, stop)
    if len(aug_x):
        aug_x = aug_x[..., None]
        feats_train = np.concatenate([feats_train, aug_x])
        y_train = np.concatenate([y_train, aug_y])
    specs, pinned = _candidate_specs(options, settings, spec.sensor_kind)
    desc = ModelDescriptor(
        labels=classes, sensor_kind=spec.sensor_kind, frontend=spec.frontend,
        rate_hz=spec.rate_hz, channels=spec.channels, window=spec.window, stride=spec.stride,
        input_shape=list(feats_train.shape[1:]), input_scale=1.0, input_zero_point=0,
        output_scale=1.0, output_zero_point=0, sensor_name=spec.sensor_name,
        raw_scale=spec.raw_scale, model_name=specs[0].name,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    if spec.frontend == "raw":
        desc.norm_offset, desc.norm_scale = normalization(train_ex.x, spec.raw_scale)
    x_train = float_inputs(desc, feats_train)
    x_test = float_inputs(desc, feats_test)

    from tinystudio.ml.evaluate import keras_predict, metrics, run_tflite
    from tinystudio.ml.quantize import convert_int8, io_quantization, representative_set
    from tinystudio.ml.search import MAX_SEARCH_EPOCHS, make_folds
    from tinystudio.ml.search import search as run_search
    from tinystudio.ml.tflm import verify_tflm

    config = TrainConfig(
        epochs=int(options.epochs or settings.get("epochs", DEFAULT_EPOCHS[spec.frontend])),
        batch_size=int(options.batch_size or settings.get("batch_size", _batch_size(spec, len(y_train)))),
        learning_rate=float(options.learning_rate or settings.get("learning_rate", TrainConfig.learning_rate)),
        seed=options.seed,
    )
    if not 0 < config.learning_rate < 1:
        raise TrainingError(f"learning rate {config.learning_rate} must be between 0 and 1 (e.g. 0.003)")
    augment = None
    if spec.frontend == "raw" and settings.get("augment", True):
        from tinystudio.ml.augment import augment_imu

        augment = augment_imu
    rep = representative_set(x_train[: len(train_ex.labels)], options.seed)
    t_train = time.monotonic()
    folds = None
    candidates: list[dict] = []
    if spec.frontend == "raw":
        groups = train_ex.groups
        folds = make_folds(y_train, groups, _subjects(project, train_ex.sources), options.seed,
                           k=int(options.folds or 3))
    if budget is not None:
        specs = _fitting(specs, x_train, len(classes), rep, spec.frontend, budget, options.seed,
                         on_status)
    mspec = specs[0]
    if folds is not None and folds.folds and len(specs) > 1:
        search_config = TrainConfig(**{**asdict(config), "epochs": int(
            options.search_epochs or settings.get("search_epochs", min(MAX_SEARCH_EPOCHS,
                                                                       max(10, config.epochs // 2))))})
        found = run_search(specs, x_train, y_train, len(classes), folds, search_config, augment,
                           rep, input_range(spec.frontend), budget, on_status, stop, on_batch)
        candidates = [c.to_dict() for c in found]
        chosen = next(c for c in found if c.chosen)
        mspec = next(s for s in specs if s.name == chosen.name)
        if len(specs) > 1:
            _status(on_status, "model search: " + ", ".join(
                f"{c.name} {c.val_accuracy:.1%}" if c.val_accuracy is not None else c.name
                for c in found) + f" -> {chosen.name}")
    desc.model_name = mspec.name

    _status(on_status, f"building {mspec.name}")
    configure_tensorflow(options.seed)
    model = mspec.build(tuple(x_train.shape[1:]), len(classes), options.seed)
    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")

    _status(on_status, f"training {mspec.name}")
    result = train_model(model, x_train, y_train, len(classes), config, augment,
                         on_epoch, on_batch, stop)
    train_seconds = time.monotonic() - t_train

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
    unknown = _unknown_classes(desc, tflite, feats_other, [test_ex.labels[i] for i in other], classes)

    _status(on_status, "verifying in TFLM")
    tflm = verify_tflm(tflite, q_test, lite_out)
    desc.ops, desc.arena_bytes = tflm.ops, tflm.arena_bytes
    verdicts = {b.id: F.check_fit(len(tflite), tflm.arena_bytes, b) for b in F.boards()}
    if budget is not None and budget.id not in verdicts:
        verdicts[budget.id] = F.check_fit(len(tflite), tflm.arena_bytes, budget)
    fits = {k: v.fits and not tflm.unsupported_ops for k, v in verdicts.items()}
    _final_candidate(candidates, mspec, len(tflite), tflm.arena_bytes, int8_m.accuracy)

    baseline = None
    if spec.frontend == "raw":
        from tinystudio.ml.baseline import evaluate_baseline

        baseline = evaluate_baseline(train_ex.x, y_train, test_ex.x[keep], y_test, spec.raw_scale,
                                     folds.folds if folds else []).to_dict()
        if baseline["test_accuracy"] > int8_m.accuracy + 0.02:
            warnings.append(f"the baseline ({baseline['method']}) scores {baseline['test_accuracy']:.1%} "
                            f"on the test windows, the int8 model {int8_m.accuracy:.1%}: the network is "
                            "not earning its size; try more data or another candidate")
    elif spec.frontend == "image":
        baseline = _image_baseline(x_train[: len(train_ex.labels)], y_train, x_test, y_test,
                                   options.seed, int8_m.accuracy, warnings)
    chosen = next((c for c in candidates if c.get("chosen")), {})
    evaluation = {"scheme": folds.scheme if folds and candidates else "test split only",
                  "baseline_scheme": folds.scheme if folds else None,
                  "val_accuracy": chosen.get("val_accuracy"), "val_std": chosen.get("val_std"),
                  "val_folds": chosen.get("val_folds", []), "pinned": pinned,
                  "test_accuracy": round(int8_m.accuracy, 4), "test_windows": int8_m.n}

    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")
    report = TrainReport(
        classes=classes, float_metrics=float_m.to_dict(), int8_metrics=int8_m.to_dict(),
        model_bytes=len(tflite), arena_bytes=tflm.arena_bytes, train_seconds=train_seconds,
        total_seconds=0.0, model_path="", fits=fits,
        fit_messages={k: v.message for k, v in verdicts.items()},
        tflm=asdict(tflm), model_name=mspec.name, budget_bytes=mspec.budget_bytes,
        epochs_run=result.epochs_run, history=[asdict(h) for h in result.history],
        candidates=candidates, evaluation=evaluation, baseline=baseline, unknown_test=unknown,
        warnings=warnings, split=split_info,
        window_ms=1000.0 * spec.window / spec.rate_hz if spec.frontend == "raw" else 0.0,
        stride_ms=1000.0 * spec.stride / spec.rate_hz if spec.frontend != "image" else 0.0,
    )
    if not save:
        return report
    if spec.frontend == "image" and options.compare_grayscale:
        report.image_variant = _image_variant(project, settings, options, budget, on_status, stop,
                                              t0, split_info, spec.image_shape[2] == 3)
    _status(on_status, "saving the model package")
    report.total_seconds = time.monotonic() - t0
    report.model_path = str(save_model(project.path, ModelPackage(tflite, desc), report))
    return report


def _image_baseline(x_train, y_train, x_test, y_test, seed, int8_accuracy, warnings) -> dict:
    """The pixel logistic regression beside the image network (ml/image_baseline.py)."""
    from tinystudio.ml.image_baseline import evaluate_image_baseline

    baseline = evaluate_image_baseline(x_train, y_train[: len(x_train)], x_test, y_test, seed).to_dict()
    if baseline["test_accuracy"] > int8_accuracy + 0.02:
        warnings.append(f"the baseline ({baseline['method']}) scores {baseline['test_accuracy']:.1%} "
                        f"on the test images, the int8 model {int8_accuracy:.1%}: the network is "
                        "not earning its size; try more data or another candidate")
    return baseline


def _image_variant(project, settings, options, budget, on_status, stop, t0, split_info, gray):
    """Train the other colour mode on the same split (not saved): its accuracy and size."""
    from dataclasses import replace

    _status(on_status, f"training the {'grayscale' if gray else 'colour'} variant for comparison")
    other = _train(project, {**settings, "grayscale": gray}, replace(options, compare_grayscale=False),
                   budget, None, None, on_status, stop, t0, dict(split_info), save=False)
    return {"grayscale": gray, "int8_accuracy": round(other.int8_metrics["accuracy"], 4),
            "model_bytes": other.model_bytes, "arena_bytes": other.arena_bytes,
            "model": other.model_name}


def _fitting(specs, x_train, n_classes, rep, frontend, budget, seed, on_status):
    """Candidates whose untrained int8 model fits the board (size does not depend on the
    weights); refuses before any training when none does."""
    from tinystudio.ml.op_contract import check_for_board
    from tinystudio.ml.quantize import convert_int8
    from tinystudio.ml.tflm import smallest_arena
    from tinystudio.ml.trainer import configure_tensorflow

    ok, messages = [], []
    for s in specs:
        _status(on_status, f"checking {s.name} fits {budget.name}")
        configure_tensorflow(seed)
        pre = convert_int8(s.build(tuple(x_train.shape[1:]), n_classes, seed), rep[:8],
                           input_range(frontend))
        try:
            pre_arena = smallest_arena(pre)
        except TrainingError:  # untrained weights can upset TFLM; the size check still holds
            pre_arena = 0
        verdict = F.check_fit(len(pre), pre_arena, budget)
        if not verdict.fits:
            messages.append(f"{s.name} {verdict.message}")
            continue
        try:  # every op in the firmware's table (boards running the TFLM glue)
            check_for_board(pre, s.name, budget.id, budget.name)
        except TrainingError as exc:
            messages.append(str(exc))
            continue
        ok.append(s)
    if not ok:
        raise TrainingError("; ".join(messages) if len(messages) > 1 or "needs TFLite op" in messages[0]
                            else messages[0] + "; choose a smaller model or window, or another board")
    return ok


def _batch_size(spec, n: int) -> int:
    """16 for small IMU sets (enough steps per epoch), 64 once there are thousands of windows."""
    if spec.frontend != "raw":
        return 32
    return 16 if n < 600 else 64


def _final_candidate(candidates: list[dict], mspec, size: int, arena: int, test_acc: float) -> None:
    """The chosen candidate's row gets the final model's measured size and arena."""
    for c in candidates:
        if c["name"] == mspec.name and c.get("chosen"):
            c["model_bytes"], c["arena_bytes"] = size, arena
            c["test_int8_accuracy"] = round(test_acc, 4)


def _unknown_classes(desc, tflite, feats, labels, classes) -> dict:
    """Test windows of labels with no training data: what the model calls them."""
    if not labels:
        return {}
    from tinystudio.ml.evaluate import run_tflite

    pred = run_tflite(tflite, int8_inputs(desc, feats)).argmax(axis=1)
    out: dict[str, dict] = {}
    for lab, p in zip(labels, pred, strict=True):
        d = out.setdefault(lab, {"windows": 0, "predicted": Counter()})
        d["windows"] += 1
        d["predicted"][classes[int(p)]] += 1
    return {k: {"windows": v["windows"], "predicted": dict(v["predicted"])} for k, v in out.items()}


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


