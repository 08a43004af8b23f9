"""The window's one connection to a board: session, virtual board process, refresh tick.

Views never talk to the serial port. This controller owns the :class:`BoardSession`
(opened and closed in workers because the handshake may take seconds), starts and stops
the virtual board subprocess, marshals the reader thread's state callbacks onto the GUI
thread with a queued signal, and drives a single display timer (62 Hz) from which every
live view pulls the newest samples out of the ring buffers. There is no signal per
packet: at 16 kHz that would drown the event loop.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from tinystudio.errors import DeviceError
from tinystudio.ui.workers import start_worker

#: What the port list shows for the built-in virtual board.
VIRTUAL = "virtual"
DISPLAY_HZ = 62  # >= 60 fps redraws; 16 ms precise timer


@dataclass(frozen=True)
class VirtualBoardOptions:
    sensors: str = "imu,mic"
    replay: str | None = None
    imu_rate: float | None = None
    seed: int | None = None
    extra: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        # --control: the window tells the board what to perform (virtual_performer.py)
        cmd = [sys.executable, "-m", "tinystudio", "sim", "--control", "--sensors", self.sensors]
        if self.replay:
            cmd += ["--replay", str(self.replay)]
        if self.imu_rate:
            cmd += ["--imu-rate", f"{self.imu_rate:g}"]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        return cmd + list(self.extra)


def virtual_board_failure(reason: str, first_line: str, timeout: float) -> str:
    """One sentence for the window: what went wrong and what to do, without the command
    line of the child process (its flags mean nothing to someone using the window)."""
    if reason:
        return f"The virtual board could not start: {reason}. Choose another replay file or clear it."
    if first_line:
        return f"The virtual board could not start: it said {first_line[:120]!r} instead of its port."
    if not timeout:
        return "The virtual board stopped before it was ready. Try Connect again."
    return f"The virtual board did not start within {timeout:g} s. Try Connect again."


def _die_with_parent() -> None:
    """Linux: the virtual board gets SIGTERM if the window's process dies (even SIGKILL),
    so a crashed or killed window never leaves a board streaming into a pty forever."""
    import ctypes
    import signal

    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VirtualBoardProcess:
    """``tinystudio sim`` as a child process; its first stdout line names the pty."""

    def __init__(self, options: VirtualBoardOptions, timeout: float = 20.0) -> None:
        self.options = options
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # the child must import the same tinystudio as this process, installed or not
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        from tinystudio.dataset import own_writes

        env = own_writes.child_env(env)  # opening a takes source may save repairs: ours
        self.proc = subprocess.Popen(
            options.argv(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE,
            env=env,
            text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.port = self._read_port(timeout)

    def _read_port(self, timeout: float) -> str:
        box: list[str] = []
        reader = threading.Thread(
            target=lambda: box.append(self.proc.stdout.readline()), daemon=True
        )
        reader.start()
        reader.join(timeout)
        line = box[0].strip() if box else ""
        if not line.startswith("PORT "):
            reason = ""
            if box:  # stdout ended: the child is exiting; its last stderr line says why
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(3.0)
            if self.proc.poll() is not None:
                last = (self.proc.stderr.read() or "").strip().splitlines()[-1:]
                reason = last[0].removeprefix("tinystudio: error: ").strip() if last else ""
            self.stop()
            raise DeviceError(virtual_board_failure(reason, line, timeout if not box else 0))
        return line.split(" ", 1)[1].strip()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, command: dict) -> bool:
        """One control line to the board (``boards/virtual/control.py``); False if it is gone."""
        import json

        try:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):  # the board died or was stopped: nothing to tell
            return False

    def kill(self) -> None:
        """Simulate pulling the cable (used by tests and the demo)."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3.0)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3.0)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(Exception):
                stream.close()


def _open_session(port: str, virtual: VirtualBoardOptions | None, *, progress, stop):
    """Worker body: (start the virtual board and) open + start a session."""
    from tinystudio.devices.session import BoardSession

    proc = None
    if virtual is not None:
        progress("starting the virtual board")
        proc = VirtualBoardProcess(virtual)
        port = proc.port
    progress(f"connecting to {port}")
    try:
        session = BoardSession.open(port, reconnect=True)
        try:
            session.start()
        except BaseException:
            session.close()
            raise
    except BaseException:
        if proc is not None:
            proc.stop()
        raise
    return session, proc


def _close_session(session, proc, *, progress, stop) -> None:
    if session is not None:
        session.close()
    if proc is not None:
        proc.stop()


