"""Is this model any good? Per-class precision/recall/F1 and the warnings that say no.

Why: a first model scored 28.6 % on two classes -- worse than a coin -- and the window
then showed a big, confident label. A figure alone does not tell a newcomer that; these
verdicts do, in the same words on the Train page, in ``train --json`` and on the Deploy
page before flashing:

* at or below chance (accuracy <= 1 / classes, plus a small margin for a tiny test set);
* below the classical baseline measured on the same test windows;
* fewer than :data:`MIN_TEST_PER_CLASS` test windows of a class: the figure is noise.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass

#: Below this many test windows of a class, its accuracy means little.
MIN_TEST_PER_CLASS = 10


class Concern(enum.Enum):
    AT_OR_BELOW_CHANCE = "at_or_below_chance"
    BELOW_BASELINE = "below_baseline"
    SMALL_TEST_SET = "small_test_set"


@dataclass(frozen=True)
class Warning_:
    concern: Concern
    text: str

    def to_dict(self) -> dict:
        return {"concern": self.concern.value, "text": self.text}


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    test_windows: int

    def to_dict(self) -> dict:
        return asdict(self)


def per_class(classes: list[str], metrics: dict) -> list[ClassScore]:
    """Precision, recall and F1 per class from a metrics dict (``evaluate.Metrics``)."""
    confusion = metrics.get("confusion") or []
    out = []
    for i, label in enumerate(classes):
        p = float(metrics["precision"][i]) if i < len(metrics.get("precision", [])) else 0.0
        r = float(metrics["recall"][i]) if i < len(metrics.get("recall", [])) else 0.0
        f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
        n = int(sum(confusion[i])) if i < len(confusion) else 0
        out.append(ClassScore(label, round(p, 4), round(r, 4), round(f1, 4), n))
    return out


def _offer_text(evaluation: dict | None) -> str:
    """The search's offer when its baseline wins (``evaluation["offer"]``), else ''."""
    if not evaluation or not evaluation.get("baseline_wins"):
        return ""
    offer = evaluation.get("offer")
    if offer:
        return (f": the baseline wins; the feature model {offer} runs on the board "
                f"(`tinystudio train --model {offer}`)")
    return ": the baseline wins; record more data or try another window"


def judge(classes: list[str], metrics: dict, baseline: dict | None = None,
          evaluation: dict | None = None) -> list[Warning_]:
    """The warnings a model's test figures earn (empty: nothing to warn about).
    ``evaluation`` (the report's) carries the search's verdict: when the baseline wins by
    more than the margin, the below-baseline warning names the feature model to train
    instead, so the window says what ``train`` prints, not only that the model lost."""
    out: list[Warning_] = []
    k = max(1, len(classes))
    acc = float(metrics.get("accuracy", 0.0))
    chance = 1.0 / k
    if k >= 2 and acc <= chance + 1e-9:
        out.append(Warning_(Concern.AT_OR_BELOW_CHANCE,
                            f"accuracy {acc:.1%} is at or below chance ({chance:.0%} for {k} classes): "
                            "this model has learned nothing useful; check the labels (does each take "
                            "show its class?) and record more data"))
    if baseline and baseline.get("test_accuracy") is not None and acc < float(baseline["test_accuracy"]) - 1e-9:
        out.append(Warning_(Concern.BELOW_BASELINE,
                            f"accuracy {acc:.1%} is below the simple baseline "
                            f"({baseline.get('method', 'baseline')}: {float(baseline['test_accuracy']):.1%}) "
                            "on the same test windows" + _offer_text(evaluation)))
    small = [s for s in per_class(classes, metrics) if s.test_windows < MIN_TEST_PER_CLASS]
    if small:
        listed = ", ".join(f"{s.label} {s.test_windows}" for s in small)
        out.append(Warning_(Concern.SMALL_TEST_SET,
                            f"fewer than {MIN_TEST_PER_CLASS} test windows per class ({listed}): the "
                            "accuracy is too uncertain to mean much; record more takes"))
    return out


def headline(warnings: list[Warning_]) -> str:
    """One line for a status or a button's neighbour: the gravest warning first."""
    if not warnings:
        return ""
    order = [Concern.AT_OR_BELOW_CHANCE, Concern.BELOW_BASELINE, Concern.SMALL_TEST_SET]
    worst = min(warnings, key=lambda w: order.index(w.concern))
    return "⚠ " + worst.text[0].upper() + worst.text[1:]
