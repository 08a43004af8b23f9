"""What one board output means for the model's task: a class, NORMAL/ANOMALY, or a value.

A board streams the same INFERENCE message whatever the task: the int8 output tensor with
its scale and zero point. The binary descriptor a board holds does not carry the task or
the anomaly threshold (docs/protocol.md 6.1), so the host reads them from the model
package (``task``, ``score_threshold``, ``labels``) and turns each result into a typed
reading here, once, for `infer` and the Deploy page alike. Qt-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class AnomalyState(enum.Enum):
    NORMAL = "NORMAL"
    ANOMALY = "ANOMALY"


@dataclass(frozen=True)
class Reading:
    """One output, in the task's terms. ``value`` is the anomaly score (anomaly), the
    predicted target (regression) or the top class's probability (classification)."""

    task: str
    label: str  # the class; NORMAL/ANOMALY; the target's name
    value: float
    threshold: float | None = None
    state: AnomalyState | None = None

    def text(self) -> str:
        if self.task == "anomaly":
            return f"{self.label} (score {self.value:.2f}, threshold {self.threshold:.2f})"
        if self.task == "regression":
            return f"{self.label} = {self.value:.4g}"
        return f"{self.label} {self.value:.2f}"


@dataclass(frozen=True)
class OutputKind:
    """How to read a model's outputs: from a ``ModelDescriptor`` (see :func:`output_kind`)."""

    task: str = "classification"
    labels: tuple[str, ...] = ()
    threshold: float | None = None

    def read(self, result) -> Reading:
        """A reading of an ``InferenceResult`` (its dequantized ``scores``)."""
        scores = tuple(result.scores)
        if self.task == "anomaly":
            score = float(scores[0]) if scores else 0.0
            state = AnomalyState.ANOMALY if score > self.threshold else AnomalyState.NORMAL
            return Reading("anomaly", state.value, score, self.threshold, state)
        if self.task == "regression":
            name = self.labels[0] if self.labels else "value"
            return Reading("regression", name, float(scores[0]) if scores else 0.0)
        return Reading(self.task, result.label, max(scores) if scores else 0.0)


def output_kind(desc) -> OutputKind:
    """The reading rules of a model package's descriptor. An anomaly model without a
    threshold cannot say NORMAL or ANOMALY: that is a broken package, refused by name."""
    from tinystudio.errors import DeployError

    task = str(getattr(desc, "task", None) or "classification")
    threshold = getattr(desc, "score_threshold", None)
    if task == "anomaly" and threshold is None:
        raise DeployError("the anomaly model's descriptor has no score_threshold, so a score "
                          "cannot be called normal or anomalous; train the model again")
    return OutputKind(task, tuple(desc.labels), None if threshold is None else float(threshold))


def summarize(kind: OutputKind, results) -> dict:
    """Task figures over many results, for `infer --json`."""
    readings = [kind.read(r) for r in results]
    values = [r.value for r in readings]
    out: dict = {"task": kind.task}
    if kind.task == "anomaly":
        out.update({"threshold": kind.threshold,
                    "anomalies": sum(r.state is AnomalyState.ANOMALY for r in readings),
                    "normal": sum(r.state is AnomalyState.NORMAL for r in readings)})
    if kind.task in ("anomaly", "regression") and values:
        out.update({"min": round(min(values), 5), "max": round(max(values), 5),
                    "mean": round(sum(values) / len(values), 5), "last": round(values[-1], 5)})
    return out
