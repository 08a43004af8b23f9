"""`tinystudio example NAME PROJECT`: a ready project from the data shipped with TinyStudio."""

from __future__ import annotations

import argparse
import json

NAME = "example"
HELP = "Create a ready example project (gestures, keywords, phone-motion, images, person-detection, sine, vibration)."


def add_arguments(parser) -> None:
    parser.add_argument("name", nargs="?", help="example name; omit to list them")
    parser.add_argument("project", nargs="?", help="new (or empty) folder for the project")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--port", default=None,
                        help="then flash the example's model to the board at PORT (examples with a "
                             "ready model: person-detection)")


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
    flashed = _flash(folder, args.port) if args.port else None
    if args.json:
        print(json.dumps({"project": str(folder), "example": args.name,
                          "recordings": len(project.recordings()), "classes": classes,
                          "flashed": flashed}))
    else:
        print(f"created example project {args.name!r} in {folder}: {len(project.recordings())} recordings, "
              + ", ".join(f"{k} ({v})" for k, v in classes.items()))
        if flashed:
            print(f"flashed {flashed['bytes']:,} bytes to {args.port}; the board runs the model: "
                  f"tinystudio infer --port {args.port}")
        print(f"next: tinystudio train {folder}   or   tinystudio --project {folder}")
    return 0


def _flash(folder, port: str) -> dict:
    """Send the example's current model to the board, as `tinystudio flash` does."""
    from tinystudio.deploy.board_package import load_model_package, to_board_package
    from tinystudio.deploy.cli_util import open_board
    from tinystudio.deploy.upload import check_fits, upload_model
    from tinystudio.errors import TrainingError
    from tinystudio.ml.store import current_package_dir

    try:
        package = load_model_package(str(current_package_dir(folder)))
    except TrainingError as exc:
        raise TrainingError(f"this example has no ready model to flash ({exc}); train it first") from exc
    session = open_board(argparse.Namespace(port=port, baud=None))
    try:
        board_pkg = to_board_package(package, session.info)
        check_fits(board_pkg, session.info.model_slot_bytes, f"{session.info.board_name} on {port}")
        return upload_model(session, board_pkg).to_json()
    finally:
        session.close()
