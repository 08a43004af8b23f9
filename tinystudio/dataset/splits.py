"""Train/test splits: stratified per class, reproducible from a seed, leak-aware.

Splitting by recording keeps all segments of a take together (neighbouring windows of
one take are nearly identical, so splitting them across train and test flatters the
score). A recording's class for stratification is its most frequent label. Holding out
a subject or session puts all of its recordings in test, the honest way to ask "does it
work for someone new".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from tinystudio.errors import DatasetError

MIN_EXAMPLES = 5
IMBALANCE_RATIO = 3.0


def _stratified(items_by_class: dict[str, list[str]], fraction: float, rng, order=None) -> set[str]:
    """``order`` maps an id to a key that does not depend on random ids (segment ids are
    random per import), so the same data and seed give the same split in a fresh project."""
    test: set[str] = set()
    for label in sorted(items_by_class):
        items = sorted(items_by_class[label], key=order.__getitem__ if order else None)
        rng.shuffle(items)
        n = len(items)
        k = int(round(n * fraction))
        if n >= 2 and fraction > 0:
            k = min(max(k, 1), n - 1)  # every class on both sides when it can be
        test.update(items[:k])
    return test


def make_split(project, test_fraction: float = 0.2, seed: int = 0, by: str = "recording",
               holdout_subject: str | None = None, holdout_session: str | None = None) -> dict[str, str]:
    """Compute assignments (recording or segment id -> 'train'|'test') and store them."""
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test fraction {test_fraction} must be in [0, 1)")
    if by not in ("recording", "segment"):
        raise DatasetError(f"split by {by!r}: use 'recording' or 'segment'")
    rng = np.random.default_rng(seed)
    recs = [r for r in project.recordings() if r.segments]
    held = set()
    if holdout_subject or holdout_session:
        for r in recs:
            if (holdout_subject and r.attrs.get("subject") == holdout_subject) or (
                    holdout_session and r.attrs.get("session") == holdout_session):
                held.add(r.id)
        if not held:
            raise DatasetError(f"no recording has subject {holdout_subject!r} / session {holdout_session!r}")
    assignments: dict[str, str] = {}
    if by == "recording":
        groups: dict[str, list[str]] = defaultdict(list)
        for r in recs:
            if r.id in held:
                assignments[r.id] = "test"
                continue
            main = Counter(s.label for s in r.segments).most_common(1)[0][0]
            groups[main].append(r.id)
        frac = 0.0 if held else test_fraction
        test = _stratified(groups, frac, rng)
        for ids in groups.values():
            for rid in ids:
                assignments[rid] = "test" if rid in test else "train"
    else:
        groups = defaultdict(list)
        order = {}
        for r in recs:
            for s in r.segments:
                order[s.id] = (r.id, s.start, s.end, s.label)
                if r.id in held:
                    assignments[s.id] = "test"
                else:
                    groups[s.label].append(s.id)
        frac = 0.0 if held else test_fraction
        test = _stratified(groups, frac, rng, order)
        for ids in groups.values():
            for sid in ids:
                assignments[sid] = "test" if sid in test else "train"
    config = {"by": by, "seed": int(seed), "test_fraction": float(test_fraction),
              "holdout_subject": holdout_subject, "holdout_session": holdout_session}
    project.set_split(config, assignments)
    return assignments


@dataclass
class Summary:
    classes: dict[str, dict] = field(default_factory=dict)
    splits: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"classes": self.classes, "split": self.splits, "warnings": self.warnings}


def summarize(project) -> Summary:
    """Counts and seconds per class and split, with warnings a trainer would want."""
    s = Summary()
    splits = {"train": 0, "test": 0, "unassigned": 0}
    for name in project.classes:
        s.classes[name] = {"segments": 0, "seconds": 0.0, "train": 0, "test": 0,
                           "train_seconds": 0.0, "test_seconds": 0.0}
    for ls in project.labeled_segments():
        c = s.classes.setdefault(ls.label, {"segments": 0, "seconds": 0.0, "train": 0, "test": 0,
                                            "train_seconds": 0.0, "test_seconds": 0.0})
        c["segments"] += 1
        c["seconds"] += ls.seconds
        key = ls.split or "unassigned"
        splits[key] += 1
        if ls.split in ("train", "test"):
            c[ls.split] += 1
            c[f"{ls.split}_seconds"] += ls.seconds
    for c in s.classes.values():
        for k in ("seconds", "train_seconds", "test_seconds"):
            c[k] = round(c[k], 6)
    s.splits = splits
    used = {k: v for k, v in s.classes.items() if v["segments"]}
    for name, c in used.items():
        if c["segments"] < MIN_EXAMPLES:
            s.warnings.append(f"class {name!r} has only {c['segments']} segments (fewer than {MIN_EXAMPLES})")
        if splits["train"] + splits["test"] and (c["train"] == 0 or c["test"] == 0):
            side = "test" if c["test"] == 0 else "train"
            s.warnings.append(f"class {name!r} has no segments in {side}")
    if len(used) >= 2:
        secs = [c["seconds"] for c in used.values()]
        if min(secs) > 0 and max(secs) / min(secs) > IMBALANCE_RATIO:
            big = max(used, key=lambda k: used[k]["seconds"])
            small = min(used, key=lambda k: used[k]["seconds"])
            s.warnings.append(f"unbalanced classes: {big!r} has {max(secs) / min(secs):.1f}x the seconds of {small!r}")
    if splits["unassigned"] and splits["train"] + splits["test"]:
        s.warnings.append(f"{splits['unassigned']} segments were added after the last split; run split again")
    return s
