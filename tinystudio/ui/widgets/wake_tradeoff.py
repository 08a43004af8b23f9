"""A keyword model's trade-off: false activations per hour against missed keywords, per threshold.

Why: clip accuracy says little about a wake word (docs/keywords.md). What a maker chooses
is a threshold, and each one costs some false wake-ups and some missed keywords; this plot
shows the whole curve from the last continuous evaluation, the chosen point marked, so the
choice is visible and can be measured again on the Train page, not only by a command.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tinystudio.deploy.continuous import SavedTradeoff


class WakeTradeoff(QWidget):
    """The plot, a one-line summary, and a button asking for a (new) measurement."""

    measure_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setTitle("wake word: false activations vs missed keywords", size="9pt")
        item.setLabel("bottom", "false activations per hour")
        item.setLabel("left", "missed keywords (%)")
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setMenuEnabled(False)
        self.plot.setMinimumHeight(150)
        self.curve = item.plot([], [], pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=6,
                               symbolBrush="#1f77b4")
        self.chosen = item.plot([], [], pen=None, symbol="star", symbolSize=16, symbolBrush="#d62728")
        self.texts: list[pg.TextItem] = []
        self.summary = QLabel("No continuous evaluation yet: measure how often the model wakes by "
                              "mistake and how many keywords it misses in a long stream.")
        self.summary.setWordWrap(True)
        self.button = QPushButton("Measure on continuous audio")
        self.button.setToolTip("builds a stream from the test split's keywords between background "
                               "audio, runs the model as the board does, and saves the threshold "
                               "with the fewest misses at ≤ 1 false activation per hour")
        self.button.clicked.connect(self.measure_requested)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self.tradeoff: SavedTradeoff | None = None

    def show_tradeoff(self, t: SavedTradeoff | None) -> None:
        self.tradeoff = t
        item = self.plot.getPlotItem()
        for text in self.texts:
            item.removeItem(text)
        self.texts = []
        if t is None:
            self.curve.setData([], [])
            self.chosen.setData([], [])
            self.plot.setVisible(False)
            return
        self.plot.setVisible(True)
        pts = sorted(t.points, key=lambda p: p.threshold)
        self.curve.setData([p.fa_per_hour for p in pts], [100 * p.miss_rate for p in pts])
        self.chosen.setData([t.chosen.fa_per_hour], [100 * t.chosen.miss_rate])
        shown = set()
        for p in pts:  # a label where the curve moves; identical neighbours would overprint
            key = (round(p.fa_per_hour, 1), round(100 * p.miss_rate))
            if key in shown:
                continue
            shown.add(key)
            text = pg.TextItem(f"{p.threshold:.2f}", anchor=(0, 1), color="#666")
            text.setPos(p.fa_per_hour, 100 * p.miss_rate)
            item.addItem(text)
            self.texts.append(text)
        met = "meets" if t.target_met else "does not meet"
        self.summary.setText(
            f"Threshold {t.chosen.threshold:.2f} (★): {t.chosen.fa_per_hour:.1f} false activations per "
            f"hour, {t.chosen.miss_rate:.0%} of keywords missed; it {met} the target of "
            f"{t.target_fa_per_hour:g} per hour. Measured on {t.stream_seconds / 60:.1f} min of audio "
            f"with {t.keywords} keywords.")

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.button.setEnabled(not busy)
        if busy:
            self.summary.setText(text or "Measuring on continuous audio …")
