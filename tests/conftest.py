"""Shared test configuration.

Qt tests run offscreen; the core's tests need no display at all. Paths to the reference
data in ../shared are resolved once here so tests read the real recordings and models.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TINYSTUDIO_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.fail(f"reference data folder {SHARED} is missing; set TINYSTUDIO_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def punch_csv(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "gestures_punch_flex" / "punch.csv"


@pytest.fixture(scope="session")
def flex_csv(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "gestures_punch_flex" / "flex.csv"


@pytest.fixture(scope="session")
def python_exe() -> str:
    return sys.executable
