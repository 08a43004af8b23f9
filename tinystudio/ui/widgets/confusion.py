"""A confusion matrix as a table: rows are true classes, columns predictions.

Cells share the space the page gives the matrix (a 1600x1000 window gets large cells in a
larger font, not a tiny table in a corner); the numbers never drop below a readable size."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)


class ConfusionMatrix(QGroupBox):
    def __init__(self, title: str, parent=None) -> None:
        super().__init__(title, parent)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMinimumHeight(120)
        self.table.setSelectionMode(QTableWidget.NoSelection)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        QVBoxLayout(self).addWidget(self.table)
        self.matrix: list[list[int]] = []

    def set_matrix(self, labels: list[str], matrix: list[list[int]], accuracy: float | None = None) -> None:
        self.matrix = [list(r) for r in matrix]
        n = len(labels)
        self.table.setRowCount(n)
        self.table.setColumnCount(n)
        self.table.setVerticalHeaderLabels([f"true {lab}" for lab in labels])
        self.table.setHorizontalHeaderLabels(labels)
        for i in range(n):
            total = max(1, sum(matrix[i]))
            for j in range(n):
                v = matrix[i][j]
                item = QTableWidgetItem(str(v))
                item.setTextAlignment(Qt.AlignCenter)
                share = v / total
                color = QColor(46, 160, 67) if i == j else QColor(215, 58, 73)
                color.setAlpha(int(40 + 180 * share) if v else 0)
                item.setBackground(color)
                self.table.setItem(i, j, item)
        self._fit_font()
        if accuracy is not None:
            base = self.title().split(" —")[0]
            self.setTitle(f"{base} — accuracy {accuracy:.1%}")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_font()

    def _fit_font(self) -> None:
        n = max(1, self.table.rowCount())
        cell = min(self.table.viewport().height() / n, self.table.viewport().width() / n)
        size = max(9.0, min(22.0, cell / 3.2))
        font = self.table.font()
        if abs(font.pointSizeF() - size) > 0.4:
            font.setPointSizeF(size)
            for i in range(self.table.rowCount()):
                for j in range(self.table.columnCount()):
                    item = self.table.item(i, j)
                    if item is not None:
                        item.setFont(font)
