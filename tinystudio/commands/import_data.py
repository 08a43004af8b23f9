"""`tinystudio import`: files into a project (created if missing)."""

from __future__ import annotations

import json
import sys

NAME = "import"
HELP = "Import CSV, WAV, image folders, Edge Impulse JSON or .h5 recordings into a project."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder (created if it does not exist)")
    parser.add_argument("paths", nargs="+", help="files or folders (a sub-folder per class labels its files)")
    parser.add_argument("--label", default=None, help="label for the imported segments (default: class folder)")
    parser.add_argument("--rate", type=float, default=None, help="sample rate in Hz (default: from timestamps/file)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from tinystudio.dataset.importers import import_paths

    if args.rate is not None and not args.rate > 0:
        from tinystudio.errors import DatasetError

        raise DatasetError(f"--rate {args.rate}: the sample rate must be positive")
    result = import_paths(args.project, args.paths, label=args.label, rate=args.rate)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(f"imported {result.recordings} recordings, {result.segments} segments, "
              f"{result.samples} samples into {args.project}", file=sys.stdout)
    return 0
