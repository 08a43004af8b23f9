"""Bad input is refused before training, with a message; stopping changes nothing."""

import json
import threading
from pathlib import Path

import pytest

from tinystudio.dataset import Project
from tinystudio.errors import TrainingError
from tinystudio.ml.pipeline import TrainOptions, train_project
from tinystudio.ml.trainer import TrainingStopped

from .conftest import clear_split


def _snapshot(folder: Path) -> dict:
    # index.sqlite: the project index, derived data any open may refresh
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.name != "index.sqlite"}


def _epochs_recorder():
    seen = []
    return seen, seen.append


def test_one_class_only(tmp_path, punch_csv):
    from tinystudio.dataset.importers import import_paths

    import_paths(tmp_path / "p", [punch_csv], label="punch")
    seen, on_epoch = _epochs_recorder()
    with pytest.raises(TrainingError, match="at least two classes.*'punch'"):
        train_project(tmp_path / "p", on_epoch=on_epoch)
    assert not seen


def test_too_few_examples_per_class(tmp_path, punch_csv, flex_csv):
    from tinystudio.dataset.importers import import_paths

    blocks = flex_csv.read_text().split("\n\n")
    short = tmp_path / "flex_two.csv"
    short.write_text("\n\n".join(blocks[:2]) + "\n\n")
    import_paths(tmp_path / "p", [punch_csv], label="punch")
    import_paths(tmp_path / "p", [short], label="flex")
    with pytest.raises(TrainingError, match="too few training examples for class 'flex'"):
        train_project(tmp_path / "p")


def test_window_longer_than_recordings(punch_flex_project):
    project = Project.open(punch_flex_project)
    project.settings["train"] = {"window_ms": 20000}
    project.save()
    before = _snapshot(punch_flex_project)
    with pytest.raises(TrainingError, match="longer than recording"):
        train_project(punch_flex_project)
    assert _snapshot(punch_flex_project) == before


def test_model_too_big_for_the_board(punch_flex_project, tmp_path, monkeypatch):
    tiny = {"id": "tiny_test_board", "name": "Tiny test board", "flash_bytes": 32768,
            "ram_bytes": 4096, "model_slot_bytes": 4096, "arena_bytes": 2048,
            "default_baud": 115200, "usb_ids": []}
    boards = tmp_path / "boards.json"
    boards.write_text(json.dumps({"boards": [tiny]}))
    monkeypatch.setenv("TINYSTUDIO_BOARDS", str(boards))
    seen, on_epoch = _epochs_recorder()
    before = _snapshot(punch_flex_project)
    with pytest.raises(TrainingError, match="does not fit Tiny test board: model .* > model slot"):
        train_project(punch_flex_project, TrainOptions(board="tiny_test_board"), on_epoch=on_epoch)
    assert not seen
    assert _snapshot(punch_flex_project) == before


def test_unknown_board_is_named(punch_flex_project):
    with pytest.raises(TrainingError, match="unknown board 'no_such_board'"):
        train_project(punch_flex_project, TrainOptions(board="no_such_board"))


def test_stop_leaves_the_project_unchanged(punch_flex_project):
    clear_split(punch_flex_project)  # the split made for this run must not be saved either
    before = _snapshot(punch_flex_project)
    stop = threading.Event()
    batches = []

    def on_batch(p):
        batches.append(p)
        if len(batches) == 3:
            stop.set()

    with pytest.raises(TrainingStopped):
        train_project(punch_flex_project, TrainOptions(epochs=50), on_batch=on_batch, stop=stop)
    assert len(batches) == 3
    assert _snapshot(punch_flex_project) == before
    assert not list((punch_flex_project / "models").iterdir())


def test_learning_rate_setting_is_read_and_checked(punch_flex_project):
    project = Project.open(punch_flex_project)
    project.settings["train"] = {"learning_rate": 5.0}
    project.save()
    before = _snapshot(punch_flex_project)
    with pytest.raises(TrainingError, match="learning rate 5.0 must be between 0 and 1"):
        train_project(punch_flex_project, TrainOptions(epochs=1))
    with pytest.raises(TrainingError, match="learning rate 2.0"):
        train_project(punch_flex_project, TrainOptions(epochs=1, learning_rate=2.0))
    assert _snapshot(punch_flex_project) == before
