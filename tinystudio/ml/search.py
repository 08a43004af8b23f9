"""Model search: train a few candidate models, pick by validation accuracy, show them all.

Candidates (``DEFAULT_CANDIDATES``) are scored on validation folds cut from the training
split only (the test split is never looked at to choose): leave-one-subject-out when the
recordings name two or more subjects, k-fold when the data is small, else one held-out
fifth. Folds are grouped so the windows of one segment (or one time part) are never on
both sides, and stratified per class. The best mean validation accuracy wins; within
``TIE`` of it the smaller int8 model wins. Every candidate is converted to int8 once, so
its size, TFLM arena and host-TFLM latency are measured, not estimated.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from tinystudio.errors import TrainingError

DEFAULT_CANDIDATES = {kind: ["imu_cnn", "imu_features", "imu_spectral"]
                      for kind in ("imu", "vibration", "generic")}
SMALL_DATA = 400  # fewer training windows than this: k-fold rather than one holdout
K_FOLDS = 3
HOLDOUT = 0.2
MAX_SUBJECT_FOLDS = 5
TIE = 0.005
LATENCY_RUNS = 20
MAX_SEARCH_EPOCHS = 40  # per candidate and fold: the search stays short whatever --epochs says


@dataclass
class SearchProgress:
    """Where the model search is, as one status line (``train: model search: ...`` on the
    command's stderr) that the Train page reads back into a percentage: before this, its
    bar said "starting" for the 15-45 s the search takes."""

    candidate: int  # 1-based
    candidates: int
    name: str
    fold: int  # 1-based
    folds: int
    epoch: int  # epochs done in this fold (0 at its start)
    epochs: int

    @property
    def fraction(self) -> float:
        """Done share of the whole search (folds weigh the same; epochs within a fold)."""
        done = (self.candidate - 1) * self.folds + (self.fold - 1) + self.epoch / max(1, self.epochs)
        return min(1.0, done / max(1, self.candidates * self.folds))

    def line(self) -> str:
        return (f"model search: candidate {self.candidate} of {self.candidates} ({self.name}), "
                f"fold {self.fold} of {self.folds}, epoch {self.epoch} of {self.epochs}")

    @classmethod
    def parse(cls, text: str) -> SearchProgress | None:
        m = _PROGRESS.search(text)
        if m is None:
            return None
        c, n, name, i, k, e, ee = m.groups()
        return cls(int(c), int(n), name, int(i), int(k), int(e), int(ee))


_PROGRESS = re.compile(r"model search: candidate (\d+) of (\d+) \((\S+)\), fold (\d+) of (\d+), "
                       r"epoch (\d+) of (\d+)")
STATUS_EVERY_S = 0.5  # epoch lines during the search at most this often (a terminal reads them)


@dataclass
class Candidate:
    """One candidate's figures (stored in the model's report.json, shown on the Train page)."""

    name: str
    description: str
    val_accuracy: float | None  # mean over folds; None when no fold could be made
    val_std: float | None
    val_folds: list[float]
    model_bytes: int  # int8 .tflite
    arena_bytes: int  # smallest TFLM arena
    latency_ms: float  # host TFLM, median of single invocations
    budget_bytes: int
    fits: bool  # within its size budget and the selected board (if any)
    chosen: bool = False
    seconds: float = 0.0  # time spent training it on the folds
    note: str = ""

    def to_dict(self) -> dict:
        """Fields above, plus ``accuracy`` (= ``val_accuracy``, the figure the choice used)."""
        return {**asdict(self), "accuracy": self.val_accuracy}


@dataclass
class Folds:
    scheme: str  # e.g. "3-fold by segment", "leave-one-subject-out (4 subjects)"
    folds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


def _grouped_folds(y, groups, k, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, grouped k-fold: every group (with one label) goes to one fold."""
    fold_of: dict[str, int] = {}
    for c in np.unique(y):
        gs = sorted({groups[i] for i in np.flatnonzero(y == c)})
        rng.shuffle(gs)
        offset = int(rng.integers(k))
        for j, g in enumerate(gs):
            fold_of[g] = (j + offset) % k
    f = np.array([fold_of[g] for g in groups])
    return [(np.flatnonzero(f != i), np.flatnonzero(f == i)) for i in range(k)]


