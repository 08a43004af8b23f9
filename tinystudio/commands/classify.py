"""`tinystudio classify --model M FILE...`: run any .tflite or model package on files (TFLM)."""

from __future__ import annotations

import json

NAME = "classify"
HELP = "Run a .tflite model, a model package or a project's current model on files, in TFLM."


def add_arguments(parser) -> None:
    parser.add_argument("--model", required=True,
                        help="a .tflite file, a model package folder, or a project folder")
    parser.add_argument("--labels", default=None, help="comma-separated class names (bare .tflite)")
    parser.add_argument("--frontend", choices=["raw", "micro_speech", "microfrontend", "image"], default=None,
                        help="how files become model input (default: from the package or the file type)")
    parser.add_argument("files", nargs="+", metavar="FILE", help=".wav, .csv/.txt, .png/.jpg or .npy")
    parser.add_argument("--json", action="store_true", help="print a JSON list")


def run(args) -> int:
    from tinystudio.ml.classify import classify_files

    labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
    results = classify_files(args.model, args.files, labels, args.frontend)
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            at = f" @ {r['start']}" if "start" in r else ""
            print(f"{r['file']}{at}: {r['label']}  {r['scores']}")
    return 0
