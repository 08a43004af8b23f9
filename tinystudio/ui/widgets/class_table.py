"""Examples per class against a target, as coloured progress bars."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QProgressBar, QTableWidget, QTableWidgetItem


class ClassTable(QTableWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["class", "segments", "of target"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)  # the bar takes what is left
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setMaximumHeight(180)
        self.counts: dict[str, int] = {}

    def show_counts(self, project, target: int) -> None:
        counts = Counter(ls.label for ls in project.labeled_segments())
        self.counts = {c: counts.get(c, 0) for c in project.classes}
        colors = project.class_colors
        self.setRowCount(len(self.counts))
        for row, (name, n) in enumerate(self.counts.items()):
            item = QTableWidgetItem(name)
            if name in colors:
                from PySide6.QtGui import QColor

                item.setForeground(QColor(colors[name]))
            self.setItem(row, 0, item)
            self.setItem(row, 1, QTableWidgetItem(str(n)))
            bar = QProgressBar()
            bar.setRange(0, max(1, target))
            bar.setValue(min(n, target))
            bar.setFormat(f"{n} / {target}")
            self.setCellWidget(row, 2, bar)
