"""Learning block ``classifier``: labels -> a softmax network, int8, verified in TFLM.

With no model pinned, IMU projects run a model search (``search.py``): a raw 1D-CNN and a
feature-front-end model are scored on validation folds of the training split, the best
is trained on the whole training split, and every candidate plus a nearest-neighbour
baseline is reported. Test windows of a label with no training data are reported apart
(what the model calls them). With ``--board`` every candidate is first converted
untrained and sized in TFLM, and the run refuses before training when none fits.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict

import numpy as np

from tinystudio.dsp.audio import AUDIO_FRONTENDS
from tinystudio.errors import TrainingError
from tinystudio.ml import data as D
from tinystudio.ml import fit as F
from tinystudio.ml.impulse import LearnContext, Learned, LearningBlock, Windows
from tinystudio.ml.inputs import float_inputs, input_range, int8_inputs
from tinystudio.ml.models import MODELS, model_spec
from tinystudio.ml.report import TrainReport
from tinystudio.ml.trainer import TrainConfig, TrainingStopped, configure_tensorflow, train_model

DEFAULT_EPOCHS = {"raw": 80, "micro_speech": 40, "microfrontend": 40, "image": 30}
#: A baseline more than this far above the int8 model on the test windows "wins".
BASELINE_MARGIN = 0.01
#: Candidates that compute features inside the graph (what to offer when a baseline wins).
FEATURE_MODELS = ("imu_features", "imu_spectral")
#: int8 may lose at most this against float before it is calibrated again, then reported.
INT8_MARGIN = 0.01
INT8_CHECK_WINDOWS = 2000
INT8_FULL_CALIBRATION = 2000


class ClassifierBlock(LearningBlock):
    name = "classifier"
    description = "softmax network (model search for motion data), int8"
    task = "classification"
    default = True

    def check(self, windows: Windows, project) -> None:
        D.check_examples(windows.train, windows.test, project.classes)

    def learn(self, ctx: LearnContext) -> Learned:
        t = _targets(ctx)
        spec = ctx.windows.spec
        x_train = float_inputs(ctx.desc, t["x_train"])
        config = train_config(ctx, spec, len(t["y_train"]))
        rep = _representative(x_train[: ctx.features.n_original], ctx.options.seed)
        t_train = time.monotonic()  # the search counts as training time
        mspec, candidates, folds, pinned = _choose(ctx, t, x_train, config, rep)
        ctx.desc.model_name = mspec.name
        cb = ctx.callbacks
        cb.status(f"building {mspec.name}")
        configure_tensorflow(ctx.options.seed)
        model = mspec.build(tuple(x_train.shape[1:]), len(t["classes"]), ctx.options.seed)
        _check_stop(cb.stop)
        cb.status(f"training {mspec.name}")
        result = train_model(model, x_train, t["y_train"], len(t["classes"]), config,
                             _augmenter(spec, ctx.settings), cb.on_epoch, cb.on_batch, cb.stop)
        train_seconds = time.monotonic() - t_train
        tflite, calibration = int8_aware(ctx, t, model, x_train, rep)
        scores = _evaluate(ctx, t, model, tflite)
        _final_candidate(candidates, mspec, len(tflite), scores["tflm"].arena_bytes,
                         scores["int8"].accuracy)
        baseline = _baseline(ctx, t, folds, scores["int8"].accuracy)
        verdict = baseline_verdict(ctx, baseline, scores["int8"].accuracy, candidates, mspec.name)
        chosen = next((c for c in candidates if c.get("chosen")), {})
        evaluation = {"scheme": folds.scheme if folds and candidates else "test split only",
                      "baseline_scheme": folds.scheme if folds else None,
                      "val_accuracy": chosen.get("val_accuracy"), "val_std": chosen.get("val_std"),
                      "val_folds": chosen.get("val_folds", []), "pinned": pinned,
                      "test_accuracy": round(scores["int8"].accuracy, 4),
                      "test_windows": scores["int8"].n, **verdict,
                      "int8_float_gap": round(scores["float"].accuracy - scores["int8"].accuracy, 4),
                      "int8_calibration": calibration}
        if evaluation["int8_float_gap"] > INT8_MARGIN:
            ctx.warnings.append(f"int8 costs {evaluation['int8_float_gap']:.1%} on the test windows "
                                f"(float {scores['float'].accuracy:.1%}, int8 {scores['int8'].accuracy:.1%}) "
                                f"after {calibration['tries']} calibration(s)")
        _check_stop(cb.stop)
        report = base_report(ctx, tflite, scores["tflm"], mspec.name, mspec.budget_bytes,
                             train_seconds)
        report.classes = t["classes"]
        report.float_metrics, report.int8_metrics = (scores["float"].to_dict(),
                                                     scores["int8"].to_dict())
        report.epochs_run, report.history = result.epochs_run, [asdict(h) for h in result.history]
        report.candidates, report.evaluation, report.baseline = candidates, evaluation, baseline
        report.unknown_test = scores["unknown"]
        return Learned(tflite, report, {"model": mspec.name, **_model_params(mspec, spec)})


def _model_params(mspec, spec) -> dict:
    """Parameters a feature model computes with (in ``descriptor.impulse.learning``)."""
    if mspec.name == "imu_spectral":
        from tinystudio.ml.features import spectral_params

        return {f"features_{k}": v for k, v in spectral_params(spec.window, spec.rate_hz).items()}
    if mspec.name == "imu_features":
        from tinystudio.ml.features import frame_length

        return {"features_frame": frame_length(spec.window)}
    return {}


def _check_stop(stop) -> None:
    if stop is not None and stop.is_set():
        raise TrainingStopped("training stopped by request; the project is unchanged")


def _targets(ctx: LearnContext) -> dict:
    """Classes with training data, their indices, and which test windows can be scored."""
    f = ctx.features
    present = set(f.train_labels)
    classes = [c for c in ctx.project.classes if c in present]
    index = {c: i for i, c in enumerate(classes)}
    keep = [i for i, lab in enumerate(f.test_labels) if lab in index]
    other = [i for i, lab in enumerate(f.test_labels) if lab not in index]
    untested = [c for c in classes if c not in {f.test_labels[i] for i in keep}]
    if untested and keep:
        ctx.warnings.append(f"no test windows of {', '.join(map(repr, untested))}: its accuracy is "
                            "not measured; record another take or run `tinystudio split` again")
    if not keep:
        raise TrainingError("the test split has no windows of the trained classes even after a "
                            "new split; record more data of each class")
    ctx.desc.labels = classes
    return {"classes": classes, "keep": keep, "other": other,
            "x_train": f.train, "y_train": np.array([index[lab] for lab in f.train_labels]),
            "x_test": f.test[keep], "y_test": np.array([index[f.test_labels[i]] for i in keep]),
            "x_other": f.test[other] if other else None,
            "other_labels": [f.test_labels[i] for i in other]}


def train_config(ctx: LearnContext, spec, n_train: int, default_epochs: int | None = None):
    """Epochs, batch size and learning rate: options over project settings over defaults."""
    o, s = ctx.options, ctx.settings
    config = TrainConfig(
        epochs=int(o.epochs or s.get("epochs", default_epochs or DEFAULT_EPOCHS[spec.frontend])),
        batch_size=int(o.batch_size or s.get("batch_size", _batch_size(spec, n_train))),
        learning_rate=float(o.learning_rate or s.get("learning_rate", TrainConfig.learning_rate)),
        seed=o.seed,
    )
    if not 0 < config.learning_rate < 1:
        raise TrainingError(f"learning rate {config.learning_rate} must be between 0 and 1 (e.g. 0.003)")
    return config


def _representative(x_train, seed: int):
    from tinystudio.ml.quantize import representative_set

    return representative_set(x_train, seed)


def _augmenter(spec, settings: dict):
    if spec.frontend == "raw" and settings.get("augment", True):
        from tinystudio.ml.augment import augment_imu

        return augment_imu
    return None


def _subjects(project, sources: list[str]) -> list[str]:
    subj = {r.id: str(r.attrs.get("subject", "") or "") for r in project.recordings()}
    return [subj.get(s.rsplit(":", 1)[0], "") for s in sources]


def candidate_specs(options, settings, kind: str):
    """``(model specs to consider, pinned?)``: a pinned model, the search's candidates, or
    the sensor's default model."""
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


