"""The Train page's board table: does the model fit each board, and what it costs there.

Verdicts are short lines (the share of the model slot and of the RAM), without the board's
name (the row's first cell has it with a ✔ or ✘), the sentence in the tooltip: the whole
sentence elided to "fits ESP32-…" at 1280x800 and at 2x. The per-inference
estimate column shows only once ``tinystudio train --tflm DIR`` wrote estimates; empty, it
only took the verdicts' room.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

SPARE_PX = 4  # per column beyond Qt's own hint, so no font rounding wraps a verdict line
NO_ESTIMATES = ("per-inference estimates: count instructions with `tinystudio train --tflm DIR` "
                "(docs/benchmarks.md)")


_FITS = re.compile(r"model ([\d,]+) of ([\d,]+) B, arena ([\d,]+) of ([\d,]+) B")


def verdict_cell(message: str) -> str:
    """A board verdict in a few short lines, without the board's name (the row's first
    cell has it): "fits ESP32-DevKitC: model 6,656 of 1,048,576 B, arena 4,352 of
    327,680 B" -> "model 0.6 %\narena 1.3 %" of the board's model slot and RAM (the whole
    sentence is the cell's tooltip); a refusal keeps its reasons, one a line."""
    head, sep, rest = message.partition(": ")
    if not (sep and head.startswith(("fits ", "does not fit "))):
        return message
    m = _FITS.fullmatch(rest)
    if m is not None:
        model, slot, arena, ram = (int(g.replace(",", "")) for g in m.groups())
        return f"model {model / max(1, slot):.1%}\narena {arena / max(1, ram):.1%}"
    return rest.replace("; ", ";\n")


class FitTable(QTableWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["board", "uses", "per inference (estimate)"])
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
        # every column whole: the table asks for that width (the model search's table beside
        # it scrolls sideways instead); Qt's row heights do not count lines a narrow column
        # would wrap, so the verdicts must never need wrapping
        header = self.horizontalHeader()
        width = sum(max(self.sizeHintForColumn(c), header.sectionSizeHint(c)) + SPARE_PX
                    for c in range(self.columnCount()) if not self.isColumnHidden(c))
        self.setMinimumWidth(width + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())
