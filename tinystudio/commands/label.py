"""`tinystudio label`: label recordings from the command line.

The headless twin of the Label page's "Auto-segment" and "Label all" buttons, so scripted
dataset building needs no window: motion recordings are cut where the motion (gravity
removed, in g) crosses a threshold, as the Arduino IMU_Capture sketch triggers; audio by
energy activity. Existing labels are never removed silently: a recording where nothing is
found keeps its segments (an idle class has no motion to find), every replacement is
reported, and ``--dry-run`` shows what would change without changing anything.
"""

from __future__ import annotations

import json

from tinystudio.commands import _numbers as numbers

NAME = "label"
HELP = "Auto-segment recordings (motion or voice activity) or label them whole."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--recording", action="append", default=None, metavar="ID",
                        help="only this recording (repeatable; default all)")
    parser.add_argument("--label", default=None,
                        help="label for the segments (default: the recording's current single label)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--auto", action="store_true", help="replace segments with auto-segmentation (default)")
    mode.add_argument("--whole", action="store_true", help="one segment covering each recording")
    parser.add_argument("--threshold", type=numbers.positive, default=None,
                        help="motion: g of motion with gravity removed (default 1.5, IMU_Capture's 2.5 g "
                             "minus gravity); audio: dB above the noise floor")
    parser.add_argument("--length", type=numbers.non_negative, default=1.0,
                        help="segment length in seconds (0: variable, while active)")
    parser.add_argument("--pre", type=numbers.non_negative, default=0.0, help="pre-trigger margin in seconds")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    parser.add_argument("--json", action="store_true", help="print {recordings, segments, changes} as JSON")


def _current_label(project, rec) -> str | None:
    labels = {s.label for s in rec.segments}
    if len(labels) == 1:
        return labels.pop()
    return rec.attrs.get("pending_label") or None


def _propose(rec, args, length):
    from tinystudio.dataset.autoseg import accel_in_g, propose_motion, propose_voice
    from tinystudio.errors import DatasetError

    x = rec.read_physical()
    if rec.sensor_kind == "microphone":
        extra = {} if args.threshold is None else {"threshold_db": args.threshold}
        return propose_voice(x, rec.rate_hz, pre_s=args.pre, length_s=length, **extra), "voice activity"
    if rec.sensor_kind in ("imu", "generic", "vibration"):
        extra = {} if args.threshold is None else {"threshold": args.threshold}
        _, how = accel_in_g(x, rec.channel_names, rec.units)
        names = ", ".join(rec.channel_names[i] for i in how.channels)
        proposals = propose_motion(x, rec.rate_hz, pre_s=args.pre, length_s=length,
                                   names=rec.channel_names, units=rec.units, **extra)
        return proposals, f"motion of {names} in {how.unit} ({how.unit_from}), gravity removed"
    raise DatasetError(f"recording {rec.id} is a {rec.sensor_kind} recording: use --whole")


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.dataset.labels import SetSegments, label_whole
    from tinystudio.dataset.segments import Segment
    from tinystudio.errors import DatasetError

    if args.label is not None:
        from tinystudio.dataset.names import check_label

        check_label(args.label, "--label")
    project = Project.open(args.project)
    recs = [project.recording(r) for r in args.recording] if args.recording else project.recordings()
    length = args.length or None
    total = 0
    done = 0
    changes: list[dict] = []
    for rec in recs:
        label = args.label or _current_label(project, rec)
        if not label:
            raise DatasetError(
                f"recording {rec.id} has no single label to reuse; pass --label NAME"
            )
        before = tuple(project.segments(rec.id))
        if args.whole:
            after = (Segment.new(0, rec.n_samples, label),)
            change = {"recording": rec.id, "action": "whole", "before": len(before), "after": 1}
            op = None if args.dry_run else label_whole(project, rec.id, label)
        else:
            proposals, how = _propose(rec, args, length)
            after = tuple(Segment.new(p.start, p.end, label) for p in proposals)
            if not after and before:
                # Nothing found (an idle class): keep what is there and say so.
                after = before
                change = {"recording": rec.id, "action": "kept", "before": len(before), "after": len(before),
                          "why": f"no {how.split(' of ')[0]} found ({how}); its {len(before)} existing "
                                 f"segment(s) kept"}
            else:
                change = {"recording": rec.id, "action": "replaced", "before": len(before), "after": len(after),
                          "removed_labels": sorted({s.label for s in before}), "found_by": how}
            op = None if args.dry_run else SetSegments(rec.id, before, after, f"auto-segment {label}")
        if op is not None:
            op.apply(project)
        changes.append(change)
        total += len(after)
        done += 1
    if not args.dry_run:
        project.save()
    report_repairs(project)
    if args.json:
        print(json.dumps({"recordings": done, "segments": total, "dry_run": bool(args.dry_run), "changes": changes}))
        return 0
    verb = "would give" if args.dry_run else "gave"
    for c in changes:
        if c["action"] == "kept":
            print(f"{c['recording']}: {c['why']}")
        elif c["before"]:
            print(f"{c['recording']}: {c['before']} segment(s) {'would be ' if args.dry_run else ''}replaced "
                  f"by {c['after']}")
    print(f"{'dry run: ' if args.dry_run else ''}{verb} {total} segments in {done} recordings")
    return 0
