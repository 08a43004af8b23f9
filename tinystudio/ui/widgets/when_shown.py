"""Refresh a hidden view when it is next shown, not on every change.

Why: every label edit emits ``recordings_changed``, and the Train page (its readiness
line and the split panel's preview) recomputes split plans over every recording on each
one: 1.5 s on the GUI thread per edit at 10,000 recordings while the user is on the Label
page and cannot see the Train page at all. A :class:`WhenShown` runs its function at once
when the widget is visible and otherwise once, on the widget's next show event.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class WhenShown(QObject):
    """``request()`` runs ``fn`` now if ``widget`` is visible, else on its next show.
    Requests while hidden collapse into one run (the latest state is what is shown)."""

    def __init__(self, widget: QWidget, fn: Callable[[], None]) -> None:
        super().__init__(widget)
        self.widget = widget
        self.fn = fn
        self.pending = False
        widget.installEventFilter(self)

    def request(self) -> None:
        if self.widget.isVisible():
            self.pending = False
            self.fn()
        else:
            self.pending = True

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj is self.widget and event.type() == QEvent.Show and self.pending:
            self.pending = False
            self.fn()
        return False