def make_folds(y: np.ndarray, groups: list[str], subjects: list[str], seed: int = 0,
               k: int = K_FOLDS, small: int = SMALL_DATA) -> Folds:
    """Validation folds over the training windows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    named = sorted({s for s in subjects if s})
    if len(named) >= 2 and all(subjects):
        per = min(len(named), MAX_SUBJECT_FOLDS)
        order = list(named)
        rng.shuffle(order)
        fold_of = {s: i % per for i, s in enumerate(order)}
        f = np.array([fold_of[s] for s in subjects])
        folds = [(np.flatnonzero(f != i), np.flatnonzero(f == i)) for i in range(per)]
        scheme = (f"leave-one-subject-out ({len(named)} subjects)" if per == len(named)
                  else f"{per} folds of whole subjects ({len(named)} subjects)")
        return Folds(scheme, [fo for fo in folds if len(fo[0]) and len(fo[1])])
    min_groups = min(len({groups[i] for i in np.flatnonzero(y == c)}) for c in np.unique(y))
    if min_groups < 2:
        return Folds("none (a class has a single segment in training)")
    if len(y) < small:
        kk = int(min(k, min_groups))
        return Folds(f"{kk}-fold by segment", _grouped_folds(y, groups, kk, rng))
    kk = max(2, int(round(1 / HOLDOUT)))
    tr, va = _grouped_folds(y, groups, kk, rng)[0]
    return Folds(f"holdout {HOLDOUT:.0%} by segment", [(tr, va)])


def measure_int8(model, rep, input_range) -> tuple[bytes, int, float]:
    """``(tflite, arena bytes, host TFLM latency in ms)`` of a keras model."""
    from tinystudio.ml.quantize import convert_int8
    from tinystudio.ml.tflm import TflmRunner, smallest_arena

    tflite = convert_int8(model, rep, input_range)
    arena = smallest_arena(tflite)
    runner = TflmRunner(tflite, arena + 1024)
    shape = [int(d) for d in runner.input["shape"][1:]]
    probe = np.zeros(shape, dtype=runner.input["dtype"])
    runner.run(probe)
    times = []
    for _ in range(LATENCY_RUNS):
        t = time.perf_counter()
        runner.run(probe)
        times.append(time.perf_counter() - t)
    return tflite, arena, round(1000 * float(np.median(times)), 4)


def search(specs, x, y, n_classes, folds: Folds, config, augment, rep, input_range,
           board=None, on_status=None, stop=None, on_batch=None) -> list[Candidate]:
    """Score every candidate on ``folds``; mark the chosen one (``chosen``)."""
    from tinystudio.ml import fit as F
    from tinystudio.ml.evaluate import keras_predict
    from tinystudio.ml.trainer import configure_tensorflow, train_model

    out: list[Candidate] = []
    for j, spec in enumerate(specs):
        t0 = time.monotonic()
        scores, model = [], None
        for i, (tr, va) in enumerate(folds.folds):
            where = SearchProgress(j + 1, len(specs), spec.name, i + 1, len(folds.folds), 0, config.epochs)
            on_epoch = _search_status(where, on_status)
            configure_tensorflow(config.seed)
            model = spec.build(tuple(x.shape[1:]), n_classes, config.seed)
            train_model(model, x[tr], y[tr], n_classes, config, augment, on_epoch=on_epoch,
                        on_batch=on_batch, stop=stop)
            pred = keras_predict(model, x[va]).argmax(axis=1)
            scores.append(float(np.mean(pred == y[va])))
        seconds = time.monotonic() - t0
        if model is None:
            configure_tensorflow(config.seed)
            model = spec.build(tuple(x.shape[1:]), n_classes, config.seed)
        note = ""
        try:
            tflite, arena, latency = measure_int8(model, rep, input_range)
            size = len(tflite)
        except TrainingError as exc:
            size, arena, latency, note = 0, 0, 0.0, str(exc)
        fits = bool(size) and size <= spec.budget_bytes
        if board is not None and size:
            verdict = F.check_fit(size, arena, board)
            if not verdict.fits:
                fits, note = False, verdict.message
        elif size > spec.budget_bytes:
            note = f"int8 model {size:,} B is over its {spec.budget_bytes:,} B budget"
        out.append(Candidate(
            spec.name, spec.description,
            round(float(np.mean(scores)), 4) if scores else None,
            round(float(np.std(scores)), 4) if scores else None,
            [round(s, 4) for s in scores], size, arena, latency, spec.budget_bytes, fits,
            seconds=round(seconds, 2), note=note))
    pick = choose(out)
    if pick is None:
        raise TrainingError("no candidate model fits: " + "; ".join(f"{c.name}: {c.note}" for c in out))
    pick.chosen = True
    return out


def _search_status(where: SearchProgress, on_status):
    """Say where the search is at the start of a fold, then after its epochs (at most every
    :data:`STATUS_EVERY_S`); returns the trainer's epoch callback (None: nobody listens)."""
    if on_status is None:
        return None
    on_status(where.line())
    last = [time.monotonic()]

    def on_epoch(p) -> None:
        now = time.monotonic()
        if now - last[0] >= STATUS_EVERY_S:
            last[0] = now
            on_status(SearchProgress(**{**asdict(where), "epoch": p.epoch, "epochs": p.epochs}).line())

    return on_epoch


def choose(cands: list[Candidate]) -> Candidate | None:
    """Best validation accuracy among those that fit; within ``TIE``, the smaller model;
    with no validation at all, the first candidate that fits (the modality's default)."""
    ok = [c for c in cands if c.fits]
    if not ok:
        return None
    scored = [c for c in ok if c.val_accuracy is not None]
    if not scored:
        return ok[0]
    best = max(c.val_accuracy for c in scored)
    near = [c for c in scored if c.val_accuracy >= best - TIE]
    return min(near, key=lambda c: c.model_bytes)
