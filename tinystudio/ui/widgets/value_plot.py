"""One number from the board over time: an anomaly score against its threshold line, or a
regression model's predicted value. Same fixed time window as the class-score plot."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from tinystudio.ui.widgets.live_plot import make_pen
from tinystudio.ui.widgets.score_plot import WINDOW_S


class ValuePlot(pg.PlotWidget):
    def __init__(self, parent=None, window_s: float = WINDOW_S) -> None:
        super().__init__(parent=parent)
        self.window_s = float(window_s)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "time (s, 0 = now)")
        item.setMouseEnabled(x=False, y=False)
        item.enableAutoRange(x=False, y=True)
        item.setXRange(-self.window_s, 0, padding=0)
        self.curve = item.plot(pen=make_pen("#1f77b4", 2))
        self.threshold_line = pg.InfiniteLine(angle=0, pen=make_pen("#c0392b", 1))
        self.threshold: float | None = None
        self.values = np.zeros(0)  # what is drawn (for tests and the status line)
        self.setMinimumHeight(160)

    def configure(self, title: str, threshold: float | None = None) -> None:
        """``title`` names the value; a threshold draws the line an anomaly crosses."""
        item = self.getPlotItem()
        self.threshold = threshold
        if self.threshold_line.scene() is not None:
            item.removeItem(self.threshold_line)
        if threshold is not None:  # (a legend entry for an InfiniteLine crashes pyqtgraph's paint)
            title += f" — red line: threshold {threshold:.3g}"
            self.threshold_line.setValue(float(threshold))
            item.addItem(self.threshold_line)
        item.setTitle(title, size="9pt")
        self.clear_values()

    def clear_values(self) -> None:
        self.values = np.zeros(0)
        self.curve.setData([], [])

    def show_values(self, times, values, now: float) -> None:
        t = np.asarray(times, dtype=float) - now
        v = np.asarray(values, dtype=float)
        keep = t >= -self.window_s
        self.values = v[keep]
        self.curve.setData(t[keep], self.values, skipFiniteCheck=True)
