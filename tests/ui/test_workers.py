"""The generic worker: result, error, coalesced progress, every event, cooperative stop."""

from __future__ import annotations

import threading
import time

import pytest

from tinystudio.errors import DatasetError
from tinystudio.ui.workers import start_worker


def test_result_progress_and_events_arrive_on_the_gui_thread(qtbot):
    gui = threading.get_ident()
    seen = {"progress": [], "events": [], "threads": set()}

    def work(n, *, progress, stop, event):
        for i in range(n):
            progress(i)
            event(i)
        return threading.get_ident()

    def on_progress(p):
        seen["progress"].append(p)
        seen["threads"].add(threading.get_ident())

    def on_event(e):
        seen["events"].append(e)

    results = []
    start_worker(work, 500, pass_event=True, on_progress=on_progress, on_event=on_event,
                 on_result=results.append)  # connected before the worker starts: no race
    qtbot.waitUntil(lambda: len(results) == 1, timeout=10_000)
    assert results[0] != gui  # ran off the GUI thread
    qtbot.waitUntil(lambda: len(seen["events"]) == 500)
    assert seen["events"] == list(range(500))  # events: every one, in order
    assert seen["progress"][-1] == 499  # progress: coalesced but the last one arrives
    assert len(seen["progress"]) < 500
    assert seen["threads"] == {gui}


def test_errors_reach_the_window_with_their_message(qtbot):
    def fail(*, progress, stop):
        raise DatasetError("recordings/x.h5: truncated; run repair")

    errors = []
    start_worker(fail, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    exc = errors[0]
    assert isinstance(exc, DatasetError) and "truncated" in str(exc)
    assert "DatasetError" in exc.traceback_text


def test_quit_stops_cooperatively(qtbot):
    started = threading.Event()

    def loop(*, progress, stop):
        started.set()
        n = 0
        while not stop.is_set():
            n += 1
            time.sleep(0.005)
        return n

    w = start_worker(loop)
    assert started.wait(10)
    with qtbot.waitSignal(w.signals.finished, timeout=10_000):
        w.quit()
    assert not w.is_running


@pytest.mark.parametrize("n", [20_000])
def test_many_signal_emissions_do_not_crash(qtbot, n):
    """PySide6 6.12.0 drops a reference to True per emit; the workaround must hold."""
    import sys

    from PySide6.QtCore import QObject, Signal

    from tinystudio.ui import qt_compat

    class S(QObject):
        sig = Signal(object)

    s = S()
    got = []
    s.sig.connect(got.append)
    for i in range(n):
        s.sig.emit(i)
    assert len(got) == n
    if qt_compat._applied:
        assert sys.getrefcount(True) > qt_compat.PINNED // 2


def test_trainer_progress_lines_become_epoch_messages():
    from tinystudio.ui.train_process import parse_epoch

    p = parse_epoch("epoch 3/15 loss 0.4123 acc 0.812 val_loss 0.5000 val_acc 0.750 eta 12s", 0.0)
    assert (p.epoch, p.epochs, p.loss, p.accuracy, p.val_loss, p.val_accuracy, p.eta_seconds) == \
        (3, 15, 0.4123, 0.812, 0.5, 0.75, 12.0)
    p = parse_epoch("epoch 1/2 loss 0.7000 acc 0.500 eta 1s", 0.0)
    assert p.val_loss is None and p.val_accuracy is None
    assert parse_epoch("train: converting to int8", 0.0) is None
