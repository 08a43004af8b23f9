"""`tinystudio example NAME PROJECT`: a ready project from the data shipped with TinyStudio."""

from __future__ import annotations

import json

NAME = "example"
HELP = "Create a ready example project (gestures, keywords, phone-motion) to try the loop."


def add_arguments(parser) -> None:
    parser.add_argument("name", nargs="?", help="example name; omit to list them")
    parser.add_argument("project", nargs="?", help="new (or empty) folder for the project")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from tinystudio.examples import create_example, list_examples

    if not args.name or not args.project:
        if args.name and not args.project:
            print(f"tinystudio example: give a folder too: tinystudio example {args.name} FOLDER")
            return 2
        for e in list_examples():
            print(f"{e.name:<14} {e.title}\n{'':14} {e.description}")
        print("\nusage: tinystudio example NAME FOLDER, then e.g. tinystudio train FOLDER")
        return 0
    folder = create_example(args.name, args.project)
    from tinystudio.dataset import Project
    from tinystudio.dataset.splits import summarize

    project = Project.open(folder)
    classes = {k: v["segments"] for k, v in summarize(project).classes.items()}
    if args.json:
        print(json.dumps({"project": str(folder), "example": args.name,
                          "recordings": len(project.recordings()), "classes": classes}))
    else:
        print(f"created example project {args.name!r} in {folder}: {len(project.recordings())} recordings, "
              + ", ".join(f"{k} ({v})" for k, v in classes.items()))
        print(f"next: tinystudio train {folder}   or   tinystudio --project {folder}")
    return 0
