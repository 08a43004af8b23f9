"""The Train page's "what to do next" line, per task (kept apart from the page's widgets)."""

from __future__ import annotations

from tinystudio.ui import split_plan
from tinystudio.ui.widgets.task_results import task_of


def readiness(project) -> str:
    """What to do next, in words, for a project with no model being trained."""
    if project is None:
        return "Open or create a project (File menu), or open a ready-made one with File › Open example."
    if not project.recordings():
        return ("No recordings yet: record your first class on the Record page "
                "(or File › Open example).")
    blocker = split_plan.training_blocker(project)
    if blocker is not None and not blocker.fix:
        return blocker.message[0].upper() + blocker.message[1:] + "."
    classes = split_plan.labeled_classes(project)
    if task_of(project) == "anomaly":
        return (f"{sum(classes.values())} labeled segments: the model learns from the 'normal' ones "
                "in the training split; other labels are faults, used only as test data. Press Start training.")
    if task_of(project) == "regression":
        return (f"{sum(classes.values())} labeled segments: each window's target is a number (its "
                "segment's label, or the target channel). Press Start training.")
    return (f"{sum(classes.values())} labeled segments in {len(classes)} classes: check the split, "
            "then press Start training.")
