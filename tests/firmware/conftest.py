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
