"""Per-board estimates from an instruction count (tinystudio.ml.estimate): arithmetic,
labels and which cores get one. The count itself comes from QEMU (tests/firmware/
test_mcu_tflm.py, opt-in); here it is a given number."""

from __future__ import annotations

import json

import pytest

from tinystudio.devices.registry import profile
from tinystudio.ml import estimate


def test_estimate_is_instructions_times_cpi_over_clock() -> None:
    nano = profile("nano33ble_rev2")
    assert (nano.core, nano.cpu_hz) == ("cortex-m4f", 64_000_000)
    est = estimate.estimate_for(nano, 807_000, "reference")
    lo, hi = estimate.CPI_RANGES["cortex-m4f"]
    assert est.ms_low == pytest.approx(807_000 * lo / 64e6 * 1000, rel=1e-4)
    assert est.ms_high == pytest.approx(807_000 * hi / 64e6 * 1000, rel=1e-4)
    assert est.ms_low < est.ms_high and "estimate" in est.label and "not a measurement" in est.label
    assert json.loads(json.dumps(est.to_json()))["instructions"] == 807_000


def test_cores_with_another_instruction_set_get_no_estimate() -> None:
    for board_id in ("esp32_devkitc", "rpi_pico", "himax_we_i_plus", "virtual"):
        assert estimate.estimate_for(profile(board_id), 807_000, "reference") is None
    ids = {e.board for e in estimate.estimates(807_000, "reference")}
    assert {"nano33ble_rev2", "stm32f746_disco", "wio_terminal"} <= ids
    assert not ids & {"esp32_devkitc", "rpi_pico"}


def test_board_cell_reads_the_saved_estimate(tmp_path) -> None:
    boards = [e.to_json() for k, n in (("reference", 807_000), ("cmsis_nn", 251_000))
              for e in estimate.estimates(n, k, ["nano33ble_rev2"])]  # fmt: skip
    (tmp_path / estimate.ESTIMATE_FILE).write_text(json.dumps({"boards": boards}))
    saved = estimate.load_saved(tmp_path)
    cell = estimate.board_cell(saved, "nano33ble_rev2")
    assert cell.startswith("~15.13-25.22 ms (estimate; CMSIS-NN ~4.71-7.84 ms")
    assert estimate.board_cell(saved, "esp32_devkitc") == "no estimate for this core"
    assert estimate.load_saved(tmp_path / "nothing") is None and estimate.board_cell(None, "x") == ""
