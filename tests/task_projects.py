"""Small trained anomaly and regression projects shared by the deploy and window tests.

Both come from the generators behind `tinystudio example vibration` / `example sine`
(dataset/synthetic.py), made small so CI trains each once per test session, in-process:
the vibration project has 8 normal training takes of 20 s, two 1-minute normal test takes
and two 10 s takes of each fault, with 0.5 s windows (a board result every 0.5 s), its autoencoder trained for 40 epochs; the sine
project is the example itself, trained for 25 epochs. Each is trained the first time a
test asks for it and reused from the session's temporary folder afterwards.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _trained(folder: Path, make, epochs: int | None = None) -> Path:
    from tinystudio.ml.pipeline import TrainOptions, train_project

    if not (folder / "models" / "current.json").exists():
        make(folder)
        train_project(folder, TrainOptions(seed=0, epochs=epochs))
    return folder


def anomaly_project(base: Path) -> Path:
    from tinystudio.dataset import Project
    from tinystudio.dataset.synthetic import vibration_project

    def make(folder):
        vibration_project(folder, train_takes=8, take_seconds=20, test_minutes=2, fault_seconds=10,
                          test_take_seconds=60)
        p = Project.open(folder)
        p.settings["train"].update({"window_ms": 500.0, "stride_ms": 500.0})
        p.save()

    return _trained(base / "vibration", make, epochs=40)  # autoencoder: 40 epochs, not 150


def sine_project(base: Path) -> Path:
    from tinystudio.dataset.synthetic import sine_project as make

    return _trained(base / "sine", make, epochs=25)


def write_vibration_replay(path: Path, normal_s: float = 3.0, fault_s: float = 3.0,
                           fault: str = "harmonic") -> Path:
    """A CSV the virtual board replays as its sensor: normal running, then ``fault``."""
    from tinystudio.dataset.synthetic import RATE, vibration

    x = np.concatenate([vibration(normal_s, None, 901), vibration(fault_s, fault, 902)])[:, 0]
    t = np.arange(len(x)) / RATE
    path.write_text("time,accel\n" + "".join(f"{a:.4f},{v:.3f}\n" for a, v in zip(t, x, strict=True)))
    return path


def write_sine_replay(path: Path, n: int = 64, rate: float = 200.0) -> tuple[Path, np.ndarray]:
    """A CSV of x from 0 to 6.5534 in steps of the sine recording's 2e-4 per LSB. The board
    feeds its own raw samples to the model with the recording's scale, and a replayed
    column's scale is its peak / 32767 (boards/virtual/replay.py): a peak of 32767 * 2e-4
    makes the two equal, so the board's raw x are the recording's."""
    step = 2e-4
    k = np.round(np.linspace(0, 32767, n)).astype(int)
    x = k * step
    path.write_text("time,x\n" + "".join(f"{i / rate:.4f},{v:.4f}\n" for i, v in enumerate(x)))
    return path, x
