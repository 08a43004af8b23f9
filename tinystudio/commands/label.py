"""`tinystudio label`: label recordings from the command line.

The headless twin of the Label page's "Auto-segment" and "Label all" buttons, so scripted
dataset building needs no window: motion recordings are cut where |aX|+|aY|+|aZ| crosses a
threshold (as the Arduino IMU_Capture sketch triggers), audio by energy activity.
"""

from __future__ import annotations

import json

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
    parser.add_argument("--threshold", type=float, default=None,
                        help="motion: g (default 2.5, as IMU_Capture); audio: dB above the noise floor")
    parser.add_argument("--length", type=float, default=1.0,
                        help="segment length in seconds (0: variable, while active)")
    parser.add_argument("--pre", type=float, default=0.0, help="pre-trigger margin in seconds")
    parser.add_argument("--json", action="store_true", help="print {recordings, segments} as JSON")


def _current_label(project, rec) -> str | None:
    labels = {s.label for s in rec.segments}
    if len(labels) == 1:
        return labels.pop()
    return rec.attrs.get("pending_label") or None


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.dataset.autoseg import propose_motion, propose_voice
    from tinystudio.dataset.labels import SetSegments, label_whole
    from tinystudio.dataset.segments import Segment
    from tinystudio.errors import DatasetError

    project = Project.open(args.project)
    recs = [project.recording(r) for r in args.recording] if args.recording else project.recordings()
    length = args.length or None
    total = 0
    done = 0
    for rec in recs:
        label = args.label or _current_label(project, rec)
        if not label:
            raise DatasetError(
                f"recording {rec.id} has no single label to reuse; pass --label NAME"
            )
        if args.whole:
            op = label_whole(project, rec.id, label)
        else:
            x = rec.read_physical()
            if rec.sensor_kind == "microphone":
                extra = {} if args.threshold is None else {"threshold_db": args.threshold}
                proposals = propose_voice(x, rec.rate_hz, pre_s=args.pre, length_s=length, **extra)
            elif rec.sensor_kind in ("imu", "generic"):
                extra = {} if args.threshold is None else {"threshold": args.threshold}
                proposals = propose_motion(x, rec.rate_hz, pre_s=args.pre, length_s=length, **extra)
            else:
                raise DatasetError(f"recording {rec.id} is a {rec.sensor_kind} recording: use --whole")
            before = tuple(project.segments(rec.id))
            after = tuple(Segment.new(p.start, p.end, label) for p in proposals)
            op = SetSegments(rec.id, before, after, f"auto-segment {label}")
        op.apply(project)
        total += len(op.after)
        done += 1
    project.save()
    report_repairs(project)
    if args.json:
        print(json.dumps({"recordings": done, "segments": total}))
    else:
        print(f"{total} segments in {done} recordings")
    return 0
