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
    parser.add_argument("--project", default=None,
                        help="project (or model package) whose model the board runs: gives the task, "
                             "so anomaly models print NORMAL/ANOMALY against the threshold and "
                             "regression models the value (the board does not hold the task)")


def run(args) -> int:
    from tinystudio.deploy.cli_util import open_board
    from tinystudio.deploy.inference import InferenceListener
    from tinystudio.deploy.upload import model_status
    from tinystudio.devices.protocol import Status
    from tinystudio.errors import DeployError

    kind = _output_kind(args.project)
    readings: list = []
    session = open_board(args)
    try:
        status = model_status(session)
        if status.status != Status.OK or status.descriptor is None:
            raise DeployError(f"{session.info.board_name} on {args.port} has no model; run `tinystudio flash` first")
        desc = status.descriptor

        if kind is None and len(desc.labels) == 1:
            print(f"the board's model has one output ({desc.labels[0]!r}): pass --project to read it "
                  "as an anomaly score or a value", file=sys.stderr)

        def show(r) -> None:
            if kind is not None:
                reading = kind.read(r)
                readings.append(r)
                if not args.json:
                    print(f"#{r.window_index:<6} {reading.text()}  {r.latency_us} us", flush=True)
            elif not args.json:
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
    if kind is not None:
        from tinystudio.deploy.task_output import summarize

        summary.update(summarize(kind, readings))
    if args.json:
        print(json.dumps(summary))
    else:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary["counts"].items())) or "none"
        print(f"{summary['results']} results ({counts}); mean invoke latency "
              f"{summary['mean_latency_us']:.0f} us", file=sys.stdout)
        if summary.get("task") == "anomaly":
            print(f"{summary['anomalies']} ANOMALY, {summary['normal']} NORMAL at threshold "
                  f"{summary['threshold']:.2f}")
    return 0


def _output_kind(project):
    """How to read the outputs, from the project's model package (None without --project)."""
    if not project:
        return None
    from tinystudio.deploy.board_package import load_model_package
    from tinystudio.deploy.task_output import output_kind

    return output_kind(load_model_package(project).descriptor)
