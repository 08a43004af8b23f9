"""The virtual board's side door: what to perform, from which source, where the mouse is.

Why a side door and not a protocol message: these requests mean nothing to a real board
(no firmware can be told to "perform a punch"), so they stay out of the wire protocol and
out of the host's session. The window starts ``tinystudio sim --control`` and writes one
JSON object per line to its stdin::

    {"sensor": "imu", "source": {"kind": "example", "name": "gestures"}}
    {"sensor": "imu", "source": {"kind": "takes", "path": "/home/me/TinyStudio/gestures"}}
    {"sensor": "imu", "source": {"kind": "mouse"}}
    {"sensor": "imu", "perform": "punch"}        # null: rest
    {"sensor": "imu", "pointer": [[t, x, y], ...]}  # t in time.monotonic() seconds

Lines are read on a thread and applied on the board's own loop (a tick hook), so a source
never changes halfway through a block. Building a source can take a moment (reading a
project's recordings), which happens on the reader thread. The board reports each change,
and each refusal, as a LOG frame, which the host shows like any board message.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from typing import IO, Any

from tinystudio.boards.virtual.sources import SensorSlot, build_source
from tinystudio.devices.protocol import LogLevel
from tinystudio.errors import TinyStudioError

Apply = Callable[[], None]


def slot_named(board: Any, name: str) -> SensorSlot | None:
    for st in board.streams.values():
        if isinstance(st.sensor, SensorSlot) and st.sensor.info.name == name:
            return st.sensor
    return None


def _pointer(slot: SensorSlot, points: list) -> None:
    feed = getattr(slot.source, "feed", None)
    if feed is None:
        return  # the source changed meanwhile: a late pointer event means nothing now
    for t, x, y in points:
        feed(float(t), float(x), float(y))


def prepare(board: Any, command: dict) -> Apply:
    """Parse one command (on the reader thread); returns what to do on the board's loop."""
    name = str(command.get("sensor", "imu"))
    slot = slot_named(board, name)
    if slot is None:
        raise TinyStudioError(f"the virtual board has no switchable sensor {name!r}")
    if "pointer" in command:
        points = command["pointer"]
        points = [points] if points and not isinstance(points[0], list | tuple) else points
        return lambda: _pointer(slot, points)
    if "source" in command:
        spec = dict(command["source"])
        source = build_source(spec, slot.info)
        label = describe(spec)

        def switch() -> None:
            kept = slot.set_source(source, label)
            doing = f", performing {slot.performing}" if kept and slot.performing else ""
            board.log(LogLevel.INFO, f"{name} source: {label}{doing}")

        return switch
    if "perform" in command:
        what = command["perform"]
        what = None if what in (None, "") else str(what)

        def perform() -> None:
            if slot.perform(what):
                board.log(LogLevel.INFO, f"{name} performs {what or 'nothing (rests)'} ({slot.source_name})")
            else:
                board.log(LogLevel.WARNING, f"{name}: {slot.source_name} has no takes of {what!r}; "
                          f"it can perform {', '.join(slot.classes)}")

        return perform
    raise TinyStudioError(f"virtual board control line has no source, perform or pointer: {command!r}")


def describe(spec: dict) -> str:
    kind = spec.get("kind")
    if kind == "example":
        return f"example takes ({spec.get('name', 'gestures')})"
    if kind == "takes":
        return f"earlier takes of {spec.get('path')}"
    if kind == "mouse":
        return "the mouse"
    if kind == "builtin":
        return "built-in signals"
    return str(kind)


class ControlChannel:
    """Reads control lines from ``stream`` and applies them on the board's loop."""

    def __init__(self, board: Any, stream: IO[str]) -> None:
        self.board = board
        self.stream = stream
        self.pending: queue.Queue[Apply] = queue.Queue()
        self.errors: list[str] = []
        board.add_tick_hook(self._drain)
        self.thread = threading.Thread(target=self._read, name="virtual-board control", daemon=True)

    def start(self) -> ControlChannel:
        self.thread.start()
        return self

    def _read(self) -> None:
        for line in self.stream:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line)
                if not isinstance(command, dict):
                    raise TinyStudioError(f"virtual board control line is not a JSON object: {line[:80]!r}")
                self.pending.put(prepare(self.board, command))
            except (ValueError, TinyStudioError) as exc:
                message = str(exc)
                self.errors.append(message)
                self.pending.put(lambda m=message: self.board.log(LogLevel.WARNING, m))

    def _drain(self, now: float) -> None:
        while True:
            try:
                apply = self.pending.get_nowait()
            except queue.Empty:
                return
            apply()
