"""A confusion matrix as a small table: rows are true classes, columns predictions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGroupBox, QTableWidget, QTableWidgetItem, QVBoxLayout


class ConfusionMatrix(QGroupBox):
    def __init__(self, title: str, parent=None) -> None:
        super().__init__(title, parent)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setMinimumHeight(120)
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
        self.table.resizeColumnsToContents()
        if accuracy is not None:
            base = self.title().split(" —")[0]
            self.setTitle(f"{base} — accuracy {accuracy:.1%}")
