"""What a train/test split would give, before it is applied; what stops a training run. Qt-free.

The window's split control and the Train page's pre-flight check both go through this
thin adapter over :mod:`tinystudio.dataset.splits`, so a new split API (fallback
strategies, a preview function) plugs in at one place: :func:`_assign` (computing an
assignment) is the only function that calls the dataset's split code.

Why a preview: with one take per class, a split by recording puts every take of a class
on one side (train 18 / test 0) and training then fails; with two takes per class a
"0.20" split gives 50 % test. The person choosing must see the counts first.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tinystudio.errors import TinyStudioError

#: (key, what the control shows, why one would choose it)
STRATEGIES = (
    ("segment", "by segment",
     "each labeled segment goes to train or test on its own; works with one take per class"),
    ("recording", "by recording",
     "all segments of a take stay together (an honest test), needs 2+ takes per class"),
    ("subject", "by subject",
     "every take of one person goes to test: does it work for someone new?"),
)
STRATEGY_TEXT = {key: text for key, text, _why in STRATEGIES}


@dataclass(frozen=True)
class SplitChoice:
    by: str = "segment"  # "segment" | "recording" | "subject"
    test_fraction: float = 0.2
    subject: str | None = None
    seed: int = 0

    def same_split(self, other: SplitChoice | None) -> bool:
        """Would applying ``other`` give this split (the fraction is moot for a subject)?"""
        if other is None or other.by != self.by or other.seed != self.seed:
            return False
        if self.by == "subject":
            return other.subject == self.subject
        return abs(other.test_fraction - self.test_fraction) < 1e-9

    def describe(self) -> str:
        if self.by == "subject":
            return f"by subject (subject {self.subject!r} is the test set)"
        return f"{STRATEGY_TEXT.get(self.by, self.by)}, {self.test_fraction:.0%} test"


@dataclass
class SplitPreview:
    choice: SplitChoice
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> train/test/unassigned
    problems: list[str] = field(default_factory=list)  # training would fail or be misleading
    notes: list[str] = field(default_factory=list)  # worth knowing, not blocking

    @property
    def ok(self) -> bool:
        return not self.problems

    def total(self, side: str) -> int:
        return sum(c.get(side, 0) for c in self.counts.values())


# ------------------------------------------------------------------ the project's data


def labeled_classes(project) -> Counter:
    """Labeled segments per class."""
    return Counter(s.label for r in project.recordings() for s in r.segments)


def takes_per_class(project) -> Counter:
    """Recordings per class (a recording counts for its most frequent label)."""
    out: Counter = Counter()
    for r in project.recordings():
        if r.segments:
            out[Counter(s.label for s in r.segments).most_common(1)[0][0]] += 1
    return out


def subjects(project) -> list[str]:
    return sorted({str(r.attrs.get("subject") or "") for r in project.recordings() if r.segments} - {""})


def recommended(project, test_fraction: float = 0.2) -> SplitChoice:
    """By recording when every class has two takes or more, else by segment (the rule
    ``train`` applies when a project has no split)."""
    per_class = takes_per_class(project)
    classes = labeled_classes(project)
    if classes and all(per_class.get(c, 0) >= 2 for c in classes):
        return SplitChoice("recording", test_fraction)
    return SplitChoice("segment", test_fraction)


def current(project) -> SplitChoice | None:
    """The split the project holds now, if any."""
    config = project.split_config
    if not config.get("assignments"):
        return None
    if config.get("holdout_subject"):
        return SplitChoice("subject", 0.0, config["holdout_subject"], int(config.get("seed", 0)))
    return SplitChoice(str(config.get("by", "recording")), float(config.get("test_fraction", 0.2)),
                       None, int(config.get("seed", 0)))


# ------------------------------------------------------------------ preview and apply


def _assign(project, choice: SplitChoice):
    """Compute and store the split (the one call into the dataset's split code); returns
    the ``SplitPlan``. Classes a strategy cannot give a test example fall back to a split
    by segment or by time, and the plan's notes say which."""
    from tinystudio.dataset.splits import apply_split, plan_split

    if choice.by == "subject":
        plan = plan_split(project, 0.0, choice.seed, "recording", holdout_subject=choice.subject)
    else:
        plan = plan_split(project, choice.test_fraction, choice.seed, choice.by)
    apply_split(project, plan)
    return plan


def _count(project, assignments: dict[str, str], cuts=None) -> dict[str, dict[str, int]]:
    """Segments per class and side; a segment cut by time counts on both sides."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"train": 0, "test": 0, "unassigned": 0})
    for r in project.recordings():
        for s in r.segments:
            if cuts and s.id in cuts:
                counts[s.label]["train"] += 1
                counts[s.label]["test"] += 1
                continue
            side = assignments.get(s.id, assignments.get(r.id)) or "unassigned"
            counts[s.label][side] += 1
    return {k: counts[k] for k in sorted(counts, key=lambda c: (project.classes + [c]).index(c))}


def _judge(preview: SplitPreview, project) -> SplitPreview:
    counts = preview.counts
    if len([c for c, n in counts.items() if n["train"] + n["test"]]) < 2:
        preview.problems.append("training needs two labeled classes; label a second class")
        return preview
    if preview.total("test") == 0:
        preview.problems.append("the test set would be empty" + (
            "; split by segment (each class has only one take)" if preview.choice.by != "segment" else
            "; raise the test fraction"))
    for name, n in counts.items():
        if n["train"] == 0:
            preview.problems.append(f"class {name!r} would have no training segment")
        elif n["test"] == 0 and preview.total("test"):
            preview.notes.append(f"class {name!r} has no test segment: its accuracy cannot be measured")
    return preview


def preview(project, choice: SplitChoice) -> SplitPreview:
    """The counts ``choice`` would give; the project's own split is left as it was."""
    before = project.split_config
    try:
        plan = _assign(project, choice)
    except TinyStudioError as exc:
        return SplitPreview(choice, problems=[str(exc)])
    finally:
        project.set_split({k: v for k, v in before.items() if k != "assignments"},
                          before.get("assignments", {}))
    return _judge(SplitPreview(choice, _count(project, plan.assignments, plan.time_cuts),
                               notes=list(plan.notes)), project)


def apply(project, choice: SplitChoice) -> SplitPreview:
    """Store the split in the project (the caller saves); returns what it gave."""
    plan = _assign(project, choice)
    return _judge(SplitPreview(choice, _count(project, plan.assignments, plan.time_cuts),
                               notes=list(plan.notes)), project)


#: The notes :func:`tinystudio.dataset.splits.plan_split` writes for a class it cut another
#: way than asked (too few takes): "class 'x' has ... (split by segment)" or "(split by time)".
_FELL_BACK = re.compile(r"^class '(.+?)' has .*\(split by (segment|time)\)$")


def is_fallback_note(note: str) -> bool:
    return _FELL_BACK.match(str(note)) is not None


def fallbacks(project) -> dict[str, list[str]]:
    """How the stored split really cut the classes it could not cut as asked: way -> classes.
    ("Now: by recording" alone misled when every class had one take and was cut by segment.)"""
    out: dict[str, list[str]] = defaultdict(list)
    for note in project.split_config.get("notes", []):
        m = _FELL_BACK.match(str(note))
        if m is not None:
            out[m.group(2)].append(m.group(1))
    return {way: sorted(labels) for way, labels in out.items()}


def now_text(project, now: SplitPreview | None) -> str:
    """The split in use, as the split control's first line says it."""
    if now is None:
        return "Now: no split yet (Start training applies the one below)."
    text = f"Now: {now.choice.describe()}"
    cut = fallbacks(project)
    if cut and now.choice.by != "segment":
        text += " (" + "; ".join(f"by {way} for {', '.join(labels)}: too few takes"
                                 for way, labels in sorted(cut.items())) + ")"
    return (text + f": train {now.total('train')}, test {now.total('test')} segments"
            + ("" if now.ok else f". ⚠ {now.problems[0]}"))


def state(project) -> SplitPreview | None:
    """The project's current split with its counts (None: no split yet)."""
    choice = current(project)
    if choice is None:
        return None
    config = project.split_config
    result = _judge(SplitPreview(choice, _count(project, config["assignments"], config.get("time_cuts"))),
                    project)
    stale = sum(n["unassigned"] for n in result.counts.values())
    if stale:
        result.problems.append(f"{stale} segments were labeled after the last split and would be left out; "
                               "split again")
    return result


# ------------------------------------------------------------------ before training


@dataclass(frozen=True)
class Blocker:
    """A training run that would fail (or silently leave data out), and its fix."""

    message: str
    fix: str  # the button text, "" when the fix is elsewhere (e.g. label more data)
    choice: SplitChoice | None = None  # the split that fixes it


def training_blocker(project, fallback: SplitChoice | None = None) -> Blocker | None:
    """The first known reason ``train`` would fail on this project now, or None."""
    classes = labeled_classes(project)
    if not classes:
        return Blocker("nothing is labeled yet: label your recordings on the Label page "
                       "(Auto-segment finds the gestures)", "")
    if getattr(project, "task", "classification") != "classification":
        # anomaly: one normal class (faults are test data only); regression: the labels are
        # numbers or unused (a target channel). Their learning blocks check the data and
        # refuse in one line, which the Train page shows; the class-split rules do not apply.
        return None
    if len(classes) < 2:
        only = next(iter(classes))
        return Blocker(f"only {only!r} is labeled: training needs two classes; record and label another",
                       "")
    now = state(project)
    if now is None:  # train makes the recommended split itself; would that one work?
        auto = preview(project, recommended(project))
        return None if auto.ok else Blocker(auto.problems[0], "")
    if now.ok:
        return None
    fraction = now.choice.test_fraction or 0.2
    why = f"the current split ({now.choice.describe()}) cannot train: {now.problems[0]}"
    for fix in (fallback, now.choice, recommended(project, fraction), SplitChoice("segment", fraction)):
        if fix is not None and preview(project, fix).ok:
            return Blocker(why, f"Split {STRATEGY_TEXT[fix.by]} and train", fix)
    return Blocker(why, "")
