"""`tinystudio import`: files into a project (created if missing)."""

from __future__ import annotations

import json
import sys

from tinystudio.commands import _numbers as numbers

NAME = "import"
HELP = "Import CSV, WAV, image folders, Edge Impulse exports/JSON or .h5 recordings into a project."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder (created if it does not exist)")
    parser.add_argument("paths", nargs="+",
                        help="files or folders (an Edge Impulse export root; train/ and test/ roots; "
                             "a sub-folder per class labels its files)")
    parser.add_argument("--label", default=None, help="label for the imported segments (default: from the source)")
    parser.add_argument("--rate", type=numbers.positive, default=None, help="sample rate in Hz (default: from timestamps/file)")
    parser.add_argument("--gaps", choices=("keep", "split", "resample"), default="keep",
                        help="timestamp gaps in text files: keep the samples as they are (default), "
                             "split into one recording per gap-free run, or resample to a uniform rate")
    parser.add_argument("--nonfinite", choices=("error", "drop", "interpolate"), default="error",
                        help="missing/NaN/Inf cells in text files: refuse (default), drop their rows, "
                             "or interpolate from neighbours (reported either way)")
    parser.add_argument("--sensor", default=None,
                        help="what the sensor is: motion, vibration, audio or generic "
                             "(default: from the file; headerless columns are generic)")
    parser.add_argument("--units", default=None,
                        help="channel units, one for all or comma-separated per channel (e.g. g or m/s2)")
    parser.add_argument("--keep-columns", default=None,
                        help="comma-separated columns to keep even though they look like row counters")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from tinystudio.dataset.importers import import_paths
    from tinystudio.dataset.importers.sensor import SensorDeclaration

    result = import_paths(args.project, args.paths, label=args.label, rate=args.rate, gaps=args.gaps,
                          nonfinite=args.nonfinite,
                          sensor=SensorDeclaration.from_args(args.sensor, args.units, args.keep_columns))
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    split = result.split
    tail = f" (train {split['train']}, test {split['test']})" if split.get("train") or split.get("test") else ""
    print(f"imported {result.recordings} recordings{tail}, {result.segments} segments, "
          f"{result.samples} samples into {args.project}", file=sys.stdout)
    if result.classes:
        print("classes: " + ", ".join(sorted(result.classes)))
    for s in result.skipped:
        print(f"skipped {s['path']}: {s['reason']}")
    print_notes(result.imported)
    for w in result.warnings:
        print(f"warning: {w}")
    return 0


#: A note said of more files than this is printed once, with the count (`--json` keeps all).
NOTES_EACH = 3


def print_notes(imported: list[dict]) -> None:
    """Each file's import notes; one that only differs by the file's own name ("sample rate
    26 Hz from the file name 'running_01_26Hz_4g_mg.csv'", 92 times) is said once."""
    from pathlib import Path

    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in imported:
        name = Path(entry["file"]).name
        for note in dict.fromkeys(entry.get("notes", [])):
            groups.setdefault(note.replace(name, "…"), []).append((entry["file"], note))
    for shape, items in groups.items():
        if len(items) <= NOTES_EACH:
            for file, note in items:
                print(f"{file}: {note}")
        else:
            print(f"{len(items)} files (the first {items[0][0]}): {shape}")
