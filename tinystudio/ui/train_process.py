"""Train in a child process (`tinystudio train --json`), not in a thread of the window.

Measured with ``benchmarks/bench_plot.py``: training in a worker *thread* stalls the
event loop for about half a second (the first ``import tensorflow`` holds the GIL while
it loads its libraries) and roughly halves the redraw rate while Keras runs Python code.
The same ``train_project`` behind the same command in a child process shares no GIL with
the window. Epoch lines on the child's stderr become the same ``EpochProgress`` messages
the in-process trainer emits; the full report is read from the ``report.json`` the
pipeline writes beside the model; stop is Ctrl-C (SIGINT), which the command handles by
stopping within one batch and leaving the project unchanged. The child runs at a lower
CPU priority (nice 10) so the window keeps its frame rate on a 2-core machine. Qt-free.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tinystudio.errors import TrainingError

_EPOCH = re.compile(
    r"epoch (\d+)/(\d+) loss (\S+) acc (\S+)(?: val_loss (\S+) val_acc (\S+))? eta (\d+)s"
)


def parse_epoch(line: str, t0: float):
    """An ``EpochProgress`` from one ``tinystudio train`` progress line, else None."""
    from tinystudio.ml.trainer import EpochProgress

    m = _EPOCH.search(line)
    if m is None:
        return None
    e, n, loss, acc, vl, va, eta = m.groups()
    return EpochProgress(int(e), int(n), float(loss), float(acc),
                         float(vl) if vl is not None else None,
                         float(va) if va is not None else None,
                         time.monotonic() - t0, float(eta))


def _background() -> None:
    """Training is background work: on a 2-core laptop the window must win the CPU.

    SIGINT is how Stop reaches the trainer. A window started in the background of a
    shell script, under nohup or by some launchers inherits SIGINT *ignored*, and Python
    then installs no KeyboardInterrupt handler, so Stop would do nothing: restore the
    default before the trainer starts."""
    os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def train_in_process(project_path, options, *, progress, stop, event):
    """Worker body: run the command, forward its progress, return its ``TrainReport``."""
    from tinystudio.ml.trainer import TrainingStopped

    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    from tinystudio.dataset import own_writes

    env = own_writes.child_env(env)  # its saves of the project are the studio's own
    cmd = [sys.executable, "-m", "tinystudio", "train", str(project_path), "--json",
           "--seed", str(options.seed)]
    for flag, value in (("--epochs", options.epochs), ("--board", options.board),
                        ("--model", options.model), ("--window-ms", options.window_ms),
                        ("--stride-ms", options.stride_ms)):
        if value is not None:
            cmd += [flag, str(value)]
    if options.candidates:
        cmd += ["--candidates", ",".join(options.candidates)]
    if options.grayscale is not None:
        cmd.append("--grayscale" if options.grayscale else "--color")
    event("starting the trainer (loading TensorFlow) …")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, text=True,
                            preexec_fn=_background if os.name == "posix" else None)
    t0 = time.monotonic()
    errors: list[str] = []

    def watch_stop() -> None:
        while proc.poll() is None:
            if stop.wait(0.1):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                return

    threading.Thread(target=watch_stop, daemon=True).start()
    with proc:  # closes the pipes and waits, whatever happens
        for line in proc.stderr:
            line = line.rstrip()
            p = parse_epoch(line, t0)
            if p is not None:
                event(p)
            elif line.startswith("train: "):
                event(line[len("train: "):])
            elif line.startswith("tinystudio: error: "):
                errors.append(line[len("tinystudio: error: "):])
        out = proc.stdout.read()
        code = proc.wait()
    if stop.is_set() and code != 0:
        raise TrainingStopped("training stopped by request; the project is unchanged")
    # A stop that arrives after the trainer saved its model is too late: the model exists,
    # so it is reported as the result rather than claimed undone.
    if code != 0:
        raise TrainingError(errors[-1] if errors else f"the trainer exited with code {code}")
    summary = json.loads(out.strip().splitlines()[-1])
    return read_report(Path(summary["model_path"]).parent / "report.json")


def read_report(report_file):
    """A ``TrainReport`` from a package's report.json. Keys the dataclass does not know
    (e.g. ``candidates`` from a newer trainer) are kept as attributes rather than refused."""
    import dataclasses

    from tinystudio.ml.pipeline import TrainReport

    data = json.loads(Path(report_file).read_text(encoding="utf-8"))
    known = {f.name for f in dataclasses.fields(TrainReport)}
    report = TrainReport(**{k: v for k, v in data.items() if k in known})
    for key, value in data.items():
        if key not in known:
            setattr(report, key, value)
    return report


def load_current_report(project_path, *, progress=None, stop=None):
    """Worker body: the report of the project's current model, or None if it has none."""
    from tinystudio.errors import TrainingError
    from tinystudio.ml.pipeline import current_package_dir

    try:
        folder = current_package_dir(project_path)
    except TrainingError:
        return None
    report_file = folder / "report.json"
    if not report_file.exists():
        return None
    return read_report(report_file)
