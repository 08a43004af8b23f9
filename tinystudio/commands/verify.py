"""`tinystudio verify`: prove the board computes what the host computes, bit for bit."""

from __future__ import annotations

import json
import sys

NAME = "verify"
HELP = "Run the project's test windows on the board and compare its outputs with the host's TFLM."


def add_arguments(parser) -> None:
    from tinystudio.deploy.cli_util import add_port_arguments

    parser.add_argument("project", help="project folder whose current model the board runs")
    add_port_arguments(parser)


def run(args) -> int:
    from tinystudio.deploy.cli_util import ProgressBar, open_board
    from tinystudio.deploy.parity import project_test_inputs, verify_parity

    package, inputs = project_test_inputs(args.project)
    session = open_board(args)
    try:
        bar = ProgressBar("verify", unit="windows", scale=1.0, enabled=not args.json or sys.stderr.isatty())
        result = verify_parity(session, package, progress=bar, inputs=inputs)
    finally:
        session.close()
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        verdict = "identical" if result.mismatches == 0 else "DIFFERENT"
        print(f"{result.windows} windows: board and host outputs {verdict} "
              f"({result.mismatches} mismatches, largest difference {result.max_abs_diff} int8 steps; "
              f"board invoke {result.mean_latency_us:.0f} us)")
    return 0 if result.mismatches == 0 else 7
