"""`tinystudio infer`: watch the board's own predictions on its live sensor stream."""

from __future__ import annotations

import json
import sys
import time

from tinystudio.commands import _numbers as numbers

NAME = "infer"
HELP = "Show the board's live inference results (labels, scores, invoke latency) for a while."


def add_arguments(parser) -> None:
    from tinystudio.deploy.cli_util import add_port_arguments

    add_port_arguments(parser)
    parser.add_argument("--seconds", type=numbers.positive, default=10.0, help="how long to listen")


def run(args) -> int:
    from tinystudio.deploy.cli_util import open_board
    from tinystudio.deploy.inference import InferenceListener
    from tinystudio.deploy.upload import model_status
    from tinystudio.devices.protocol import Status
    from tinystudio.errors import DeployError

    session = open_board(args)
    try:
        status = model_status(session)
        if status.status != Status.OK or status.descriptor is None:
            raise DeployError(f"{session.info.board_name} on {args.port} has no model; run `tinystudio flash` first")
        desc = status.descriptor

        def show(r) -> None:
            if not args.json:
                scores = " ".join(f"{lab}={s:.2f}" for lab, s in zip(desc.labels, r.scores, strict=False))
                print(f"#{r.window_index:<6} {r.label:<12} {scores}  {r.latency_us} us", flush=True)

        with InferenceListener(session, desc.labels, on_result=show) as listener:
            session.start(desc.sensor_id)
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                time.sleep(0.05)
                if session.state.value != "connected":
                    raise DeployError(f"board on {args.port} disconnected: {session.state_message}")
            session.stop(desc.sensor_id)
            summary = listener.summary()
    finally:
        session.close()
    if args.json:
        print(json.dumps(summary))
    else:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary["counts"].items())) or "none"
        print(f"{summary['results']} results ({counts}); mean invoke latency "
              f"{summary['mean_latency_us']:.0f} us", file=sys.stdout)
    return 0
