"""`tinystudio record`: record a board's sensors into a project for a fixed time.

One HDF5 recording per sensor. The recorders subscribe to the board session's reader
thread, so no sample passes through this thread; the counts printed are checked against
the session's own sample and lost-frame counters.
"""

from __future__ import annotations

import contextlib
import json
import time

from tinystudio.commands import _numbers as numbers
from tinystudio.errors import TinyStudioError

NAME = "record"
HELP = "Record from a board (or `tinystudio sim`) into a project for --seconds."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder (made by `tinystudio new`, or pass --new)")
    parser.add_argument("--new", action="store_true",
                        help="create the project folder if it is not a project yet")
    parser.add_argument("--port", required=True, help="serial port, or the PORT printed by `tinystudio sim`")
    parser.add_argument("--seconds", type=numbers.positive, required=True, help="how long to record")
    parser.add_argument("--label", default=None, help="label the whole recording (text boards: each block)")
    parser.add_argument("--sensor", default=None, help="sensor name or kind (default: all sensors)")
    parser.add_argument("--subject", default=None, help="who performed it (for held-out-subject splits)")
    parser.add_argument("--session", default=None, help="session name")
    parser.add_argument("--baud", type=numbers.positive_int, default=None, help="baud rate")
    parser.add_argument("--rate", type=numbers.positive, default=None, help="text boards: override the detected rate")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def check_project_exists(path, *, create: bool) -> None:
    """A mistyped or relative project name once made a new project silently, in whatever
    folder the shell was in (the window keeps its projects in ~/TinyStudio): refuse unless
    the user asked for a new one."""
    from pathlib import Path

    from tinystudio.dataset import schema
    from tinystudio.errors import DatasetError

    path = Path(path)
    if create or (path / schema.PROJECT_FILE).exists():
        return
    raise DatasetError(f"{path}: no project there ({path.resolve()} has no {schema.PROJECT_FILE}); "
                       f"create it with `tinystudio new {path}` or add --new, or name an existing "
                       f"project folder (the window's are in ~/TinyStudio)")


def record(project, session, seconds: float, sensors, label=None, subject=None, session_name=None,
           stop=None, progress=None) -> list[dict]:
    """Record ``sensors`` (SensorInfo list) of an open BoardSession. Backs CLI and GUI."""
    from tinystudio.dataset.diskspace import ensure_free
    from tinystudio.dataset.recorder import Recorder, expected_bytes
    from tinystudio.devices.session import ConnectionState
    from tinystudio.errors import DeviceError

    if label is not None:
        from tinystudio.dataset.names import check_label

        check_label(label, "--label")
    if seconds and seconds != float("inf"):
        need = sum(expected_bytes(s, seconds) for s in sensors)
        ensure_free(project.recordings_dir, need, f"recording {seconds:g} s from {len(sensors)} sensor(s)")
    recorders = {}
    try:
        for s in sensors:
            recorders[s.sensor_id] = Recorder(project, s, session.info, label, subject, session_name)
    except BaseException:
        for r in recorders.values():
            with contextlib.suppress(Exception):
                r.close()
        raise

    def on_block(block) -> None:
        rec = recorders.get(block.sensor_id)
        if rec is not None:
            if block.boundary:
                rec.mark_boundary()
            rec.append(block.samples)

    unsubscribe = session.subscribe(on_block)
    error = None
    started = False
    try:
        for s in sensors:
            session.start(s.sensor_id)
        started = True
        t0 = time.monotonic()
        changes0 = session.layout_changes
        while (elapsed := time.monotonic() - t0) < seconds:
            if stop is not None and stop.is_set():
                break
            if session.layout_changes != changes0:
                error = DeviceError(f"{session.layout_change_message}; the recording so far is kept "
                                    "(its samples are all from the old layout); record again for the new one")
                break
            if session.state != ConnectionState.CONNECTED:
                error = DeviceError(f"{session.state_message}; the recording so far is kept")
                break
            failed = [r.error for r in recorders.values() if r.error is not None]
            if failed:  # disk full or an I/O error: stop now, keep what was written
                error = failed[0]
                break
            if progress:
                progress(elapsed, seconds)
            time.sleep(0.02)
        if error is None:
            for s in sensors:
                session.stop(s.sensor_id)
            time.sleep(0.2)  # let frames already on the wire arrive
    finally:
        unsubscribe()
        stats = {s.sensor_id: session.stats(s.sensor_id) for s in sensors}
        parser = session.text_parser
        results = []
        for s in sensors:
            st = stats[s.sensor_id]
            rate = None
            if parser is not None:  # text boards: the rate is measured, not declared
                from tinystudio.dataset.importers.common import nice_rate

                measured = parser.rate_hz or st.rate_hz
                rate = nice_rate(measured) if measured else None
            if (error is not None or not started) and recorders[s.sensor_id].discard():
                continue  # nothing was recorded: no empty take in the project
            try:
                rec = recorders[s.sensor_id].close(rate)
            except TinyStudioError as exc:  # the others are still closed and kept
                error = error or exc
                continue
            results.append({"recording": rec.id, "sensor": s.name, "samples": rec.n_samples,
                            "seconds": round(rec.seconds, 6), "lost_frames": st.lost_frames,
                            "board_samples": st.samples})
    if error is not None:
        raise error
    return results


def run(args) -> int:
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.devices.session import BoardSession
    from tinystudio.errors import DeviceError

    if not args.seconds > 0:
        raise DeviceError(f"--seconds {args.seconds}: record for a positive number of seconds")
    if args.label is not None:  # before the board is opened, so nothing is recorded for nothing
        from tinystudio.dataset.names import check_label

        check_label(args.label, "--label")
    check_project_exists(args.project, create=args.new)  # before the board: a typo records nothing
    session = BoardSession.open(args.port, args.baud, reconnect=False)  # before touching the project
    try:
        project = Project.open_or_create(args.project)
        report_repairs(project)
        if args.rate and session.text_parser is not None:
            session.text_parser.rate_override = args.rate
        if args.sensor:
            try:
                sensors = [session.info.sensor(args.sensor)]
            except KeyError as exc:
                raise DeviceError(str(exc.args[0])) from None
        else:
            sensors = list(session.info.sensors)
        results = record(project, session, args.seconds, sensors, args.label, args.subject, args.session)
    finally:
        session.close()
    first = results[0]
    out = {"recording": first["recording"], "samples": first["samples"], "seconds": first["seconds"],
           "lost_frames": first["lost_frames"], "recordings": results}
    if args.json:
        print(json.dumps(out))
    else:
        for r in results:
            print(f"{r['recording']}: {r['sensor']} {r['samples']} samples ({r['seconds']:.2f} s), "
                  f"{r['lost_frames']} lost frames")
    return 0
