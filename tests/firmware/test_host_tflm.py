"""The host port with a real TFLM: the studio's whole loop against the second port (opt-in).

Why: docs/porting.md says a port provides byte I/O, a clock hook, sensor samples, static
memory for the model slot and arena, and TFLM built for its CPU -- and links the glue
unchanged. firmware_recorders/host_linux is such a port (an x86-64 Linux process whose
link is a pty); with ``TFLM_DIR`` set to a tflite-micro checkout this builds it against
TFLM built for the host by TFLM's own Makefile and runs what a user runs: `example
gestures`, `train --board nano33ble_rev2`, `flash`, `infer --seconds 10`, `verify` (0
mismatches against the host's tflite-micro interpreter), and a model too big for the arena
refused with TFLM's own text as LOG frames (the glue's DebugLog route on this port), the
previous model kept.

Without TFLM_DIR every test here skips, saying so. TFLM's first host build takes minutes
(kept in TFLM_DIR/gen); with it built, this module takes about a minute (training).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

TFLM_DIR = os.environ.get("TFLM_DIR", "")
pytestmark = [pytest.mark.timeout(1800), pytest.mark.skipif(
    not TFLM_DIR, reason="TFLM_DIR is not set: these tests need a tflite-micro checkout (docs/emulated-board.md)"
)]


def _cli(*args: str, timeout: float = 120) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, f"tinystudio {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def host_board(tmp_path_factory):
    from tinystudio.boards.host_port import HostBoard, build_host_board

    binary = build_host_board(tmp_path_factory.mktemp("host_tflm"), tflm_dir=TFLM_DIR)
    board = HostBoard(binary).start(timeout=15)
    yield board
    board.stop()


@pytest.fixture(scope="module")
def gesture_project(tmp_path_factory):
    project = tmp_path_factory.mktemp("gestures") / "g"
    subprocess.run([sys.executable, "-m", "tinystudio", "example", "gestures", str(project)], check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    _cli("train", str(project), "--board", "nano33ble_rev2", "--json", timeout=900)
    return project


def test_host_board_runs_the_gesture_model(host_board, gesture_project) -> None:
    port = host_board.port
    flashed = _cli("flash", str(gesture_project), "--port", port, "--json")
    assert flashed["verified"] is True
    from tinystudio.deploy.upload import model_status
    from tinystudio.devices.session import BoardSession

    session = BoardSession.open(port, mode="binary", reconnect=False)
    try:
        arena_used = model_status(session).arena_used_bytes
    finally:
        session.close()
    assert 0 < arena_used <= 128 * 1024
    infer = _cli("infer", "--port", port, "--seconds", "10", "--json")
    # 119 Hz windows of 119 samples every ~29 samples: ~4 per second while streaming
    assert infer["results"] >= 30 and infer["lost"] == 0, infer
    assert set(infer["counts"]) <= {"punch", "flex"}
    verify = _cli("verify", str(gesture_project), "--port", port, "--json")
    assert verify["windows"] > 0 and verify["mismatches"] == 0, verify
    print(f"\nTFLM on the host port: {infer['results']} live results in 10 s, counts {infer['counts']}, "
          f"verify {verify['windows']} windows, {verify['mismatches']} mismatches; arena used {arena_used} B")


def _wide_pointwise_model(window: int = 600, filters: int = 128) -> bytes:
    """~25 KB of weights (fits the 64 KB slot) whose two 600 x 128 activations need ~150 KB
    of arena: more than the host port's 128 KB (a 1-wide second convolution keeps it small)."""
    import keras
    import numpy as np

    from tinystudio.ml.quantize import convert_int8

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((window, 6)),
                              keras.layers.Conv1D(filters, 5, padding="same", activation="relu"),
                              keras.layers.Conv1D(filters, 1, activation="relu"),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(4, activation="softmax")])  # fmt: skip
    rep = np.random.default_rng(0).normal(size=(4, window, 6)).astype(np.float32)
    return convert_int8(model, rep, None)


def test_oversized_model_refused_with_tflms_text_previous_model_kept(host_board, gesture_project) -> None:
    from board_refusal import assert_refused_keeping_previous

    _cli("flash", str(gesture_project), "--port", host_board.port, "--json")
    assert_refused_keeping_previous(host_board.port, _wide_pointwise_model(), "the host board")
    assert _cli("verify", str(gesture_project), "--port", host_board.port, "--json")["mismatches"] == 0
