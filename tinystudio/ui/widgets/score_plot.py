"""The board's class scores over time, one curve per class, redrawn on the display tick.

The time axis is a fixed window (the last ``WINDOW_S`` seconds, now at the right edge):
an axis that grew with the history would squeeze the traces a little more every second.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from tinystudio.ui.palette import class_color
from tinystudio.ui.widgets.live_plot import make_pen

WINDOW_S = 10.0


class ScorePlot(pg.PlotWidget):
    def __init__(self, parent=None, window_s: float = WINDOW_S) -> None:
        super().__init__(parent=parent)
        self.window_s = float(window_s)
        item = self.getPlotItem()
        item.setTitle("class scores (board)", size="9pt")
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "time (s, 0 = now)")
        item.setYRange(0, 1.02, padding=0)
        item.setMouseEnabled(x=False, y=False)
        item.enableAutoRange(x=False, y=False)
        item.setXRange(-self.window_s, 0, padding=0)
        self.legend = item.addLegend(offset=(5, 5))
        self.curves = []
        self.labels: tuple[str, ...] = ()
        self.setMinimumHeight(160)

    def set_labels(self, labels, colors: dict[str, str] | None = None) -> None:
        item = self.getPlotItem()
        for c in self.curves:
            item.removeItem(c)
        self.legend.clear()
        self.labels = tuple(labels)
        colors = colors or {}
        self.curves = [
            item.plot(pen=make_pen(class_color(colors, lab, i), 2), name=lab)
            for i, lab in enumerate(self.labels)
        ]

    def clear_scores(self) -> None:
        """No board or no model: no traces (old ones would read as current)."""
        for c in self.curves:
            c.setData([], [])

    def show_results(self, results, now: float) -> None:
        if not results or not self.curves:
            return
        t = np.array([r.received - now for r in results])
        keep = t >= -self.window_s
        if not keep.any():
            self.clear_scores()
            return
        t = t[keep]
        scores = np.array([r.scores for r, k in zip(results, keep, strict=True) if k], dtype=np.float32)
        for j, curve in enumerate(self.curves):
            if j < scores.shape[1]:
                curve.setData(t, scores[:, j], skipFiniteCheck=True)

    @property
    def x_range(self) -> tuple[float, float]:
        lo, hi = self.getPlotItem().viewRange()[0]
        return float(lo), float(hi)
