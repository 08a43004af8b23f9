"""The current prediction in letters big enough to read from the back of a room."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

#: Below this top score the board is not sure: no big label, an "uncertain" state instead
#: (a two-class model at 55 % is guessing, and a big confident word would say otherwise).
UNCERTAIN_BELOW = 0.7
UNCERTAIN = "uncertain"
LISTENING = "listening"


class BigLabel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = QLabel("—")
        self.label.setAlignment(Qt.AlignCenter)
        self.detail = QLabel("")
        self.detail.setAlignment(Qt.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.detail)
        self.set_size(48)
        self.text = "—"

    def set_size(self, points: int) -> None:
        font = QFont(self.label.font())
        font.setPointSize(points)
        font.setBold(True)
        self.label.setFont(font)
        small = QFont(self.detail.font())
        small.setPointSize(max(10, points // 4))
        self.detail.setFont(small)

    def show_result(self, label: str, score: float, color: str | None = None) -> None:
        if score < UNCERTAIN_BELOW:
            self.text = UNCERTAIN
            self.label.setText("uncertain …")
            self.label.setStyleSheet("color: gray;")
            self.detail.setText(f"best guess {label} {score:.0%} (below {UNCERTAIN_BELOW:.0%})")
            return
        self.text = label
        self.label.setText(label)
        self.label.setStyleSheet(f"color: {QColor(color).name()};" if color else "")
        self.detail.setText(f"{score:.0%}")

    def show_listening(self, detail: str = "") -> None:
        """A keyword model with nothing detected: calm grey "listening", never a last word."""
        self.text = LISTENING
        self.label.setText("listening …")
        self.label.setStyleSheet("color: gray;")
        self.detail.setText(detail)

    def show_detection(self, label: str, score: float, color: str | None = None) -> None:
        """A keyword the recognizer detected (its averaged score passed the model's threshold)."""
        self.text = label
        self.label.setText(label)
        self.label.setStyleSheet(f"color: {QColor(color).name()};" if color else "")
        self.detail.setText(f"{score:.0%} averaged")
