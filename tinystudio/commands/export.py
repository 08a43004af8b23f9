"""`tinystudio export`: labeled data (csv, wav, npz, ei-json) or a trained model
(tflite, c, arduino; written by the ML layer).

Exports write only inside ``--out`` and never replace an existing file unless ``--force``
is given; the GUI asks first, using :func:`tinystudio.ml.export.export_overwrites`."""

from __future__ import annotations

import json

from tinystudio.commands import _numbers as numbers

NAME = "export"
HELP = "Export labeled data (csv, wav, npz, ei-json) or the trained model (tflite, c, arduino)."
DATA_FORMATS = ("csv", "wav", "npz", "ei-json")
MODEL_FORMATS = ("tflite", "c", "arduino")


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--format", required=True, choices=DATA_FORMATS + MODEL_FORMATS)
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--window", type=numbers.positive_int, default=None, help="npz: window length in samples "
                        "(default: exactly the windows training uses, with their train/test split)")
    parser.add_argument("--stride", type=numbers.positive_int, default=None, help="npz: window stride (default: window)")
    parser.add_argument("--force", action="store_true",
                        help="replace files that already exist in --out (without it the export refuses "
                             "and lists them; nothing is ever deleted)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project

    project = Project.open(args.project)
    report_repairs(project)
    if args.format in MODEL_FORMATS:
        from tinystudio.ml.export import export_model

        result = export_model(project, args.format, args.out, force=args.force)
        if args.json:
            print(json.dumps(result if isinstance(result, dict) else {"out": str(result or args.out)}, default=str))
        else:
            print(f"wrote {result or args.out}")
        return 0
    if args.format == "npz" and args.window is None and args.stride is None:
        from tinystudio.ml.windows_export import export_training_windows

        done = export_training_windows(project, args.out, force=args.force)
        if args.json:
            print(json.dumps(done))
        else:
            print(f"wrote {done['windows']} training windows (train {done['train']}, test {done['test']}; "
                  f"{done['window']} samples every {done['stride']} at {done['rate_hz']:g} Hz) to "
                  f"{args.out}/training_windows.npz")
        return 0
    from tinystudio.dataset.exporters import export_data

    kw = {"window": args.window, "stride": args.stride} if args.format == "npz" else {}
    result = export_data(project, args.format, args.out, force=args.force, **kw)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(f"wrote {result.files} files ({result.segments} segments) to {args.out}")
        for s in result.skipped:
            print(f"skipped: {s}")
    return 0
