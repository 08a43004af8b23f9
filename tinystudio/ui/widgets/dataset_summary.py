"""The dataset at a glance: per class segments, seconds, train/test and a bar, then the
warnings `tinystudio info` prints (too few examples, a class missing from test, ...)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

HEADERS = ("Class", "Segments", "Seconds", "Train", "Test", "Share")
MIN_ROWS = 3  # class rows that always show


class DatasetSummary(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.Stretch)
        self.totals = QLabel("")
        self.totals.setWordWrap(True)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.warnings)
        self._text = ""

    def show_project(self, project) -> None:
        from tinystudio.dataset.splits import summarize

        s = summarize(project)
        colors = project.class_colors
        used = {k: v for k, v in s.classes.items()}
        most = max((c["segments"] for c in used.values()), default=0)
        self.table.setRowCount(len(used))
        lines = []
        for row, (name, c) in enumerate(used.items()):
            values = (name, str(c["segments"]), f"{c['seconds']:.1f}", str(c["train"]), str(c["test"]))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 0 and name in colors:
                    item.setForeground(QColor(colors[name]))
                if col:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
            bar = QProgressBar()
            bar.setRange(0, max(1, most))
            bar.setValue(c["segments"])
            bar.setTextVisible(False)
            bar.setToolTip(f"{name}: {c['segments']} of {most} segments (the largest class)")
            if name in colors:
                bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colors[name]}; }}")
            self.table.setCellWidget(row, len(HEADERS) - 1, bar)
            lines.append(f"{name}: {c['segments']} segments, {c['seconds']:.1f} s "
                         f"(train {c['train']}, test {c['test']})")
        sp = s.splits
        totals = f"Split: train {sp.get('train', 0)}, test {sp.get('test', 0)}"
        if sp.get("unassigned"):
            totals += f", not in the split {sp['unassigned']}"
        self.totals.setText(totals)
        self.warnings.setText("\n".join(f"⚠ {w}" for w in s.warnings))
        self.warnings.setVisible(bool(s.warnings))
        self._text = "\n".join(lines + [totals] + [f"⚠ {w}" for w in s.warnings])
        self._fit_table()

    def _fit_table(self) -> None:
        """Ask for the width of every column whole, a vertical scroll bar included, and the
        height of a few rows: at 1024x700 with five classes the table got 277 px for 305 px
        of columns and its last header read "ha", and the warnings left it one row."""
        table = self.table
        header = table.horizontalHeader()
        last = len(HEADERS) - 1
        width = sum(header.sectionSize(c) for c in range(last)) + header.sectionSizeHint(last)
        table.setMinimumWidth(width + table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth())
        table.setMinimumHeight(header.sizeHint().height() + MIN_ROWS * table.verticalHeader().defaultSectionSize()
                               + 2 * table.frameWidth())

    def toPlainText(self) -> str:  # noqa: N802 - the QTextEdit name the tests read
        """The table as text (what a screen reader or a copy would get)."""
        return self._text
