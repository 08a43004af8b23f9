"""`tinystudio info`: what a project holds, per class and split, with warnings."""

from __future__ import annotations

import json
import sys

NAME = "info"
HELP = "Summarize a project: classes (segments, seconds), recordings, split, warnings."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--verify", action="store_true",
                        help="read every sample: set aside damaged recordings (checksums), list NaN/Inf")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def report_repairs(project) -> None:
    for line in project.repairs:
        print(f"tinystudio: repaired: {line}", file=sys.stderr)


def run(args) -> int:
    from tinystudio.dataset import Project
    from tinystudio.dataset.splits import summarize

    project = Project.open(args.project)
    non_finite = []
    if args.verify:
        from tinystudio.dataset.integrity import verify

        non_finite = verify(project).non_finite
    report_repairs(project)
    s = summarize(project)
    out = {
        "classes": {k: {"segments": v["segments"], "seconds": round(v["seconds"], 6),
                        "train": v["train"], "test": v["test"]} for k, v in s.classes.items()},
        "recordings": len(project.recordings()),
        "split": {"train": s.splits["train"], "test": s.splits["test"]},
        "unassigned": s.splits["unassigned"],
        "warnings": s.warnings,
        "repairs": project.repairs,
        "quarantined": project.quarantined,
    }
    if args.verify:
        out["non_finite"] = non_finite
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{project.path}: {out['recordings']} recordings")
    print(f"{'class':20} {'segments':>8} {'seconds':>10} {'train':>6} {'test':>6}")
    for name, c in out["classes"].items():
        print(f"{name:20} {c['segments']:>8} {c['seconds']:>10.2f} {c['train']:>6} {c['test']:>6}")
    for w in s.warnings:
        print(f"warning: {w}")
    for rid, why in project.quarantined.items():
        print(f"set aside: {rid}: {why}")
    for line in non_finite:
        print(f"not finite: {line}")
    return 0
