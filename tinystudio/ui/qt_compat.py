"""Work around a reference-count bug in PySide6 6.12.0's ``SignalInstance.emit``.

Measured on this install (PySide6 6.12.0, CPython 3.11): every ``emit()`` called from
Python returns ``True`` without taking a reference, so each emission takes one reference
away from the ``True`` singleton. After a few thousand emissions (pyqtgraph emits several
per redraw; a live window emits thousands per minute) CPython aborts with
"Fatal Python error: bool_dealloc". ``tests/ui/test_qt_compat.py`` reproduces it.

``True``/``False``/``None`` are static objects that CPython never frees; only the
refcount reaching zero is fatal. Where the leak is detected, their counts are raised to
2**60 (what CPython 3.12 does for all singletons by making them immortal), so the missing
references can never reach zero. Applied once, before the first window exists; a no-op on
fixed PySide6 versions and on CPython >= 3.12.
"""

from __future__ import annotations

import ctypes
import sys

_applied = False
PINNED = 1 << 60


def emit_leaks_true() -> bool:
    """True when ``Signal.emit`` drops a reference to ``True`` on this install."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal(int)

    probe = _Probe()
    probe.sig.connect(lambda _v: None)
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig.emit(1)
    return sys.getrefcount(True) < before


def _pin(obj) -> None:
    # CPython <= 3.11: ob_refcnt is the first Py_ssize_t of every object.
    ctypes.c_ssize_t.from_address(id(obj)).value = PINNED


def apply() -> bool:
    """Pin the singletons if needed; returns whether the workaround is active."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_leaks_true():
        return False
    for obj in (True, False, None):
        _pin(obj)
    _applied = True
    return True
