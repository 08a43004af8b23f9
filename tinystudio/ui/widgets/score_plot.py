"""The board's class scores over time, one curve per class, redrawn on the display tick."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from tinystudio.ui.widgets.live_plot import CHANNEL_COLORS, make_pen


class ScorePlot(pg.PlotWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        item = self.getPlotItem()
        item.setTitle("class scores (board)", size="9pt")
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "s")
        item.setYRange(0, 1.02, padding=0)
        item.setMouseEnabled(x=False, y=False)
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
            item.plot(pen=make_pen(colors.get(lab, CHANNEL_COLORS[i % len(CHANNEL_COLORS)]), 2), name=lab)
            for i, lab in enumerate(self.labels)
        ]

    def show_results(self, results, now: float) -> None:
        if not results or not self.curves:
            return
        t = np.array([r.received - now for r in results])
        scores = np.array([r.scores for r in results], dtype=np.float32)
        for j, curve in enumerate(self.curves):
            if j < scores.shape[1]:
                curve.setData(t, scores[:, j], skipFiniteCheck=True)
        self.getPlotItem().setXRange(min(t[0], -1.0), 0, padding=0)