class BoardController(QObject):
    """Signals are emitted on the GUI thread."""

    connecting = Signal(str)  # human-readable step
    connected = Signal(object)  # DeviceInfo
    disconnected = Signal()  # closed on request
    board_lost = Signal(str)  # the board went away (unplugged, killed)
    board_back = Signal(str)  # the session reconnected by itself
    error = Signal(str)
    failed = Signal(str)  # a connection attempt failed; no board is connected now
    ports_changed = Signal(list)  # list[PortInfo]
    tick = Signal()  # display refresh: pull from the rings now
    _state = Signal(object, str)  # from the reader thread (queued)

    def __init__(self, parent: QObject | None = None, display_hz: int = DISPLAY_HZ) -> None:
        super().__init__(parent)
        self.session = None
        self.virtual: VirtualBoardProcess | None = None
        self.last_target: tuple[str, VirtualBoardOptions | None] | None = None
        self.lost = False
        self.lost_detail = ""
        self._busy = None
        self._unsubscribe = None
        self._ports: list = []
        self._last_stats: dict = {}
        self._port_worker = None
        self._state.connect(self._on_state)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(max(1, int(1000 / display_hz)))
        self.timer.timeout.connect(self.tick)
        self.port_timer = QTimer(self)
        self.port_timer.setInterval(1500)
        self.port_timer.timeout.connect(self.refresh_ports)

    # ----------------------------------------------------------------- ports
    def watch_ports(self, on: bool = True) -> None:
        if on:
            self.refresh_ports()
            self.port_timer.start()
        else:
            self.port_timer.stop()

    def refresh_ports(self) -> None:
        if self._port_worker is not None and self._port_worker.is_running:
            return
        from tinystudio.devices.registry import list_ports

        def listed(ports):
            key = [p.device for p in ports]
            if key != [p.device for p in self._ports]:
                self._ports = list(ports)
                self.ports_changed.emit(self._ports)

        self._port_worker = start_worker(
            list_ports, on_result=listed, on_error=lambda e: None,
            pass_progress=False, pass_stop=False,
        )

    @property
    def ports(self) -> list:
        return list(self._ports)

    # ------------------------------------------------------------ connecting
    @property
    def busy(self) -> bool:
        return self._busy is not None and self._busy.is_running

    @property
    def is_connected(self) -> bool:
        return self.session is not None

    def connect_virtual(self, options: VirtualBoardOptions | None = None) -> None:
        self._connect("", options or VirtualBoardOptions())

    def connect_port(self, port: str) -> None:
        self._connect(port, None)

    def reconnect(self) -> None:
        """Connect again to whatever was connected last (a fresh virtual board if it was one)."""
        if self.last_target is not None:
            port, virtual = self.last_target
            self._connect(port, virtual)

    def _connect(self, port: str, virtual: VirtualBoardOptions | None) -> None:
        if self.busy:
            self.error.emit("still busy with the board; wait a moment")
            return
        old_session, old_proc = self._detach()
        self.last_target = (port, virtual)
        if virtual is not None and virtual.replay and not Path(virtual.replay).is_file():
            if old_session is not None or old_proc is not None:
                start_worker(_close_session, old_session, old_proc, on_error=lambda e: None, name="disconnect")
                self.disconnected.emit()
            self._fail(f"The replay file {virtual.replay} does not exist. Choose another file or clear the field.")
            return
        if old_session is not None or old_proc is not None:
            # the views must drop the old board's plots and listeners now, not freeze on them
            self.disconnected.emit()

        def chain(*, progress, stop):
            _close_session(old_session, old_proc, progress=progress, stop=stop)
            return _open_session(port, virtual, progress=progress, stop=stop)

        self._busy = start_worker(
            chain,
            on_result=self._opened,
            on_error=lambda e: self._fail(str(e)),
            on_progress=self.connecting.emit,
            name="connect",
        )

    def _fail(self, message: str) -> None:
        """Connection failed: ``failed`` for the state displays, ``error`` (once) for the strip."""
        self.lost = False
        self.failed.emit(message)
        self.error.emit(message)

    def _opened(self, value) -> None:
        session, proc = value
        self.session, self.virtual, self.lost = session, proc, False
        self._unsubscribe = session.subscribe_state(self._state.emit)
        self.timer.start()
        self.connected.emit(session.info)

    def _detach(self):
        session, proc = self.session, self.virtual
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session, self.virtual = None, None
        self.timer.stop()
        return session, proc

    def disconnect_board(self, wait: bool = False) -> None:
        session, proc = self._detach()
        if session is None and proc is None:
            return
        worker = start_worker(
            _close_session, session, proc, on_error=lambda e: self.error.emit(str(e)),
            name="disconnect",
        )
        self.disconnected.emit()
        if wait:
            worker.done.wait(6.0)

    def send_virtual(self, command: dict) -> bool:
        """A control line for the virtual board; False when no virtual board is connected."""
        proc = self.virtual
        return proc is not None and proc.send(command)

    def kill_virtual_board(self) -> None:
        if self.virtual is not None:
            self.virtual.kill()

    def _on_state(self, state, message: str) -> None:
        from tinystudio.devices.session import ConnectionState

        if self.session is None:
            return
        if state == ConnectionState.DISCONNECTED:
            self.lost = True
            # the driver's explanation in parentheses is for a log, not for three places on screen
            self.lost_detail = message
            self.board_lost.emit((message or "the board went away").split(" (")[0])
        elif state == ConnectionState.CONNECTED and self.lost:
            self.lost = False
            self.board_back.emit(message)

    # ---------------------------------------------------------------- queries
    @property
    def info(self):
        return self.session.info if self.session is not None else None

    def stats(self) -> dict:
        """{sensor_id: SensorStats} of the live session (cheap: counters only)."""
        if self.session is None:
            return {}
        out = {}
        for sid, st in list(self.session.streams.items()):
            try:
                out[sid] = st.stats()
            except (ValueError, RuntimeError):
                # the rate estimator can be caught mid-update by the reader thread; a
                # display can show the previous figure instead of crashing the window
                if sid in self._last_stats:
                    out[sid] = self._last_stats[sid]
        self._last_stats = out
        return out

    def ring(self, sensor_id: int):
        return self.session.ring(sensor_id) if self.session is not None else None

    def shutdown(self) -> None:
        """Synchronous close (window closing); may take up to a few seconds."""
        self.port_timer.stop()
        session, proc = self._detach()
        _close_session(session, proc, progress=lambda m: None, stop=None)
