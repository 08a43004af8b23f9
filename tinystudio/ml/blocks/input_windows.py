"""Input block ``windows``: labeled segments -> windows (IMU), clips (audio), frames (images).

The cutting itself is :mod:`tinystudio.ml.data` (shared with classify, evaluate and the
board-parity check, so a window is the same window everywhere). This block adds what only
training needs: a project without a split gets one (by recording), and a test split with
no windows of the trained labels is replaced once by a fresh automatic split; the run
says so either way, and the split is saved with the model only at the very end.
"""

from __future__ import annotations

from tinystudio.ml import data as D
from tinystudio.ml.impulse import Callbacks, InputBlock, Windows


def auto_split(project, options, on_status, reason: str, min_length: int = 0) -> dict:
    """Make (in memory) a split by recording; returns the run's ``split`` report entry."""
    from tinystudio.dataset.splits import apply_split, plan_split

    plan = plan_split(project, test_fraction=options.test_fraction or 0.2, seed=options.seed,
                      by="recording", min_length=min_length)
    apply_split(project, plan)
    if on_status is not None:
        on_status(f"{reason}: made a split by recording ({options.test_fraction:.0%} test), "
                  "saved with the model" + "".join(f"; {n}" for n in plan.notes))
    return {"by": plan.config["by"], "notes": [reason, *plan.notes], "made_for_this_run": True,
            "imported": False}


def split_examples(project, spec, options, on_status, split_info, usable=None):
    """Train and test examples. ``usable(test_labels, train_labels)`` says whether the test
    split can score the model (default: some test window has a trained label)."""
    usable = usable or (lambda test, train: any(lab in set(train) for lab in test))
    min_length = spec.window if spec.frontend == "raw" else 0
    if not project.split_config.get("assignments"):
        split_info.update(auto_split(project, options, on_status, "the project had no split",
                                     min_length))
    train_ex, test_ex = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    if not usable(test_ex.labels, train_ex.labels) and not split_info["made_for_this_run"]:
        split_info.update(auto_split(project, options, on_status,
                                     "the test split has no windows of the trained classes",
                                     min_length))
        train_ex, test_ex = D.extract(project, spec, "train"), D.extract(project, spec, "test")
    return train_ex, test_ex


class WindowsBlock(InputBlock):
    name = "windows"
    description = "windows of labeled segments (IMU/generic), 1 s clips (audio), frames (images)"

    def examples(self, project, settings: dict, options, callbacks: Callbacks,
                 split_info: dict, usable=None) -> Windows:
        callbacks.status("preparing examples")
        spec = D.data_spec(project, settings)
        train_ex, test_ex = split_examples(project, spec, options, callbacks.on_status,
                                           split_info, usable)
        warnings = []
        if spec.resampled:
            warnings.append(D.resampled_message(spec))
            callbacks.status("warning: " + warnings[-1])
        for ex in (train_ex, test_ex):
            if ex.skipped:
                warnings.append(D.skipped_message(spec, ex.skipped))
                callbacks.status("warning: " + warnings[-1])
        return Windows(spec, train_ex, test_ex, warnings)


BLOCK = WindowsBlock()
