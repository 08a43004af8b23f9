"""Shared test configuration.

Qt tests run offscreen; the core's tests need no display at all. Paths to the reference
data shipped in resources/examples are resolved once here so tests read the real recordings
and models (from the project itself: a fresh clone needs no other folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "resources" / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """resources/examples: punch/flex, micro_speech clips, ei_phone_motion, TFLM models."""
    if not EXAMPLES.exists():
        pytest.fail(f"example data folder {EXAMPLES} is missing from this checkout")
    return EXAMPLES


@pytest.fixture(scope="session")
def tflm_models(examples_dir: Path) -> Path:
    return examples_dir / "tflm_models"


@pytest.fixture(scope="session")
def micro_speech_dir(examples_dir: Path) -> Path:
    return examples_dir / "micro_speech"


@pytest.fixture(scope="session")
def punch_csv(examples_dir: Path) -> Path:
    return examples_dir / "gestures_punch_flex" / "punch.csv"


@pytest.fixture(scope="session")
def flex_csv(examples_dir: Path) -> Path:
    return examples_dir / "gestures_punch_flex" / "flex.csv"


@pytest.fixture(scope="session")
def python_exe() -> str:
    return sys.executable


class SimProcess:
    """A `tinystudio sim` subprocess: the virtual board exactly as a user starts it."""

    def __init__(self, *args: str) -> None:
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tinystudio", "sim", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"tinystudio sim did not print its port: {line!r} {err}")
        self.port = line.split(None, 1)[1].strip()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(5)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except Exception:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


@pytest.fixture
def start_sim():
    """Factory fixture: ``start_sim("--sensors", "imu")`` -> SimProcess, stopped at teardown."""
    started: list[SimProcess] = []

    def start(*args: str) -> SimProcess:
        sim = SimProcess(*args)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture(scope="session")
def task_base(tmp_path_factory):
    """Where tests/task_projects.py keeps the anomaly and sine projects it trains once."""
    return tmp_path_factory.getbasetemp() / "task_projects"
