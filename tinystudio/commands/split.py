"""`tinystudio split`: assign segments to train/test (stratified, seeded)."""

from __future__ import annotations

import json

NAME = "split"
HELP = "Split a project into train/test by recording or segment, stratified per class."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share of each class in test (0.2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same split)")
    parser.add_argument("--by", choices=["recording", "segment"], default="recording",
                        help="keep whole recordings together (default) or split segments")
    parser.add_argument("--holdout-subject", default=None, help="put this subject's recordings in test")
    parser.add_argument("--holdout-session", default=None, help="put this session's recordings in test")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.dataset.splits import make_split, summarize

    project = Project.open(args.project)
    report_repairs(project)
    make_split(project, args.test_fraction, args.seed, args.by, args.holdout_subject, args.holdout_session)
    project.save()
    s = summarize(project)
    if args.json:
        print(json.dumps(s.to_json()))
        return 0
    print(f"train {s.splits['train']} segments, test {s.splits['test']} segments")
    for name, c in s.classes.items():
        print(f"  {name:20} train {c['train']:>5} ({c['train_seconds']:.1f} s)  test {c['test']:>5} ({c['test_seconds']:.1f} s)")
    for w in s.warnings:
        print(f"warning: {w}")
    return 0
