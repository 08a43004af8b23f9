"""A recording's timeline: signal curves, labeled segments as draggable coloured regions.

Zoom and pan act on time only (wheel and drag). Every change a person makes (drag an
edge, move a region, click to select) comes out as a signal carrying sample indices;
the page turns it into an undoable label operation. Regions are rebuilt from the
project's segments after each operation, so the view can never drift from the data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor

from tinystudio.ui.widgets.live_plot import CHANNEL_COLORS, make_pen


class SegmentRegion(pg.LinearRegionItem):
    clicked = Signal(object)

    def __init__(self, segment, rate_hz: float, color: str) -> None:
        c = QColor(color)
        fill = QColor(c)
        fill.setAlpha(60)
        hover = QColor(c)
        hover.setAlpha(110)
        super().__init__(
            values=(segment.start / rate_hz, segment.end / rate_hz),
            brush=pg.mkBrush(fill), hoverBrush=pg.mkBrush(hover),
            pen=make_pen(color, 2), movable=True, swapMode="block",
        )
        self.segment = segment
        self.color = color
        self.label = pg.TextItem(segment.label, color=color, anchor=(0, 0))

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        ev.accept()
        self.clicked.emit(self)

    def set_selected(self, on: bool) -> None:
        c = QColor(self.color)
        c.setAlpha(130 if on else 60)
        self.setBrush(pg.mkBrush(c))
        for line in self.lines:
            line.setPen(make_pen(self.color, 4 if on else 2))
        self.update()


class Timeline(pg.PlotWidget):
    segment_edited = Signal(str, int, int)  # segment id, new start, new end (samples)
    segment_selected = Signal(object)  # Segment or None

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.rate_hz = 1.0
        self.n_samples = 0
        self.curves = []
        self.regions: list[SegmentRegion] = []
        self.selected_id: str | None = None
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "s")
        item.setMouseEnabled(x=True, y=False)
        self.scene().sigMouseClicked.connect(self._background_click)
        self.setMinimumHeight(220)

    def set_signal(self, data: np.ndarray, rate_hz: float, channel_names: list[str]) -> None:
        """Show a recording's physical samples (n, channels)."""
        item = self.getPlotItem()
        for c in self.curves:
            item.removeItem(c)
        self.curves = []
        self.rate_hz = float(rate_hz) or 1.0
        self.n_samples = len(data)
        if data.ndim > 2:  # camera: show mean brightness per frame
            data = data.reshape(len(data), -1).mean(axis=1, keepdims=True)
            channel_names = ["brightness"]
        x = np.arange(len(data)) / self.rate_hz
        for i in range(data.shape[1] if data.ndim == 2 else 1):
            y = data[:, i] if data.ndim == 2 else data
            curve = item.plot(x, y, pen=make_pen(CHANNEL_COLORS[i % len(CHANNEL_COLORS)]),
                              name=channel_names[i] if i < len(channel_names) else str(i))
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves.append(curve)
        duration = max(self.n_samples / self.rate_hz, 1e-3)
        item.setLimits(xMin=0, xMax=duration, minXRange=min(duration, 10 / self.rate_hz))
        item.setXRange(0, duration, padding=0)
        item.enableAutoRange(axis="y")

    def set_segments(self, segments, colors: dict[str, str]) -> None:
        item = self.getPlotItem()
        for r in self.regions:
            item.removeItem(r)
            item.removeItem(r.label)
        self.regions = []
        ymax = item.viewRange()[1][1]
        for i, seg in enumerate(segments):
            color = colors.get(seg.label, CHANNEL_COLORS[i % len(CHANNEL_COLORS)])
            r = SegmentRegion(seg, self.rate_hz, color)
            r.setBounds((0, self.n_samples / self.rate_hz))
            r.sigRegionChangeFinished.connect(self._region_moved)
            r.clicked.connect(self._region_clicked)
            item.addItem(r)
            item.addItem(r.label, ignoreBounds=True)
            r.label.setPos(seg.start / self.rate_hz, ymax)
            r.set_selected(seg.id == self.selected_id)
            self.regions.append(r)
        if self.selected_id not in {s.id for s in segments}:
            self.selected_id = None

    def _region_moved(self, region: SegmentRegion) -> None:
        lo, hi = region.getRegion()
        start = int(np.clip(round(lo * self.rate_hz), 0, self.n_samples))
        end = int(np.clip(round(hi * self.rate_hz), 0, self.n_samples))
        if end <= start:
            end = min(self.n_samples, start + 1)
        if (start, end) != (region.segment.start, region.segment.end):
            self.segment_edited.emit(region.segment.id, start, end)

    def _region_clicked(self, region: SegmentRegion) -> None:
        self.select(region.segment.id)

    def _background_click(self, ev) -> None:
        if not ev.isAccepted():
            self.select(None)

    def select(self, seg_id: str | None) -> None:
        self.selected_id = seg_id
        chosen = None
        for r in self.regions:
            on = r.segment.id == seg_id
            r.set_selected(on)
            if on:
                chosen = r.segment
        self.segment_selected.emit(chosen)

    def visible_samples(self) -> tuple[int, int]:
        lo, hi = self.getPlotItem().viewRange()[0]
        return (int(max(0, lo * self.rate_hz)), int(min(self.n_samples, hi * self.rate_hz)))
