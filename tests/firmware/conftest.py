"""Fixtures for the firmware tests: one sanitized build of the C core per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from c_core import Driver, make


@pytest.fixture(scope="session")
def c_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("fw_build")
    make(build, "driver")
    return build


@pytest.fixture()
def driver(c_build: Path) -> Iterator[Driver]:
    d = Driver(c_build / "driver")
    yield d
    err = d.close()
    assert "runtime error" not in err and "AddressSanitizer" not in err, err


# ------------------------------------------------------------ the emulated board (QEMU)


@pytest.fixture(scope="session")
def mcu_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The qemu_mps2 firmware, built once per session with the real Makefile."""
    from tinystudio.boards.emulated import build_image

    return build_image(tmp_path_factory.mktemp("qemu_mps2"))


@pytest.fixture(scope="session")
def mcu_board(mcu_image: Path) -> Iterator:
    """One emulated board for the session; tests leave it with no sensor streaming."""
    from tinystudio.boards.emulated import McuBoard

    board = McuBoard(mcu_image).start()
    yield board
    board.stop()
    assert not board.running


@pytest.fixture()
def mcu_session(mcu_board) -> Iterator:
    """A host session on the emulated board (the real BoardSession over its pty)."""
    from tinystudio.devices.session import BoardSession

    assert mcu_board.running, f"QEMU died: {mcu_board.output[-5:]}"
    session = BoardSession.open(mcu_board.port, mode="binary", reconnect=False)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def builder_models() -> dict[str, bytes]:
    """``{name: int8 .tflite}`` of every builder in tinystudio.ml.models.MODELS (untrained)."""
    from mcu_models import builder_int8

    from tinystudio.ml.models import MODELS

    return {name: builder_int8(spec) for name, spec in MODELS.items()}
