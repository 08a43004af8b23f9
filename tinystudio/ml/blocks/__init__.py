"""The impulse's blocks, one module each, discovered here (as tinystudio/commands/ are).

A module named ``input_*.py``, ``processing_*.py`` or ``learning_*.py`` defines ``BLOCK``,
an instance of :class:`~tinystudio.ml.impulse.InputBlock`,
:class:`~tinystudio.ml.impulse.ProcessingBlock` or
:class:`~tinystudio.ml.impulse.LearningBlock`. Adding a feature block, a model family or
a task is adding a module; nothing lists them by hand. Modules import their heavy
dependencies (TensorFlow) inside their methods only.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from tinystudio.errors import TrainingError


@cache
def discover() -> dict[str, dict[str, object]]:
    """``{kind: {name: block}}`` for every block module in this package."""
    found: dict[str, dict[str, object]] = {"input": {}, "processing": {}, "learning": {}}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        block = getattr(module, "BLOCK", None)
        if block is None or block.kind not in found:
            continue
        if block.name in found[block.kind]:
            raise RuntimeError(f"two {block.kind} blocks are named {block.name!r}")
        found[block.kind][block.name] = block
    return found


def blocks(kind: str) -> dict[str, object]:
    return dict(discover()[kind])


def input_block(name: str | None = None):
    found = discover()["input"]
    return _named(found, name or "windows", "input")


def processing_block(frontend: str, name: str | None = None):
    """The named processing block (checked against the front end), else its default."""
    found = discover()["processing"]
    if name:
        block = _named(found, name, "processing")
        if frontend not in block.frontends:
            raise TrainingError(f"processing block {name!r} takes {', '.join(block.frontends)} "
                                f"data, not {frontend}; choose one of "
                                f"{', '.join(n for n, b in found.items() if frontend in b.frontends)}")
        return block
    for block in found.values():
        if block.default and frontend in block.frontends:
            return block
    raise TrainingError(f"no processing block for {frontend} data")


def learning_block(task: str, name: str | None = None):
    """The named learning block (checked against the task), else the task's default."""
    found = discover()["learning"]
    if name:
        block = _named(found, name, "learning")
        if block.task != task:
            raise TrainingError(f"learning block {name!r} is for {block.task} projects, this one "
                                f"is {task}; choose one of "
                                f"{', '.join(n for n, b in found.items() if b.task == task)}")
        return block
    for block in found.values():
        if block.default and block.task == task:
            return block
    raise TrainingError(f"no learning block for the {task} task")


def _named(found: dict, name: str, kind: str):
    if name not in found:
        raise TrainingError(f"unknown {kind} block {name!r}; choose one of {', '.join(found)}")
    return found[name]
