"""Host/board parity: the board must compute, bit for bit, what the host's TFLM computes.

The project's test windows are sent, as the exact int8 input tensors, to the board's
active model with RUN_INPUT; each RUN_OUTPUT is compared byte for byte with the host's
TFLM output for the same tensor. A board that quantizes, rounds or links kernels
differently shows up here as mismatches, with the largest difference in int8 steps.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinystudio.deploy.upload import model_status
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import MAX_BODY, MsgType, Status
from tinystudio.errors import DeployError

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ParityResult:
    windows: int
    mismatches: int
    max_abs_diff: int
    mean_latency_us: float = 0.0

    def to_json(self) -> dict:
        return {"windows": self.windows, "mismatches": self.mismatches,
                "max_abs_diff": self.max_abs_diff}  # fmt: skip


def project_test_inputs(project_path: str | Path):
    """``(ModelPackage, int8 inputs)``: the project's current model and its test windows."""
    from tinystudio.dataset import Project
    from tinystudio.deploy.board_package import load_model_package
    from tinystudio.ml.inputs import test_windows

    package = load_model_package(project_path)
    project = Project.open(project_path)
    x, _ = test_windows(project, package, "test")
    if not len(x):
        x, _ = test_windows(project, package, None)  # no split yet: every window
    if not len(x):
        raise DeployError(f"{project_path}: the project has no windows to check; record data first")
    return package, x


def run_on_board(session, x: np.ndarray, timeout: float = 3.0) -> tuple[bytes, int]:
    """The board's raw output tensor and invoke time for one int8 input tensor."""
    data = np.ascontiguousarray(x, dtype=np.int8).tobytes()
    room = min(session.info.max_body, MAX_BODY) - mm.RUN_INPUT_HEADER.size
    total = len(data)
    offset = 0
    while total - offset > room:
        session.send(MsgType.RUN_INPUT, mm.encode_run_input(mm.RunInput(offset, total, data[offset : offset + room])))
        offset += room
    reply = session.request(
        MsgType.RUN_INPUT, mm.encode_run_input(mm.RunInput(offset, total, data[offset:])), timeout=timeout
    )
    out = mm.decode_run_output(reply.body)
    if out.status != Status.OK:
        raise DeployError(
            f"{session.info.board_name} on {session.port} could not run the input ({out.status.name})"
            + ("; flash a model first" if out.status == Status.NO_MODEL else "")
        )
    return out.output, out.latency_us


def verify_parity(
    session,
    project_or_package,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    inputs: np.ndarray | None = None,
) -> ParityResult:
    """Compare the board's outputs with the host TFLM's on the test windows.

    ``project_or_package``: a project folder (its current model and test windows), or a
    model package / ``.tflite`` bytes together with ``inputs``.
    """
    from tinystudio.ml.sandbox import SandboxedRunner
    from tinystudio.ml.tflm import MAX_ARENA

    if isinstance(project_or_package, (str, Path)) and inputs is None:
        package, inputs = project_test_inputs(project_or_package)
        tflite = package.tflite
    else:
        tflite = project_or_package if isinstance(project_or_package, bytes) else project_or_package.tflite
    if inputs is None or not len(inputs):
        raise DeployError("no input windows to compare")
    status = model_status(session)
    crc = zlib.crc32(tflite)
    where = f"{session.info.board_name} on {session.port}"
    if status.status == Status.NO_MODEL:
        raise DeployError(f"{where} has no model; run `tinystudio flash` first")
    if status.model_crc32 != crc or status.model_bytes != len(tflite):
        raise DeployError(
            f"{where} runs a different model ({status.model_bytes} bytes, CRC {status.model_crc32:08x}) "
            f"than this one ({len(tflite)} bytes, CRC {crc:08x}); flash it first"
        )
    # The board's arena size: outputs do not depend on it, and it spares the arena search.
    # It is the board's claim, so it is used only within the host's own bound; the model
    # (which came from a file or package, not from this process's training) runs sandboxed.
    from tinystudio.ml.sandbox import SandboxError

    claim = max(session.info.arena_bytes, status.arena_used_bytes)
    name = f"the model on {where}"
    try:
        host = SandboxedRunner(tflite, name, arena_size=claim if 0 < claim <= MAX_ARENA else None)
    except SandboxError:
        if not 0 < claim <= MAX_ARENA:
            raise
        host = SandboxedRunner(tflite, name)  # a claim too small for the host: search instead
    with host:
        return _compare(session, host, inputs, progress, stop)


def _compare(session, host, inputs, progress, stop) -> ParityResult:
    mismatches = max_diff = 0
    latency = 0
    n = len(inputs)
    for i, x in enumerate(inputs):
        if stop is not None and stop.is_set():
            raise DeployError(f"parity check stopped after {i} of {n} windows")
        expected = host.run(x).astype(np.int8)
        got, us = run_on_board(session, x)
        latency += us
        board = np.frombuffer(got, dtype=np.int8)
        if board.shape != expected.shape:
            mismatches += 1
            max_diff = max(max_diff, 255)
        elif not np.array_equal(board, expected):
            mismatches += 1
            max_diff = max(max_diff, int(np.max(np.abs(board.astype(np.int16) - expected.astype(np.int16)))))
        if progress:
            progress(i + 1, n)
    return ParityResult(n, mismatches, max_diff, latency / n)
