"""`tinystudio new`: create an empty project folder for one task."""

from __future__ import annotations

import json

from tinystudio.dataset.schema import DEFAULT_TASK, TASKS

NAME = "new"
HELP = "Create an empty project (classification, anomaly detection or regression)."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder to create")
    parser.add_argument("--task", choices=list(TASKS), default=DEFAULT_TASK,
                        help="classification (labels are classes; default), anomaly (label normal "
                             "data 'normal', faults anything else: trained on normal data only) "
                             "or regression (a number per window/segment is the target)")
    parser.add_argument("--name", default=None, help="project name (default: the folder's name)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args) -> int:
    from tinystudio.dataset import Project

    project = Project.create(args.project, name=args.name, task=args.task)
    if args.json:
        print(json.dumps({"project": str(project.path), "task": project.task}))
    else:
        print(f"created {project.path} ({project.task} project)")
    return 0
