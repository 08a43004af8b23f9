"""Does a model fit a board? Model in the firmware's model slot, arena in its RAM budget.

Board figures come from the board registry (``resources/boards.json``): ``model_slot_bytes``
is the largest ``.tflite`` one half of the recorder firmware's double-buffered slot holds,
``arena_bytes`` the tensor arena it leaves for TFLM. The arena is measured by the host
TFLM build (64-bit pointers), which needs at least as much as a 32-bit board, so a "fits"
verdict errs on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinystudio.errors import TrainingError


@dataclass(frozen=True)
class BoardBudget:
    id: str
    name: str
    model_slot_bytes: int
    arena_bytes: int
    sensor_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class FitVerdict:
    board: str
    fits: bool
    model_bytes: int
    arena_bytes: int
    model_slot_bytes: int
    board_arena_bytes: int
    message: str


def boards() -> list[BoardBudget]:
    from tinystudio.devices.registry import load_profiles

    return [
        BoardBudget(p.id, p.name, p.model_slot_bytes, p.arena_bytes,
                    tuple(s.kind for s in p.sensors))
        for p in load_profiles()
    ]


def board(board_id: str) -> BoardBudget:
    known = boards()
    for b in known:
        if b.id == board_id:
            return b
    raise TrainingError(f"unknown board {board_id!r}; known boards: "
                        f"{', '.join(b.id for b in known)}")


def check_fit(model_bytes: int, arena_bytes: int, budget: BoardBudget) -> FitVerdict:
    problems = []
    if model_bytes > budget.model_slot_bytes:
        problems.append(f"model {model_bytes:,} B > model slot {budget.model_slot_bytes:,} B")
    if arena_bytes > budget.arena_bytes:
        problems.append(f"arena {arena_bytes:,} B > {budget.arena_bytes:,} B available")
    if problems:
        msg = f"does not fit {budget.name}: " + "; ".join(problems)
    else:
        msg = (f"fits {budget.name}: model {model_bytes:,} of {budget.model_slot_bytes:,} B, "
               f"arena {arena_bytes:,} of {budget.arena_bytes:,} B")
    return FitVerdict(budget.id, not problems, model_bytes, arena_bytes,
                      budget.model_slot_bytes, budget.arena_bytes, msg)
