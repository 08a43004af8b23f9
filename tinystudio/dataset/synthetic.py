"""Generated recordings for the tasks that have no shipped data: machine vibration
(anomaly detection) and TFLM's Hello World sine (regression).

Why generated: a normal machine and its faults are easy to describe and hard to find as
open data small enough to ship; and the Hello World is generated data in TFLM too.

Vibration (one accelerometer axis, ``RATE`` Hz, int16 at 1 mg/LSB): a shaft turning at
about 24.6 Hz gives harmonics 1x, 2x, 3x with random phases plus broadband noise; each
recording varies speed (+-2 %) and level (+-5 %). Faults: ``harmonic`` (an added
component at 5.3x), ``imbalance`` (1x 1.6 times as strong), ``impulse`` (a bearing-like
train of decaying 150 Hz rings at 7.1x the shaft rate).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 400.0
SCALE_G = 0.001
FAULTS = ("harmonic", "imbalance", "impulse")
SHAFT_HZ = 24.6


def vibration(seconds: float, fault: str | None, seed: int, rate: float = RATE) -> np.ndarray:
    """``(n, 1)`` float acceleration in g of a normal machine or one with ``fault``."""
    if fault not in (None, "normal", *FAULTS):
        raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    f0 = SHAFT_HZ * (1 + rng.uniform(-0.02, 0.02))
    level = 1 + rng.uniform(-0.05, 0.05)
    amps = [1.0, 0.4, 0.2]
    if fault == "imbalance":
        amps[0] *= 1.6
    x = sum(a * np.sin(2 * np.pi * (h + 1) * f0 * t + rng.uniform(0, 2 * np.pi))
            for h, a in enumerate(amps))
    if fault == "harmonic":
        x = x + 0.25 * np.sin(2 * np.pi * 5.3 * f0 * t + rng.uniform(0, 2 * np.pi))
    if fault == "impulse":
        period = 1.0 / (7.1 * f0)
        phase = (t % period)
        x = x + 0.8 * np.exp(-phase / 0.004) * np.sin(2 * np.pi * 150.0 * phase)
    x = level * x + rng.normal(0, 0.12, n)
    return x[:, None]


def add_recording(project, name: str, x: np.ndarray, label: str, rate: float,
                  channels=("accel",), scale: float = SCALE_G, sensor_kind: str = "generic",
                  units: str = "g"):
    """Write ``x`` (physical units) as int16 with ``scale`` per LSB, one segment ``label``."""
    from tinystudio.dataset.recording import RecordingMeta, write_recording
    from tinystudio.dataset.segments import Segment

    rid, path = project.new_recording_path(name)
    q = np.clip(np.round(np.asarray(x) / scale), -32768, 32767).astype(np.int16)
    meta = RecordingMeta(sensor_kind, list(channels), float(rate), "int16",
                         scale=[scale] * len(channels), units=[units] * len(channels),
                         source="generated")
    write_recording(path, q, meta, [Segment.new(0, len(q), label)])
    return project.add_recording(path)


def vibration_project(folder: Path, train_takes: int = 30, take_seconds: float = 30.0,
                      test_minutes: float = 60.0, fault_seconds: float = 60.0, seed: int = 0,
                      test_take_seconds: float = 600.0):
    """An anomaly project: normal takes for training, an hour of normal (in takes of
    ``test_take_seconds``) and two takes per fault for testing (split by recording, saved)."""
    from tinystudio.dataset import Project

    project = Project.create(folder, task="anomaly")
    project.settings.setdefault("train", {}).update({"window_ms": 2000.0, "stride_ms": 2000.0})
    split = {}
    takes = [("normal", None, "train", take_seconds, int(train_takes))]
    takes.append(("normal", None, "test", test_take_seconds,
                  int(round(test_minutes * 60 / test_take_seconds))))
    takes += [(f, f, "test", fault_seconds, 2) for f in FAULTS]
    k = 0
    for label, fault, side, seconds, count in takes:
        for i in range(count):
            k += 1
            rec = add_recording(project, f"{label}_{side}_{i}", vibration(seconds, fault, seed * 1000 + k),
                                label, RATE)
            split[rec.id] = side
    project.set_split({"by": "recording", "seed": seed, "test_fraction": 0.0}, split)
    project.save()
    return project


def sine_project(folder: Path, train_samples: int = 1000, test_samples: int = 200,
                 noise: float = 0.02, seed: int = 0):
    """TFLM's Hello World as a regression project: channel ``x`` (uniform on [0, 2 pi),
    shuffled, as TFLM generates it) and the target channel ``y`` = sin(x) plus a little
    noise; the test recording has x evenly spaced over [0, 2 pi] and noise-free targets.
    One-sample windows: every sample is one example."""
    from tinystudio.dataset import Project

    rng = np.random.default_rng(seed)
    project = Project.create(folder, task="regression")
    project.settings.setdefault("train", {}).update({"window": 1, "stride": 1, "target": "y"})
    x_train = rng.uniform(0, 2 * np.pi, train_samples)
    y_train = np.sin(x_train) + noise * rng.normal(size=train_samples)
    x_test = np.linspace(0, 2 * np.pi, test_samples)
    split = {}
    for name, x, y in (("sine_train", x_train, y_train), ("sine_test", x_test, np.sin(x_test))):
        rec = add_recording(project, name, np.stack([x, y], axis=1), "sine", 1.0,
                            channels=("x", "y"), scale=2e-4, units="")
        split[rec.id] = "test" if name == "sine_test" else "train"
    project.set_split({"by": "recording", "seed": seed, "test_fraction": 0.0}, split)
    project.save()
    return project
