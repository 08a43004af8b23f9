"""The op contract: a model may use only the TFLite ops the board firmware registers.

Why: TFLM runs a model only if every op is in the firmware's op resolver, and the host
TFLM interpreter (which has every kernel) cannot notice a missing one -- the default
gesture model needed EXPAND_DIMS, which no board registered. The firmware's op list is
one X-macro table, ``firmware_recorders/tflm_glue/src/ts_tflm_ops.h``: the TFLM glue
registers it, the firmware's own model check refuses anything else, and this module
parses the same file so ``train --board`` and CI refuse such a model first, naming the op.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from tinystudio.errors import TrainingError

OPS_HEADER = Path(__file__).resolve().parents[2] / "firmware_recorders" / "tflm_glue" / "src" / "ts_tflm_ops.h"
#: Boards that do not run the recorder firmware's TFLM glue (the virtual board runs the
#: host's TFLM interpreter, which has every kernel).
BOARDS_WITHOUT_GLUE = frozenset({"virtual"})
_ROW = re.compile(r"^\s*X\(\s*([A-Z0-9_]+)\s*,\s*(\d+)\s*,\s*(\w+)\s*\)\s*\\?\s*$")


@lru_cache(maxsize=4)
def glue_ops(header: Path = OPS_HEADER) -> dict[str, int]:
    """``{op name: builtin code}`` of the table the firmware registers."""
    try:
        text = Path(header).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrainingError(f"cannot read the board firmware's op table {header} ({exc.strerror}); "
                            "run TinyStudio from its source checkout") from None
    body = text.split("#define TS_TFLM_OPS(X)", 1)[-1]
    ops: dict[str, int] = {}
    for line in body.splitlines()[1:]:
        m = _ROW.match(line)
        if not m:
            break  # the table ends at the first line that is not a row
        ops[m.group(1)] = int(m.group(2))
    if not ops:
        raise TrainingError(f"{header} has no op table (TS_TFLM_OPS rows); the file is damaged")
    return ops


def missing_ops(ops: Iterable[str], registered: Iterable[str] | None = None) -> list[str]:
    """Ops of a model the firmware does not register, in model order, each once."""
    have = set(glue_ops() if registered is None else registered)
    out: list[str] = []
    for op in ops:
        if op not in have and op not in out:
            out.append(op)
    return out


def check_model_ops(tflite: bytes, model_name: str, board_name: str,
                    registered: Iterable[str] | None = None) -> list[str]:
    """Raises TrainingError naming every op of ``tflite`` the board firmware lacks."""
    from tinystudio.ml.tflm import model_ops

    ops = model_ops(tflite)
    missing = missing_ops(ops, registered)
    if missing:
        raise TrainingError(
            f"{model_name} needs TFLite op{'s' if len(missing) > 1 else ''} {', '.join(missing)}, which the "
            f"TinyStudio firmware for {board_name} does not register "
            f"(firmware_recorders/tflm_glue/src/ts_tflm_ops.h); choose another model, or add the op "
            "to that table and rebuild the firmware"
        )
    return ops


def check_for_board(tflite: bytes, model_name: str, board_id: str, board_name: str) -> None:
    """The ``train --board`` check: only boards running the firmware's glue are bound by it."""
    if board_id not in BOARDS_WITHOUT_GLUE:
        check_model_ops(tflite, model_name, board_name)
