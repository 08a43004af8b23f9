"""Instructions per invoke, counted on the emulated board with a real TFLM.

Why: a per-board time estimate (tinystudio.ml.estimate) needs what the model costs as
Cortex-M4 machine code. QEMU with ``-icount shift=0`` advances virtual time by exactly
1 ns per instruction, and the firmware times an invoke with its hardware timer on that
virtual clock: the latency it reports (microseconds) is instructions / 1000, to within
one microsecond (1000 instructions: the clock hook counts whole microseconds)
and the few instructions of the timing itself. The model is
uploaded and run through the real protocol (RUN_INPUT), as `verify` does.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class InvokeCount:
    instructions: int  # median over the runs
    runs: int
    spread: int  # max - min over the runs (instructions)
    kernels: str
    arena_used_bytes: int

    def to_json(self) -> dict:
        return asdict(self)


def count_instructions(package, kernels: str = "reference", tflm_dir: Path | str | None = None,
                       runs: int = 5, build_dir: Path | None = None, seed: int = 0) -> InvokeCount:
    """Upload ``package`` (a model package or BoardPackage) to a fresh emulated board with
    TFLM and ``-icount``, run it ``runs`` times on random inputs, count instructions."""
    from tinystudio.boards.emulated import McuBoard, build_image
    from tinystudio.deploy.parity import run_on_board
    from tinystudio.deploy.upload import model_status, upload_model
    from tinystudio.devices.session import BoardSession

    elf = build_image(build_dir, tflm_dir=tflm_dir, kernels=kernels)
    rng = np.random.default_rng(seed)
    with McuBoard(elf, icount=True).start(timeout=30.0) as board:
        session = BoardSession.open(board.port, mode="binary", reconnect=False)
        try:
            from tinystudio.deploy.board_package import to_board_package

            pkg = to_board_package(package, session.info)
            upload_model(session, pkg)
            arena = model_status(session).arena_used_bytes
            n_in = _input_bytes(pkg.tflite)
            counts = []
            for _ in range(max(1, runs)):
                x = rng.integers(-128, 128, size=n_in, dtype=np.int8)
                _, latency_us = run_on_board(session, x, timeout=10.0)
                counts.append(latency_us * 1000)
        finally:
            session.close()
    return InvokeCount(int(statistics.median(counts)), len(counts), max(counts) - min(counts), kernels, arena)


def _input_bytes(tflite: bytes) -> int:
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(bytes(tflite), arena_size=512 * 1024)
    return int(np.prod(interp.get_input_details(0)["shape"]))
