"""A coloured strip at the top of a page for things that need a decision (board gone)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton


class Banner(QFrame):
    action = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet(
            "#banner { background: #f8d7a8; border: 1px solid #d08a2a; border-radius: 4px; }"
            "#banner QLabel { color: #3a2500; }"
        )
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton()
        self.button.clicked.connect(self.action)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, action: str | None = None) -> None:
        self.label.setText(text)
        self.button.setVisible(bool(action))
        if action:
            self.button.setText(action)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
