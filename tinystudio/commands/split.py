"""`tinystudio split`: assign segments to train/test (stratified, seeded, with fallbacks)."""

from __future__ import annotations

import json

from tinystudio.commands import _numbers as numbers
from tinystudio.dataset.splits import STRATEGIES

NAME = "split"
HELP = "Split a project into train/test by recording, segment, subject or time, stratified per class."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--test-fraction", type=numbers.fraction, default=0.2, help="share of each class in test (0.2)")
    parser.add_argument("--seed", type=numbers.non_negative_int, default=0, help="random seed (same seed, same split)")
    parser.add_argument("--by", choices=list(STRATEGIES), default="recording",
                        help="keep whole recordings together (default; classes with one recording "
                             "fall back to segments or time), split segments, whole subjects, "
                             "or the end of every segment (time)")
    parser.add_argument("--holdout-subject", default=None, help="put this subject's recordings in test")
    parser.add_argument("--holdout-session", default=None, help="put this session's recordings in test")
    parser.add_argument("--preview", action="store_true", help="print the counts; change nothing")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.dataset.splits import apply_split, is_imported, plan_split, summarize

    project = Project.open(args.project)
    report_repairs(project)
    replaced = is_imported(project.split_config)
    plan = plan_split(project, args.test_fraction, args.seed, args.by, args.holdout_subject,
                      args.holdout_session)
    if args.preview:
        if args.json:
            print(json.dumps(plan.to_json() | {"replaces_imported": replaced}))
            return 0
        _print(plan.classes, plan.notes, plan.warnings)
        if replaced:
            print("note: applying this replaces the split imported with the data")
        return 0
    apply_split(project, plan)
    project.save()
    s = summarize(project)
    if args.json:
        print(json.dumps(s.to_json()))
        return 0
    if replaced:
        print("note: replaced the split imported with the data")
    print(f"train {s.splits['train']} segments, test {s.splits['test']} segments")
    _print(s.classes, s.notes, s.warnings)
    return 0


def _print(classes: dict, notes: list[str], warnings: list[str]) -> None:
    for name, c in classes.items():
        print(f"  {name:20} train {c['train']:>5} ({c['train_seconds']:.1f} s)  test {c['test']:>5} "
              f"({c['test_seconds']:.1f} s)  test share {c['test_fraction']:.0%}")
    for n in notes:
        print(f"note: {n}")
    for w in warnings:
        print(f"warning: {w}")
