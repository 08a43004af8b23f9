"""Shared fixtures: the real punch/flex recordings imported into a project, trained once.

Training is real (TensorFlow, int8 conversion, TFLM); it happens once per session and the
tests that inspect its results share it.
"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

TEST_GESTURES = (3, 8)  # per class: the 4th and 9th recorded gesture form the test split


def make_project(dest: Path, punch_csv: Path, flex_csv: Path) -> Path:
    """Import both CSVs and pin the split (segment ids are random, so a fresh
    ``make_split`` picks different gestures on every import). The first flex gesture is
    atypical and both TinyStudio's CNN and the tutorial's Dense model miss it when it is
    in test (docs/benchmarks.md); a pinned split keeps this test about the pipeline."""
    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths

    import_paths(dest, [punch_csv], label="punch")
    import_paths(dest, [flex_csv], label="flex")
    project = Project.open(dest)
    assignments = {}
    for rec in project.recordings():
        for i, seg in enumerate(sorted(rec.segments, key=lambda s: s.start)):
            assignments[seg.id] = "test" if i in TEST_GESTURES else "train"
    project.set_split({"by": "segment", "seed": 0, "test_fraction": 0.2}, assignments)
    project.save()
    return dest


def clear_split(path: Path) -> None:
    from tinystudio.dataset import Project

    project = Project.open(path)
    project.set_split({}, {})
    project.save()


@pytest.fixture(scope="session")
def punch_flex_template(tmp_path_factory, punch_csv, flex_csv) -> Path:
    return make_project(tmp_path_factory.mktemp("pf") / "punch_flex", punch_csv, flex_csv)


@pytest.fixture
def punch_flex_project(punch_flex_template, tmp_path) -> Path:
    """A fresh copy of the untrained project for tests that change it."""
    dest = tmp_path / "punch_flex"
    shutil.copytree(punch_flex_template, dest)
    return dest


@pytest.fixture(scope="session")
def trained_punch_flex(tmp_path_factory, punch_flex_template):
    """``(project path, TrainReport)`` after one real training run."""
    from tinystudio.ml.pipeline import TrainOptions, train_project

    dest = tmp_path_factory.mktemp("trained") / "punch_flex"
    shutil.copytree(punch_flex_template, dest)
    report = train_project(dest, TrainOptions(seed=0))
    return dest, report


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def synth_keyword(kind: str, rng: np.random.Generator, rate: int = 16000) -> np.ndarray:
    """A one-second synthetic "keyword": a rising or falling chirp, or background noise.

    Onset, duration, pitch and loudness vary per clip so that the classes are learnable
    but no two clips are identical.
    """
    t = np.arange(rate) / rate
    x = rng.normal(0, 300, rate)  # room noise in every clip
    if kind != "noise":
        start = rng.uniform(0.15, 0.35)
        dur = rng.uniform(0.35, 0.5)
        f0, f1 = rng.uniform(400, 700), rng.uniform(1800, 2600)
        if kind == "down":
            f0, f1 = f1, f0
        tt = np.clip((t - start) / dur, 0, 1)
        phase = 2 * np.pi * (f0 * tt + 0.5 * (f1 - f0) * tt**2) * dur
        env = np.where((t >= start) & (t <= start + dur), np.sin(np.pi * tt) ** 0.5, 0.0)
        x += rng.uniform(4000, 9000) * env * np.sin(phase)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


@pytest.fixture
def keyword_project(tmp_path) -> Path:
    """A project of synthetic keyword clips (up/down/noise), one WAV per clip."""
    from tinystudio.dataset.importers import import_paths

    rng = np.random.default_rng(7)
    clips = tmp_path / "clips"
    for kind in ("up", "down", "noise"):
        for i in range(8):
            write_wav(clips / kind / f"{kind}_{i}.wav", synth_keyword(kind, rng))
    import_paths(tmp_path / "kws", [clips])
    return tmp_path / "kws"


def make_ei_project(dest: Path, ei_dir: Path, train_per_class: int | None = None,
                    with_split: bool = True, extra: list[Path] = ()) -> Path:
    """The Edge Impulse export imported file by file (the per-file importer, not a folder
    import); with ``with_split`` the split is Edge Impulse's own (training/testing folder)."""
    from collections import defaultdict

    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths

    assignments = {}
    for category, side in (("training", "train"), ("testing", "test")):
        files = sorted((ei_dir / category).glob("*.json"))
        if train_per_class is not None:
            if category == "testing":
                continue
            by_label = defaultdict(list)
            for f in files:
                by_label[f.name.split(".", 1)[0]].append(f)
            files = [f for fs in by_label.values() for f in fs[:train_per_class]]
        for rid in import_paths(dest, files + list(extra if side == "train" else [])).ids:
            assignments[rid] = side
    project = Project.open(dest)
    if with_split:
        from tinystudio.dataset.importers import keep_imported_split

        keep_imported_split(project, assignments)  # how the importers store a source's split
    project.save()
    return dest
