"""`tinystudio doctor`: check what makes a first run fail, one line per check with its fix."""

from __future__ import annotations

import json
from pathlib import Path

NAME = "doctor"
HELP = "Check this machine for TinyStudio: display, Qt libraries, serial access, packages, disk."


def add_arguments(parser) -> None:
    parser.add_argument("--project", default=str(Path.home() / "TinyStudio"),
                        help="folder where projects are kept (for the free-space check)")
    parser.add_argument("--quick", action="store_true",
                        help="skip the slow package imports (TensorFlow takes a few seconds)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from tinystudio.doctor import run_checks

    checks = run_checks(Path(args.project), with_imports=not args.quick)
    failed = [c for c in checks if not c.ok]
    if args.json:
        print(json.dumps({"ok": not failed, "checks": [c.to_json() for c in checks]}, indent=2))
    else:
        for c in checks:
            print(c.line())
        print(f"{len(checks) - len(failed)} of {len(checks)} checks passed"
              + ("" if not failed else "; fix the FAIL lines above, then run tinystudio doctor again"))
    return 1 if failed else 0
