"""The emulated board with a real TFLM: the whole loop as Cortex-M4 machine code (opt-in).

Why: in CI the emulated image has no TFLM (RUN_INPUT answers UNSUPPORTED), so nothing
after the upload is checked as machine code. With ``TFLM_DIR`` set to a tflite-micro
checkout (docs/emulated-board.md, "Real inference") these tests build the image with the
TFLM glue and TFLM's own Cortex-M4 library, then run what a user runs: `example gestures`,
`train --board nano33ble_rev2`, `flash`, `infer --seconds 10`, `verify` (0 mismatches);
a model too big for the board's arena is refused with the board's own (TFLM's) text and
the previous model stays; no byte of TFLM's log text reaches the link unframed; and
`-icount` gives the instructions per invoke for both kernel sets (figures printed).

Without TFLM_DIR every test here skips, saying so. TFLM's first build takes minutes
(it is kept in TFLM_DIR/gen); with it built, this module takes about a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TFLM_DIR = os.environ.get("TFLM_DIR", "")
pytestmark = [pytest.mark.timeout(1800), pytest.mark.skipif(
    not TFLM_DIR, reason="TFLM_DIR is not set: these tests need a tflite-micro checkout (docs/emulated-board.md)"
)]


def _cli(*args: str, timeout: float = 120, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    if ok:
        assert proc.returncode == 0, f"tinystudio {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def tflm_images(tmp_path_factory) -> dict[str, Path]:
    from tinystudio.boards.emulated import build_image

    out = {}
    for kernels in ("reference", "cmsis_nn"):
        out[kernels] = build_image(tmp_path_factory.mktemp(f"tflm_{kernels}"), tflm_dir=TFLM_DIR, kernels=kernels)
    return out


@pytest.fixture(scope="module")
def gesture_project(tmp_path_factory) -> tuple[Path, dict]:
    project = tmp_path_factory.mktemp("gestures") / "g"
    _cli("example", "gestures", str(project))
    trained = json.loads(_cli("train", str(project), "--board", "nano33ble_rev2", "--tflm", TFLM_DIR, "--json",
                              timeout=900).stdout)  # fmt: skip
    return project, trained


@pytest.fixture(scope="module")
def tflm_board(tflm_images):
    from tinystudio.boards.emulated import McuBoard

    board = McuBoard(tflm_images["reference"]).start(timeout=30)
    yield board
    board.stop()


def test_image_sizes_per_kernel_set(tflm_images, capsys) -> None:
    with capsys.disabled():
        print("\nEmulated board image with TFLM (arm-none-eabi-size; flash = text + data, RAM = data + bss):")
        for kernels, elf in tflm_images.items():
            out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True).stdout
            text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
            print(f"  {kernels:>9}: flash {text + data:7d} B, RAM {data + bss:7d} B of 262144 (48 KB arena)")
            assert text + data < 4 * 1024 * 1024 and data + bss <= 256 * 1024
            heads = subprocess.run(["arm-none-eabi-objdump", "-h", str(elf)], capture_output=True, text=True).stdout
            assert ".init_array" not in heads, "the glue and TFLM should need no constructors"


def test_flash_infer_verify_the_gesture_model(tflm_board, gesture_project) -> None:
    project, trained = gesture_project
    port = tflm_board.port
    flashed = json.loads(_cli("flash", str(project), "--port", port, "--json").stdout)
    assert flashed["verified"] is True
    infer = json.loads(_cli("infer", "--port", port, "--seconds", "10", "--json").stdout)
    # 119 Hz windows of 119 samples every ~29 samples: ~4 per second while streaming
    assert infer["results"] >= 30 and infer["lost"] == 0, infer
    assert set(infer["counts"]) <= {"punch", "flex"}
    verify = json.loads(_cli("verify", str(project), "--port", port, "--json").stdout)
    assert verify["windows"] > 0 and verify["mismatches"] == 0, verify
    print(f"\nTFLM on the emulated board: {infer['results']} live results in 10 s, verify "
          f"{verify['windows']} windows, {verify['mismatches']} mismatches")


def test_oversized_model_refused_with_the_boards_text_previous_model_kept(tflm_board, gesture_project) -> None:
    from board_refusal import assert_refused_keeping_previous
    from mcu_models import wide_conv_model

    project, _ = gesture_project
    _cli("flash", str(project), "--port", tflm_board.port, "--json")
    assert_refused_keeping_previous(tflm_board.port, wide_conv_model())
    verify = json.loads(_cli("verify", str(project), "--port", tflm_board.port, "--json").stdout)
    assert verify["mismatches"] == 0  # the previous model still runs


def test_train_json_estimates_the_gesture_model_on_nano33ble_rev2(gesture_project, capsys) -> None:
    """`train --board nano33ble_rev2 --tflm DIR --json`: instructions per invoke counted
    under QEMU -icount for both kernel sets, and the board's estimate made from them."""
    _, trained = gesture_project
    est = trained["mcu_estimate"]
    assert est["available"] is True and "estimate" in est["label"]
    counts = est["instructions_per_invoke"]
    ref, nn = counts["reference"], counts["cmsis_nn"]
    assert 50_000 < nn < ref < 20_000_000
    assert est["reference_over_cmsis_nn"] == pytest.approx(ref / nn, rel=1e-2)
    rows = {(b["board"], b["kernels"]): b for b in est["boards"]}
    nano = rows[("nano33ble_rev2", "reference")]
    assert nano["instructions"] == ref and nano["cpu_hz"] == 64_000_000
    assert nano["ms_low"] == pytest.approx(ref * nano["cpi_low"] / 64e6 * 1000, rel=1e-3)
    with capsys.disabled():
        print(f"\ngesture model, instructions per invoke (QEMU -icount): reference {ref}, CMSIS-NN {nn}, "
              f"ratio {ref / nn:.2f}; nano33ble_rev2: {nano['ms_low']}-{nano['ms_high']} ms reference, "
              f"{rows[('nano33ble_rev2', 'cmsis_nn')]['ms_low']}-{rows[('nano33ble_rev2', 'cmsis_nn')]['ms_high']} "
              f"ms CMSIS-NN ({est['label']})")
