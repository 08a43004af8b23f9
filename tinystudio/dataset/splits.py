"""Train/test splits: stratified per class, reproducible from a seed, leak-aware, no dead ends.

Splitting by recording keeps all segments of a take together (neighbouring windows of
one take are nearly identical, so splitting them across train and test flatters the
score). A recording's class for stratification is its most frequent label. Holding out
a subject or session puts all of its recordings in test, the honest way to ask "does it
work for someone new".

A split by recording cannot give a class a test example when the class has a single
recording (data labeled whole: one 10 s take per class). Rather than leave an empty test
set, such a class falls back to a split by segment, or, with a single segment, by time:
the last ``test_fraction`` of the segment is test (``time_cuts`` in the stored split:
segment id -> first test sample). Windows are cut inside each part, never across the cut,
so no window is in both sets. Every fallback is said in the plan's ``notes``.

On disk (``project.json`` ``split``): ``assignments`` maps recording or segment ids to
'train'/'test' as before; ``time_cuts`` is optional and older readers ignore it. A split
whose ``source`` is ``import`` came with the data (Edge Impulse's training/testing
category, stored by ``importers.keep_imported_split``); training keeps it.

The GUI calls :func:`plan_split` to preview counts and :func:`apply_split` to store them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from tinystudio.errors import DatasetError

MIN_EXAMPLES = 5
IMBALANCE_RATIO = 3.0
DEVIATION = 0.15  # |achieved - requested| test fraction of a class worth a warning
STRATEGIES = ("recording", "segment", "subject", "time")


def is_imported(config: dict) -> bool:
    """A split that came with the data (kept by training, replaced only on request); the
    importers mark it ``"source": "import"`` (``importers.keep_imported_split``)."""
    return config.get("source") == "import" or bool(config.get("imported"))


@dataclass(frozen=True)
class Part:
    """A labeled segment, or the train or test part of one cut by time."""

    segment: object  # LabeledSegment
    start: int
    end: int
    split: str | None

    @property
    def label(self) -> str:
        return self.segment.label

    @property
    def recording(self):
        return self.segment.recording

    @property
    def group(self) -> str:
        """Identifies the windows that must stay on one side (one segment part)."""
        return f"{self.segment.id}:{self.start}"

    @property
    def seconds(self) -> float:
        rate = self.segment.recording.rate_hz
        return (self.end - self.start) / rate if rate else 0.0


def segment_parts(project, split: str | None = None) -> list[Part]:
    """Every labeled span with its split (time-cut segments give two parts)."""
    cuts = project.split_config.get("time_cuts", {}) or {}
    out = []
    for ls in project.labeled_segments():
        cut = cuts.get(ls.id)
        if cut is not None and ls.start < int(cut) < ls.end:
            parts = [Part(ls, ls.start, int(cut), "train"), Part(ls, int(cut), ls.end, "test")]
        else:
            parts = [Part(ls, ls.start, ls.end, ls.split)]
        out.extend(p for p in parts if split is None or p.split == split)
    return out


@dataclass
class SplitPlan:
    """A split computed but not stored: preview it, then :func:`apply_split`."""

    config: dict
    assignments: dict[str, str]
    time_cuts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # fallbacks taken, in words
    classes: dict[str, dict] = field(default_factory=dict)  # per class counts, see _counts
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _pick(items: list[str], weights: dict[str, float], fraction: float, rng) -> set[str]:
    """Items for test, weighing seconds, so one long take is not sent to test as if it
    were a short one: in shuffled order, an item joins test when that brings the test
    share closer to ``fraction``. At least one item on each side when there are two."""
    items = list(items)
    rng.shuffle(items)
    n = len(items)
    if n < 2 or fraction <= 0:
        return set()
    total = sum(weights[i] for i in items) or 1.0
    test: list[str] = []
    acc = 0.0
    for it in items:
        if len(test) == n - 1:
            break
        if abs((acc + weights[it]) / total - fraction) < abs(acc / total - fraction) - 1e-12:
            test.append(it)
            acc += weights[it]
    if not test:
        test = [min(items, key=lambda i: weights[i])]
    return set(test)


def plan_split(project, test_fraction: float = 0.2, seed: int = 0, by: str = "recording",
               holdout_subject: str | None = None, holdout_session: str | None = None,
               min_length: int = 0) -> SplitPlan:
    """Compute a split (nothing is stored). See the module docstring for the fallbacks.

    Segments shorter than ``min_length`` samples (a model window: they give no window of
    their own) stay in train and are not counted when a class looks for a test example."""
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test fraction {test_fraction} must be in [0, 1)")
    if by not in STRATEGIES:
        raise DatasetError(f"split by {by!r}: use one of {', '.join(STRATEGIES)}")
    rng = np.random.default_rng(seed)
    recs = sorted((r for r in project.recordings() if r.segments), key=lambda r: r.id)
    notes: list[str] = []
    held = set()
    if holdout_subject or holdout_session:
        for r in recs:
            if (holdout_subject and r.attrs.get("subject") == holdout_subject) or (
                    holdout_session and r.attrs.get("session") == holdout_session):
                held.add(r.id)
        if not held:
            raise DatasetError(f"no recording has subject {holdout_subject!r} / session {holdout_session!r}")
    frac = 0.0 if held else test_fraction
    assignments: dict[str, str] = {r.id: "test" for r in recs if r.id in held}
    free = [r for r in recs if r.id not in held]
    seconds = {r.id: sum(s.length for s in r.segments) / (r.rate_hz or 1.0) for r in free}
    if by == "subject" and not held:
        subjects = defaultdict(list)
        for r in free:
            subjects[str(r.attrs.get("subject", "") or "")].append(r.id)
        if len([s for s in subjects if s]) >= 2:
            w = {s: sum(seconds[i] for i in ids) for s, ids in subjects.items()}
            test_subjects = _pick(sorted(subjects), w, frac, rng)
            for s, ids in subjects.items():
                for rid in ids:
                    assignments[rid] = "test" if s in test_subjects else "train"
            notes.append(f"subjects in test: {', '.join(sorted(test_subjects)) or 'none'}")
        else:
            notes.append("fewer than two subjects are recorded; split by recording instead")
            by = "recording"
    if by in ("recording", "subject") and len(assignments) < len(recs):
        groups: dict[str, list[str]] = defaultdict(list)
        for r in free:
            groups[Counter(s.label for s in r.segments).most_common(1)[0][0]].append(r.id)
        for label in sorted(groups):
            test = _pick(sorted(groups[label]), seconds, frac, rng)
            for rid in groups[label]:
                assignments[rid] = "test" if rid in test else "train"
    time_cuts: dict[str, int] = {}
    by_class: dict[str, list] = defaultdict(list)
    for r in free:
        for s in r.segments:
            if s.length >= min_length:
                by_class[s.label].append((r, s))
            elif s.id not in assignments and r.id not in assignments:
                assignments[s.id] = "train"
    for label in sorted(by_class):
        segs = sorted(by_class[label], key=lambda rs: (rs[0].id, rs[1].start, rs[1].end))
        sides = {assignments.get(s.id, assignments.get(r.id)) for r, s in segs}
        if by in ("recording", "subject") and (frac == 0 or sides >= {"train", "test"}):
            continue
        if by == "time" or len(segs) == 1:
            for _r, s in segs:
                if s.length >= 2 and frac > 0:
                    time_cuts[s.id] = s.start + min(s.length - 1, max(1, int(round(s.length * (1 - frac)))))
                assignments[s.id] = "train"
            if by != "time":
                notes.append(f"class {label!r} has one segment: its last {frac:.0%} is the test part "
                              "(split by time)")
            continue
        w = {s.id: s.length / (r.rate_hz or 1.0) for r, s in segs}
        test = _pick([s.id for _, s in segs], w, frac, rng)
        for _, s in segs:
            assignments[s.id] = "test" if s.id in test else "train"
        if by != "segment":
            notes.append(f"class {label!r} has too few recordings for a split by recording; "
                         "its segments are split instead (split by segment)")
    config = {"by": by, "seed": int(seed), "test_fraction": float(test_fraction),
              "holdout_subject": holdout_subject, "holdout_session": holdout_session}
    if time_cuts:
        config["time_cuts"] = time_cuts
    if notes:
        config["notes"] = notes
    plan = SplitPlan(config, assignments, time_cuts, notes)
    plan.classes, plan.warnings = _preview_counts(project, plan, frac if not held else None)
    return plan


def _preview_counts(project, plan: SplitPlan, requested: float | None):
    """Per-class counts the plan would give, without storing it."""
    classes: dict[str, dict] = {}
    for ls in project.labeled_segments():
        side = plan.assignments.get(ls.id, plan.assignments.get(ls.recording.id))
        cut = plan.time_cuts.get(ls.id)
        rate = ls.recording.rate_hz or 1.0
        c = classes.setdefault(ls.label, _empty())
        c["segments"] += 1
        c["seconds"] += ls.seconds
        if cut is not None:
            c["train"] += 1
            c["test"] += 1
            c["train_seconds"] += (cut - ls.start) / rate
            c["test_seconds"] += (ls.end - cut) / rate
        elif side in ("train", "test"):
            c[side] += 1
            c[f"{side}_seconds"] += ls.seconds
    return _finish(classes, requested)


def _empty() -> dict:
    return {"segments": 0, "seconds": 0.0, "train": 0, "test": 0,
            "train_seconds": 0.0, "test_seconds": 0.0, "test_fraction": 0.0}


def _finish(classes: dict[str, dict], requested: float | None) -> tuple[dict, list[str]]:
    warnings = []
    for name, c in classes.items():
        for k in ("seconds", "train_seconds", "test_seconds"):
            c[k] = round(c[k], 6)
        done = c["train_seconds"] + c["test_seconds"]
        c["test_fraction"] = round(c["test_seconds"] / done, 4) if done else 0.0
        if requested is not None and done and requested > 0 and \
                abs(c["test_fraction"] - requested) > DEVIATION:
            warnings.append(f"class {name!r}: {c['test_fraction']:.0%} of its data is in test "
                            f"(requested {requested:.0%}); record more takes of it for a closer split")
    return classes, warnings


def apply_split(project, plan: SplitPlan) -> None:
    """Store a plan in the project (in memory; the caller saves)."""
    project.set_split(plan.config, plan.assignments)


def make_split(project, test_fraction: float = 0.2, seed: int = 0, by: str = "recording",
               holdout_subject: str | None = None, holdout_session: str | None = None) -> dict[str, str]:
    """Compute assignments (recording or segment id -> 'train'|'test') and store them."""
    plan = plan_split(project, test_fraction, seed, by, holdout_subject, holdout_session)
    apply_split(project, plan)
    return plan.assignments


@dataclass
class Summary:
    classes: dict[str, dict] = field(default_factory=dict)
    splits: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"classes": self.classes, "split": self.splits, "warnings": self.warnings,
                "notes": self.notes}


def _count_parts(project, classes: dict[str, dict], splits: dict[str, int]) -> None:
    """What :func:`segment_parts` gives, counted without building a part per segment:
    the Label page summarizes after every edit (0.25 s of objects at 10,000 recordings).
    Same order of additions as over the parts, so the same floating-point sums."""
    assign = project.split_config.get("assignments", {})
    cuts = project.split_config.get("time_cuts", {}) or {}
    for rec in project.recordings():
        rate = rec.rate_hz
        for seg in rec.segments:
            side = assign.get(seg.id, assign.get(rec.id))
            c = classes.setdefault(seg.label, _empty())
            c["segments"] += 1
            c["seconds"] += (seg.end - seg.start) / rate if rate else 0.0
            cut = cuts.get(seg.id)
            if cut is not None and seg.start < int(cut) < seg.end:
                spans = ((seg.start, int(cut), "train"), (int(cut), seg.end, "test"))
            else:
                spans = ((seg.start, seg.end, side),)
            for start, end, part_side in spans:
                key = part_side if part_side in ("train", "test") else "unassigned"
                splits[key] += 1
                if key != "unassigned":
                    c[key] += 1
                    c[f"{key}_seconds"] += (end - start) / rate if rate else 0.0


def summarize(project) -> Summary:
    """Counts and seconds per class and split, with warnings a trainer would want.

    A segment cut by time counts once on each side."""
    s = Summary()
    config = project.split_config
    splits = {"train": 0, "test": 0, "unassigned": 0}
    for name in project.classes:
        s.classes[name] = _empty()
    _count_parts(project, s.classes, splits)
    requested = None if config.get("holdout_subject") or config.get("holdout_session") \
        or is_imported(config) else config.get("test_fraction")
    s.classes, dev = _finish(s.classes, requested)
    s.splits = splits
    s.notes = list(config.get("notes", []))
    used = {k: v for k, v in s.classes.items() if v["segments"]}
    for name, c in used.items():
        if c["segments"] < MIN_EXAMPLES:
            s.warnings.append(f"class {name!r} has only {c['segments']} segments (fewer than {MIN_EXAMPLES})")
        if splits["train"] + splits["test"] and (c["train"] == 0 or c["test"] == 0):
            side = "test" if c["test"] == 0 else "train"
            s.warnings.append(f"class {name!r} has no segments in {side}")
    s.warnings.extend(dev)
    if len(used) >= 2:
        secs = [c["seconds"] for c in used.values()]
        if min(secs) > 0 and max(secs) / min(secs) > IMBALANCE_RATIO:
            big = max(used, key=lambda k: used[k]["seconds"])
            small = min(used, key=lambda k: used[k]["seconds"])
            s.warnings.append(f"unbalanced classes: {big!r} has {max(secs) / min(secs):.1f}x the seconds of {small!r}")
    if splits["unassigned"] and splits["train"] + splits["test"]:
        s.warnings.append(f"{splits['unassigned']} segments were added after the last split; run split again")
    return s
