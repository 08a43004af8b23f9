"""Run a Qt-free long function off the GUI thread and hear about it through signals.

Every long step in TinyStudio (connect, training, conversion, upload, parity, import) is
a plain function taking ``progress`` (a callback) and ``stop`` (a ``threading.Event``).
:func:`start_worker` runs such a function in Qt's global thread pool and turns its
callbacks into queued signals, so views update on the GUI thread and never block. The
shape follows napari's thread workers: a ``QRunnable`` plus a small ``QObject`` that
carries the signals (a runnable cannot own signals itself).

``progress`` messages that arrive faster than the screen can show them are coalesced
(latest wins, at most ~50 per second); ``event`` messages (e.g. one per epoch) are all
delivered. Stopping is cooperative: :meth:`Worker.quit` sets the event; the function
returns or raises at its next check. Nothing is ever terminated.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

#: Workers alive right now; keeps the Python objects alive until they finish.
_ALIVE: set[Worker] = set()


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)  # coalesced: latest message wins
    event = Signal(object)  # every message delivered (epoch ends, log lines)
    result = Signal(object)
    error = Signal(object)  # the exception instance; .traceback_text holds the trace
    finished = Signal()  # after result or error, always


class Worker(QRunnable):
    """One run of ``fn``; create with :func:`start_worker`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *args,
        pass_progress: bool = True,
        pass_stop: bool = True,
        pass_event: bool = False,
        min_interval: float = 0.02,
        name: str = "",
        **kwargs,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.name = name or getattr(fn, "__name__", "worker")
        self.signals = WorkerSignals()
        self.stop_event = threading.Event()
        self.done = threading.Event()
        self.min_interval = min_interval
        self._last_emit = 0.0
        self._pending: Any = None
        self._lock = threading.Lock()
        if pass_progress:
            self.kwargs["progress"] = self._progress
        if pass_stop:
            self.kwargs["stop"] = self.stop_event
        if pass_event:
            self.kwargs["event"] = self.signals.event.emit

    # ------------------------------------------------------------------ callbacks
    def _progress(self, message: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_emit < self.min_interval:
                self._pending = message
                return
            self._last_emit = now
            self._pending = None
        self.signals.progress.emit(message)

    def _flush_progress(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            self.signals.progress.emit(pending)

    # ------------------------------------------------------------------ running
    def run(self) -> None:  # called on a pool thread
        self.signals.started.emit()
        try:
            value = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the window
            self._flush_progress()
            exc.traceback_text = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.error.emit(exc)
        else:
            self._flush_progress()
            self.signals.result.emit(value)
        finally:
            self.done.set()
            self.signals.finished.emit()

    def quit(self) -> None:
        """Ask the function to stop at its next check of the stop event."""
        self.stop_event.set()

    @property
    def is_running(self) -> bool:
        return not self.done.is_set()


def start_worker(
    fn: Callable[..., Any],
    *args,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    on_event: Callable[[Any], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
    **kwargs,
) -> Worker:
    """Run ``fn(*args, progress=..., stop=..., **kwargs)`` in the thread pool."""
    worker = Worker(fn, *args, **kwargs)
    s = worker.signals
    if on_result is not None:
        s.result.connect(on_result)
    if on_error is not None:
        s.error.connect(on_error)
    if on_progress is not None:
        s.progress.connect(on_progress)
    if on_event is not None:
        s.event.connect(on_event)
    if on_finished is not None:
        s.finished.connect(on_finished)
    _ALIVE.add(worker)
    s.finished.connect(lambda: _ALIVE.discard(worker))
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker


def stop_all(timeout: float = 5.0) -> None:
    """Ask every running worker to stop and wait for them (used when the window closes)."""
    for w in list(_ALIVE):
        w.quit()
    deadline = time.monotonic() + timeout
    for w in list(_ALIVE):
        w.done.wait(max(0.0, deadline - time.monotonic()))
