"""Which model the board holds, compared with the model the Deploy page shows. Qt-free.

The Deploy page must never show a prediction or a "verified" for a model the board no
longer runs (a board restarted without a model, another tool flashed it). The board
answers MODEL_STATUS with the size and CRC-32 of its active model; the page compares that
with the board-side package of its own model (what an upload would send) after every
connect, reconnect and upload.
"""

from __future__ import annotations

import enum
import zlib
from dataclasses import dataclass


class Holds(enum.Enum):
    NO_BOARD = "no board"
    UNKNOWN = "unknown"  # not asked yet, or the board cannot say (text mode, no slot)
    NOTHING = "no model"
    THIS = "this model"
    OTHER = "another model"


@dataclass(frozen=True)
class BoardModel:
    holds: Holds
    model_bytes: int = 0
    model_crc32: int = 0
    arena_used_bytes: int = 0
    reason: str = ""

    @property
    def runs_ours(self) -> bool:
        return self.holds == Holds.THIS

    def text(self, has_package: bool) -> str:
        """One sentence for the page: what is on the board and what to do about it."""
        if self.holds == Holds.NO_BOARD:
            return (f"Board: {self.reason or 'not connected'}. Connect one on the Device page to "
                    "flash and run the model.")
        if self.holds == Holds.UNKNOWN:
            return f"Board: model unknown ({self.reason or 'asking the board'})."
        if self.holds == Holds.NOTHING:
            return ("The board holds no model. Flash this one to see its predictions." if has_package
                    else "The board holds no model. Train one on the Train page, then flash it.")
        if self.holds == Holds.THIS:
            return (f"The board runs this model ({self.model_bytes:,} B, CRC {self.model_crc32:08x}, "
                    f"arena {self.arena_used_bytes:,} B).")
        return (f"The board runs a different model ({self.model_bytes:,} B, CRC {self.model_crc32:08x})."
                + (" Flash this one to replace it." if has_package else ""))


def expected_image(package, info) -> tuple[int, int] | None:
    """(bytes, CRC-32) of what an upload of ``package`` to this board would activate."""
    if package is None:
        return None
    from tinystudio.deploy.board_package import to_board_package

    tflite = to_board_package(package, info).tflite
    return len(tflite), zlib.crc32(tflite)


def query_board_model(session, package, *, progress=None, stop=None) -> BoardModel:
    """Worker body: ask the board (MODEL_STATUS) and compare with ``package``."""
    from tinystudio.deploy.upload import model_status
    from tinystudio.devices.protocol import ProtocolError, Status
    from tinystudio.errors import TinyStudioError

    info = session.info
    if session.mode != "binary" or not info.model_slot_bytes:
        return BoardModel(Holds.UNKNOWN, reason="this board cannot receive models over the cable")
    try:
        st = model_status(session)
    except (TinyStudioError, ProtocolError) as exc:
        return BoardModel(Holds.UNKNOWN, reason=f"no answer to the model status request: {exc}")
    if st.status != Status.OK or st.model_bytes == 0:
        return BoardModel(Holds.NOTHING)
    try:
        ours = expected_image(package, info)
    except (TinyStudioError, ValueError):  # a package this board cannot take is not on it
        ours = None
    holds = Holds.THIS if ours == (st.model_bytes, st.model_crc32) else Holds.OTHER
    return BoardModel(holds, st.model_bytes, st.model_crc32, st.arena_used_bytes)
