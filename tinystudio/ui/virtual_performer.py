"""What the virtual board performs, and from which source: one object the pages share.

Why: while the user records "punch", the virtual board must show punches, or every take
is mislabeled by construction; on the Deploy page a presenter picks what it performs
next and watches the board's own model follow. The board runs in a child process; this
object sends it control lines (``boards/virtual/control.py``) and re-sends the current
source and class after every (re)connect, so a restarted board carries on as before.
Switching the source never restarts the board, so the flashed model stays.
"""

from __future__ import annotations

import enum
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QCursor


class SourceKind(enum.Enum):
    BUILTIN = "builtin"  # the synthetic gestures (idle, wave, circle, punch)
    EXAMPLE = "example"  # the Gestures example's real takes (punch, flex)
    PROJECT = "takes"  # the open project's own labeled takes
    MOUSE = "mouse"  # the pointer moved as the board


#: What the Record and Deploy pages list, in order.
SOURCE_TITLES = {
    SourceKind.EXAMPLE: "Example takes (Gestures: punch, flex)",
    SourceKind.PROJECT: "This project's earlier takes",
    SourceKind.MOUSE: "The mouse (move it: it is the board)",
    SourceKind.BUILTIN: "Built-in gestures (idle, wave, circle, punch)",
}
BUILTIN_CLASSES = ("idle", "wave", "circle", "punch")


def example_classes() -> tuple[str, ...]:
    from tinystudio.resources import resource_path

    return tuple(sorted(p.stem for p in resource_path("examples", "gestures_punch_flex").glob("*.csv")))


class VirtualPerformer(QObject):
    changed = Signal()  # source or performed class changed

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board = ctx.board
        self.kind = SourceKind.EXAMPLE
        self.performing: str | None = None
        self.board.connected.connect(lambda _info: self._resend())
        self.board.tick.connect(self._pointer_tick)

    # ----------------------------------------------------------------- queries
    @property
    def available(self) -> bool:
        """A virtual board with its own IMU (not a replayed file) is connected."""
        proc = self.board.virtual
        if proc is None or self.board.session is None:
            return False
        opts = proc.options
        return not opts.replay and "imu" in opts.sensors.split(",")

    def classes(self) -> tuple[str, ...] | None:
        """What the current source can perform; None: anything (the mouse)."""
        if self.kind == SourceKind.BUILTIN:
            return BUILTIN_CLASSES
        if self.kind == SourceKind.EXAMPLE:
            return example_classes()
        if self.kind == SourceKind.PROJECT:
            project = self.ctx.project
            return tuple(sorted({s.label for s in project.labeled_segments()})) if project is not None else ()
        return None

    def can_perform(self, label: str | None) -> bool:
        known = self.classes()
        return label is None or known is None or label in known

    # ----------------------------------------------------------------- control
    def _spec(self) -> dict | None:
        if self.kind == SourceKind.BUILTIN:
            return {"kind": "builtin"}
        if self.kind == SourceKind.EXAMPLE:
            return {"kind": "example", "name": "gestures", "seed": int(time.time()) & 0xFFFF}
        if self.kind == SourceKind.PROJECT:
            project = self.ctx.project
            return None if project is None else {"kind": "takes", "path": str(project.path)}
        return {"kind": "mouse"}

    def set_source(self, kind: SourceKind) -> bool:
        self.kind = kind
        ok = self._send_source()
        self.changed.emit()
        return ok

    def _send_source(self) -> bool:
        spec = self._spec()
        if spec is None or not self.available:
            return False
        self.ctx.save_now(sync_recordings=True)  # the board reads the takes from the files
        sent = self.board.send_virtual({"sensor": "imu", "source": spec})
        if sent and self.performing is not None:
            sent = self.board.send_virtual({"sensor": "imu", "perform": self.performing})
        return sent

    def perform(self, label: str | None) -> bool:
        """Ask the board to perform ``label`` (None: rest). False if the source cannot
        (the board then rests) or no virtual board is connected."""
        label = label or None
        if label == self.performing and self.available:
            return self.can_perform(label)
        ok = self.can_perform(label)
        self.performing = label if ok else None
        if self.available:
            self.board.send_virtual({"sensor": "imu", "perform": self.performing})
        self.changed.emit()
        return ok and self.available

    def _resend(self) -> None:
        if self.available:
            self._send_source()
            self.changed.emit()

    def _pointer_tick(self) -> None:
        if self.kind != SourceKind.MOUSE or not self.available:
            return
        # Polled on the display tick (62 Hz) wherever the pointer is on screen: a sample
        # per tick even while still, so the board's track never goes stale.
        pos = QCursor.pos()
        self.board.send_virtual({"sensor": "imu", "pointer": [[time.monotonic(), pos.x(), pos.y()]]})
