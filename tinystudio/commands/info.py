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


def durations(project) -> dict:
    """Seconds of samples (n / rate) and real seconds: a file whose timestamps have gaps
    (a logger that stalled) covers more time than its samples; import measured it."""
    samples_s = real_s = gap_s = 0.0
    gaps = 0
    with_gaps = []
    for rec in project.recordings():
        nominal = rec.seconds
        real = float(rec.attrs.get("duration_s", nominal) or nominal)
        samples_s += nominal
        real_s += real
        g = int(rec.attrs.get("timing_gaps", 0) or 0)
        if g:
            gs = float(rec.attrs.get("timing_gap_seconds", 0.0))
            gaps += g
            gap_s += gs
            with_gaps.append({"recording": rec.id, "gaps": g, "gap_seconds": round(gs, 6),
                              "seconds": round(nominal, 6), "real_seconds": round(real, 6)})
    return {"samples_seconds": round(samples_s, 6), "real_seconds": round(real_s, 6), "gaps": gaps,
            "gap_seconds": round(gap_s, 6), "recordings_with_gaps": with_gaps}


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
        "duration": durations(project),
        "quarantined": project.quarantined,
    }
    if args.verify:
        out["non_finite"] = non_finite
    if args.json:
        print(json.dumps(out))
        return 0
    d = out["duration"]
    real = (f" (real duration {d['real_seconds']:.2f} s: {d['gaps']} gap(s) of {d['gap_seconds']:.2f} s "
            f"in {len(d['recordings_with_gaps'])} recording(s))") if d["gaps"] else ""
    print(f"{project.path}: {out['recordings']} recordings, {d['samples_seconds']:.2f} s of samples{real}")
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
