"""The Train page's board table: does the model fit each board, and what it costs there.

Verdicts wrap, one figure a line, without the board's name (the row's first cell has it
with a ✔ or ✘): elided, they read "fits ESP32-…" at 1280x800 and at 2x. The per-inference
estimate column shows only once ``tinystudio train --tflm DIR`` wrote estimates; empty, it
only took the verdicts' room.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

NO_ESTIMATES = ("per-inference estimates: count instructions with `tinystudio train --tflm DIR` "
                "(docs/benchmarks.md)")


def verdict_cell(message: str) -> str:
    """A board verdict without the board's name, one figure a line ("fits ESP32-DevKitC:
    model 6,656 of ..., arena ..." -> "model 6,656 of ...,\\narena ...")."""
    head, sep, rest = message.partition(": ")
    if not (sep and head.startswith(("fits ", "does not fit "))):
        return message
    return rest.replace(", arena ", ",\narena ").replace("; ", ";\n")


class FitTable(QTableWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["board", "verdict", "per inference (estimate)"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.sectionResized.connect(lambda *_: self.resizeRowsToContents())
        self.setWordWrap(True)
        self.setTextElideMode(Qt.ElideNone)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.NoEditTriggers)

    def show_report(self, report) -> None:
        from tinystudio.ml.estimate import LABEL, board_cell, load_saved

        saved = load_saved(Path(report.model_path).parent)  # `train --tflm DIR` wrote it
        self.setRowCount(len(report.fit_messages))
        for row, (board, msg) in enumerate(sorted(report.fit_messages.items())):
            est = QTableWidgetItem(board_cell(saved, board) if saved else "")
            est.setToolTip(LABEL if saved else NO_ESTIMATES)
            self.setItem(row, 2, est)
            mark = "✔" if report.fits.get(board) else "✘"
            self.setItem(row, 0, QTableWidgetItem(f"{mark} {board}"))
            verdict = QTableWidgetItem(verdict_cell(msg))
            verdict.setToolTip(msg)
            self.setItem(row, 1, verdict)
        self.setColumnHidden(2, not saved)
        self.setToolTip("" if saved else NO_ESTIMATES)
        self.resizeRowsToContents()
