"""The op contract: a model may use only the TFLite ops the board firmware registers.

Why: TFLM runs a model only if every op is in the firmware's op resolver, and the host
TFLM interpreter (which has every kernel) cannot notice a missing one -- the default
gesture model needed EXPAND_DIMS, which no board registered. The firmware's op list is
one X-macro table, ``firmware_recorders/tflm_glue/src/ts_tflm_ops.h``: the TFLM glue
registers it, the firmware's own model check refuses anything else, and this module
parses the same file so ``train --board`` and CI refuse such a model first, naming the op.

A board's sketch is built with one TFLM library (boards.json ``tflm_library``); a library
may lack ops of the table (``TS_TFLM_LIBRARY_LACKS`` in the same header -- the glue's build
fails if that list is wrong), so a board's ops are the table minus what its library lacks.
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
_LACK_ROW = re.compile(r"^\s*X\(\s*(\w+)\s*,\s*([A-Z0-9_]+)\s*\)\s*\\?\s*$")
#: What each library id of ts_tflm_ops.h is, for messages.
LIBRARY_NAMES = {
    "upstream": "TensorFlow Lite Micro",
    "chirale": "Chirale_TensorFlowLite 2.0.0",
    "esp32": "TensorFlowLite_ESP32 1.0.0",
}


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


@lru_cache(maxsize=4)
def library_lacks(header: Path = OPS_HEADER) -> dict[str, frozenset[str]]:
    """``{library id: ops of the table it lacks}`` (TS_TFLM_LIBRARY_LACKS)."""
    text = Path(header).read_text(encoding="utf-8")
    if "#define TS_TFLM_LIBRARY_LACKS(X)" not in text:
        return {}
    body = text.split("#define TS_TFLM_LIBRARY_LACKS(X)", 1)[1]
    out: dict[str, set[str]] = {}
    for line in body.splitlines()[1:]:
        m = _LACK_ROW.match(line)
        if not m:
            break
        out.setdefault(m.group(1), set()).add(m.group(2))
    return {lib: frozenset(ops) for lib, ops in out.items()}


def library_ops(library: str = "upstream", header: Path = OPS_HEADER) -> dict[str, int]:
    """The ops a firmware built with ``library`` registers: the table minus what it lacks."""
    lacks = library_lacks(header).get(library, frozenset())
    table = glue_ops() if header == OPS_HEADER else glue_ops(header)
    return {op: code for op, code in table.items() if op not in lacks}


def missing_ops(ops: Iterable[str], registered: Iterable[str] | None = None) -> list[str]:
    """Ops of a model the firmware does not register, in model order, each once."""
    have = set(glue_ops() if registered is None else registered)
    out: list[str] = []
    for op in ops:
        if op not in have and op not in out:
            out.append(op)
    return out


def check_model_ops(tflite: bytes, model_name: str, board_name: str,
                    registered: Iterable[str] | None = None, library: str = "upstream") -> list[str]:
    """Raises TrainingError naming every op of ``tflite`` the board firmware lacks."""
    from tinystudio.ml.tflm import model_ops

    ops = model_ops(tflite)
    missing = missing_ops(ops, library_ops(library) if registered is None else registered)
    if missing:
        lacked = [op for op in missing if op in library_lacks().get(library, ())]
        s = "s" if len(missing) > 1 else ""
        if lacked and len(lacked) == len(missing):
            raise TrainingError(
                f"{model_name} needs TFLite op{s} {', '.join(missing)}, which the TFLM library the "
                f"{board_name} firmware is built with ({LIBRARY_NAMES.get(library, library)}) lacks "
                "(firmware_recorders/tflm_glue/src/ts_tflm_ops.h, TS_TFLM_LIBRARY_LACKS); choose "
                "another model, or build the sketch with a library that has it"
            )
        raise TrainingError(
            f"{model_name} needs TFLite op{s} {', '.join(missing)}, which the "
            f"TinyStudio firmware for {board_name} does not register "
            f"(firmware_recorders/tflm_glue/src/ts_tflm_ops.h); choose another model, or add the op "
            "to that table and rebuild the firmware"
        )
    return ops


def board_library(board_id: str) -> str:
    """The TFLM library a board's firmware is built with (boards.json; unknown: upstream)."""
    from tinystudio.devices.registry import load_profiles

    for prof in load_profiles():
        if prof.id == board_id:
            return prof.tflm_library
    return "upstream"


def check_for_board(tflite: bytes, model_name: str, board_id: str, board_name: str) -> None:
    """The ``train --board`` check: only boards running the firmware's glue are bound by it,
    each by the op table of the TFLM library its sketch is built with."""
    if board_id not in BOARDS_WITHOUT_GLUE:
        check_model_ops(tflite, model_name, board_name, library=board_library(board_id))