def window_fitting(specs, window: int, pinned: bool, warnings: list[str], on_status=None):
    """Candidates whose receptive field fits the window, checked before any conversion
    (a too-short window leaves a zero-sized tensor, which crashes TFLM rather than being
    refused). A pinned model, or a search with no candidate left, is refused; a dropped
    candidate is named in the warnings."""
    from tinystudio.ml.models import check_window

    ok, refused = [], []
    for s in specs:
        try:
            check_window(s, window)
            ok.append(s)
        except TrainingError as exc:
            if pinned:
                raise
            refused.append(exc)
    if not ok:
        raise TrainingError("; ".join(str(e) for e in refused))
    for exc in refused:
        warnings.append(f"candidate left out: {exc}")
        if on_status is not None:
            on_status("warning: " + warnings[-1])
    return ok


def _choose(ctx: LearnContext, t: dict, x_train, config, rep):
    """The model to train: pinned, the only fitting one, or the search's pick."""
    from tinystudio.ml.search import MAX_SEARCH_EPOCHS, make_folds
    from tinystudio.ml.search import search as run_search

    spec, o, cb = ctx.windows.spec, ctx.options, ctx.callbacks
    specs, pinned = candidate_specs(o, ctx.settings, spec.sensor_kind)
    specs = [s.for_rate(spec.rate_hz) for s in specs]
    if spec.frontend == "raw":
        specs = window_fitting(specs, spec.window, pinned, ctx.warnings, cb.on_status)
    elif spec.frontend == "image" and not pinned and not (o.candidates or ctx.settings.get("candidates")):
        from tinystudio.ml.transfer import image_candidates  # the pretrained start (issue 20)

        specs = image_candidates(specs, x_train.shape)
    ctx.desc.model_name = specs[0].name
    folds, candidates = None, []
    n_classes = len(t["classes"])
    if spec.frontend == "raw" or (spec.frontend == "image" and len(specs) > 1):
        train_ex = ctx.windows.train
        folds = make_folds(t["y_train"], train_ex.groups, _subjects(ctx.project, train_ex.sources),
                           o.seed, k=int(o.folds or 3))
    if ctx.budget is not None:
        specs = fitting(specs, x_train, n_classes, rep, spec.frontend, ctx.budget, o.seed,
                        cb.on_status)
    mspec = specs[0]
    if folds is not None and folds.folds and len(specs) > 1:
        search_config = TrainConfig(**{**asdict(config), "epochs": int(
            o.search_epochs or ctx.settings.get("search_epochs", min(MAX_SEARCH_EPOCHS,
                                                                     max(10, config.epochs // 2))))})
        found = run_search(specs, x_train, t["y_train"], n_classes, folds, search_config,
                           _augmenter(spec, ctx.settings), rep, input_range(spec.frontend),
                           ctx.budget, cb.on_status, cb.stop, cb.on_batch)
        candidates = [c.to_dict() for c in found]
        chosen = next(c for c in found if c.chosen)
        mspec = next(s for s in specs if s.name == chosen.name)
        cb.status("model search: " + ", ".join(
            f"{c.name} {c.val_accuracy:.1%}" if c.val_accuracy is not None else c.name
            for c in found) + f" -> {chosen.name}")
    return mspec, candidates, folds, pinned


def _train_gap(ctx, t, model, tflite, x_train) -> float:
    """float minus int8 accuracy on the training windows (the test split never chooses)."""
    from tinystudio.ml.evaluate import keras_predict, run_tflite

    n = ctx.features.n_original
    idx = np.random.default_rng(ctx.options.seed).permutation(n)[:INT8_CHECK_WINDOWS]
    y = t["y_train"][idx]
    f = np.mean(keras_predict(model, x_train[idx]).argmax(axis=1) == y)
    q = np.mean(run_tflite(tflite, int8_inputs(ctx.desc, t["x_train"][idx])).argmax(axis=1) == y)
    return float(f - q)


def int8_aware(ctx: LearnContext, t: dict, model, x_train, rep) -> tuple[bytes, dict]:
    """int8 conversion that checks itself: when the int8 model loses more than
    ``INT8_MARGIN`` against the float model on training windows, calibrate again on every
    training window (not a sample of 200) and keep the calibration that loses least."""
    from tinystudio.ml.quantize import representative_set

    tflite = quantize_model(ctx, model, rep)
    gap = _train_gap(ctx, t, model, tflite, x_train)
    out = {"tries": 1, "train_gap": round(gap, 4), "representative": len(rep)}
    if gap <= INT8_MARGIN or ctx.features.n_original <= len(rep):
        return tflite, out
    ctx.callbacks.status(f"int8 loses {gap:.1%} on training windows: calibrating on all of them")
    full = representative_set(x_train[: ctx.features.n_original], ctx.options.seed,
                              limit=INT8_FULL_CALIBRATION)
    again = quantize_model(ctx, model, full)
    gap2 = _train_gap(ctx, t, model, again, x_train)
    out.update({"tries": 2, "train_gap_full": round(gap2, 4)})
    if gap2 < gap:
        out.update({"train_gap": round(gap2, 4), "representative": len(full)})
        return again, out
    apply_quantization(ctx, tflite)  # the descriptor's quantization back to the first one's
    return tflite, out


def quantize_model(ctx: LearnContext, model, rep) -> bytes:
    """int8 conversion; the descriptor gets the input/output quantization."""
    from tinystudio.ml.quantize import convert_int8

    ctx.callbacks.status("converting to int8")
    tflite = convert_int8(model, rep, input_range(ctx.windows.spec.frontend))
    apply_quantization(ctx, tflite)
    return tflite


def apply_quantization(ctx: LearnContext, tflite: bytes) -> None:
    """The descriptor takes this model's input/output quantization (and folds the raw
    input affine with it)."""
    from tinystudio.ml.quantize import io_quantization

    desc = ctx.desc
    (desc.input_scale, desc.input_zero_point), (desc.output_scale, desc.output_zero_point), _ = \
        io_quantization(tflite)
    if ctx.windows.spec.frontend == "raw":
        desc.fold_input_affine()


def _evaluate(ctx: LearnContext, t: dict, model, tflite: bytes) -> dict:
    from tinystudio.ml.evaluate import keras_predict, metrics, run_tflite
    from tinystudio.ml.tflm import verify_tflm

    ctx.callbacks.status("evaluating float and int8 models")
    n = len(t["classes"])
    float_m = metrics(t["y_test"], keras_predict(model, float_inputs(ctx.desc, t["x_test"]))
                      .argmax(axis=1), n)
    q_test = int8_inputs(ctx.desc, t["x_test"])
    lite_out = run_tflite(tflite, q_test)
    int8_m = metrics(t["y_test"], lite_out.argmax(axis=1), n)
    unknown = _unknown_classes(ctx.desc, tflite, t["x_other"], t["other_labels"], t["classes"])
    ctx.callbacks.status("verifying in TFLM")
    tflm = verify_tflm(tflite, q_test, lite_out)
    ctx.desc.ops, ctx.desc.arena_bytes = tflm.ops, tflm.arena_bytes
    return {"float": float_m, "int8": int8_m, "unknown": unknown, "tflm": tflm}


def base_report(ctx: LearnContext, tflite: bytes, tflm, model_name: str, budget_bytes: int,
                train_seconds: float) -> TrainReport:
    """The report's task-independent part: size, arena, fits per board, timings, windows."""
    spec = ctx.windows.spec
    verdicts = {b.id: F.check_fit(len(tflite), tflm.arena_bytes, b) for b in F.boards()}
    if ctx.budget is not None and ctx.budget.id not in verdicts:
        verdicts[ctx.budget.id] = F.check_fit(len(tflite), tflm.arena_bytes, ctx.budget)
    return TrainReport(
        classes=list(ctx.desc.labels), float_metrics={}, int8_metrics={},
        model_bytes=len(tflite), arena_bytes=tflm.arena_bytes, train_seconds=train_seconds,
        total_seconds=0.0, model_path="",
        fits={k: v.fits and not tflm.unsupported_ops for k, v in verdicts.items()},
        fit_messages={k: v.message for k, v in verdicts.items()},
        tflm=asdict(tflm), model_name=model_name, budget_bytes=budget_bytes,
        task=ctx.desc.task,
        epochs_run=0, warnings=ctx.warnings, split=ctx.split_info,
        window_ms=1000.0 * spec.window / spec.rate_hz if spec.frontend == "raw" else 0.0,
        stride_ms=1000.0 * spec.stride / spec.rate_hz if spec.frontend != "image" else 0.0,
    )


def _baseline(ctx: LearnContext, t: dict, folds, int8_accuracy: float):
    """The non-network baselines beside the model, on the same folds and test windows:
    motion/generic windows get 1-NN on statistics and trees on spectral features, keyword
    clips an SVM on MFCC statistics, images pixel logistic regression. The best (by
    validation) is ``baseline``; every one is in ``baseline["all"]``."""
    frontend = ctx.windows.spec.frontend
    if frontend == "image":
        return _image_baseline(ctx, t, int8_accuracy)
    from tinystudio.ml import classical

    n = ctx.features.n_original
    fold_list = folds.folds if folds else []
    if frontend == "raw":
        from tinystudio.ml.baseline import evaluate_baseline

        spec = ctx.windows.spec
        results = [evaluate_baseline(ctx.windows.train.x, t["y_train"][:n], t["x_test"], t["y_test"],
                                     spec.raw_scale, fold_list).to_dict()]
        scale = np.asarray(spec.raw_scale or [1.0] * len(spec.channels), dtype=np.float64)
        f_train = classical.spectral_features(ctx.windows.train.x * scale, spec.rate_hz)
        f_test = classical.spectral_features(t["x_test"] * scale, spec.rate_hz)
        kind = "motion"
    elif frontend in AUDIO_FRONTENDS:  # (frames, bands[, 1]) log-mel features
        f_train, f_test = classical.mfcc_stats(t["x_train"][:n]), classical.mfcc_stats(t["x_test"])
        results, kind = [], "audio"
    else:
        return None
    ctx.callbacks.status("scoring the classical baselines")
    results += [b.to_dict() for b in classical.evaluate_classical(
        f_train, t["y_train"][:n], f_test, t["y_test"], fold_list, kind, ctx.options.seed)]
    baseline = {**classical.best(results), "all": results}
    return baseline


def baseline_verdict(ctx: LearnContext, baseline: dict | None, int8_accuracy: float,
                     candidates: list[dict], chosen: str) -> dict:
    """Whether the best baseline beats the int8 model by more than ``BASELINE_MARGIN`` on
    the test windows; if so the run says so and offers the feature model that comes
    closest to it (a board-ready model), never keeping the network silently."""
    if not baseline:
        return {}
    gap = baseline["test_accuracy"] - int8_accuracy
    out = {"baseline_wins": bool(gap > BASELINE_MARGIN), "baseline_gap": round(gap, 4)}
    if not out["baseline_wins"]:
        return out
    features = [c for c in candidates if c["name"] in FEATURE_MODELS and c.get("val_accuracy") is not None]
    offer = max(features, key=lambda c: c["val_accuracy"], default=None)
    text = (f"the baseline wins: {baseline['method']} scores {baseline['test_accuracy']:.1%} on the test "
            f"windows, the int8 {chosen} {int8_accuracy:.1%}")
    if offer is not None and offer["name"] != chosen:
        out["offer"] = offer["name"]
        text += (f"; the feature model {offer['name']} (validation {offer['val_accuracy']:.1%}) runs on "
                 f"the board: `tinystudio train --model {offer['name']}`")
    else:
        text += "; the network is not earning its size: record more data or try another window"
    if ctx.windows.spec.frontend != "image":  # the image baseline words its own warning
        ctx.warnings.append(text)
    return out


def _image_baseline(ctx: LearnContext, t: dict, int8_accuracy: float) -> dict:
    from tinystudio.ml.image_baseline import evaluate_image_baseline

    n = ctx.features.n_original
    x_train = float_inputs(ctx.desc, t["x_train"][:n])
    baseline = evaluate_image_baseline(x_train, t["y_train"][:n], float_inputs(ctx.desc, t["x_test"]),
                                       t["y_test"], ctx.options.seed).to_dict()
    if baseline["test_accuracy"] > int8_accuracy + 0.02:
        ctx.warnings.append(f"the baseline ({baseline['method']}) scores "
                            f"{baseline['test_accuracy']:.1%} on the test images, the int8 model "
                            f"{int8_accuracy:.1%}: the network is not earning its size; try more "
                            "data or another candidate")
    return baseline


def fitting(specs, x_train, n_outputs, rep, frontend, budget, seed, on_status):
    """Candidates whose untrained int8 model fits the board (size does not depend on the
    weights); refuses before any training when none does."""
    from tinystudio.ml.op_contract import check_for_board
    from tinystudio.ml.quantize import convert_int8
    from tinystudio.ml.tflm import smallest_arena

    ok, messages = [], []
    for s in specs:
        if on_status is not None:
            on_status(f"checking {s.name} fits {budget.name}")
        configure_tensorflow(seed)
        pre = convert_int8(s.build(tuple(x_train.shape[1:]), n_outputs, seed), rep[:8],
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


BLOCK = ClassifierBlock()
