"""A recording's timeline: one plot per physical unit, labeled segments as coloured regions.

An accelerometer in g and a gyroscope in deg/s on one axis leaves the accelerometer a
flat line under the gyroscope, so channels are grouped by unit, each group in its own
plot with a legend and its unit on the y axis, all sharing one time axis; a check box per
channel hides or shows it. Segments are draggable regions on the first plot and mirrored
(read-only) on the others.

Zoom and pan act on time only (wheel and drag). Every change a person makes (drag an
edge, move a region, click to select) comes out as a signal carrying sample indices;
the page turns it into an undoable label operation. Regions are rebuilt from the
project's segments after each operation, so the view can never drift from the data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QVBoxLayout, QWidget

from tinystudio.ui.palette import channel_color, class_color
from tinystudio.ui.widgets.flow_layout import FlowLayout
from tinystudio.ui.widgets.live_plot import make_pen

#: Units that name a sensor on their own (the plot's title).
UNIT_NAMES = {"g": "accelerometer", "m/s^2": "accelerometer", "m/s2": "accelerometer",
              "deg/s": "gyroscope", "dps": "gyroscope", "rad/s": "gyroscope",
              "uT": "magnetometer", "µT": "magnetometer", "FS": "audio"}


def unit_groups(channel_names: list[str], units: list[str] | None) -> list[tuple[str, list[int]]]:
    """Channel indices grouped by unit, in first-seen order."""
    units = list(units or [])
    units += [""] * (len(channel_names) - len(units))
    groups: dict[str, list[int]] = {}
    for i in range(len(channel_names)):
        groups.setdefault(units[i], []).append(i)
    return list(groups.items())


class SegmentRegion(pg.LinearRegionItem):
    clicked = Signal(object)

    def __init__(self, segment, rate_hz: float, color: str, movable: bool = True) -> None:
        c = QColor(color)
        fill = QColor(c)
        fill.setAlpha(60)
        hover = QColor(c)
        hover.setAlpha(110)
        super().__init__(
            values=(segment.start / rate_hz, segment.end / rate_hz),
            brush=pg.mkBrush(fill), hoverBrush=pg.mkBrush(hover),
            pen=make_pen(color, 2), movable=movable, swapMode="block",
        )
        self.segment = segment
        self.color = color
        back = QApplication.palette().color(QPalette.Base)  # readable in both palettes
        back.setAlpha(200)
        self.label = pg.TextItem(segment.label, color=color, anchor=(0, 0), fill=pg.mkBrush(back))

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


class Timeline(QWidget):
    segment_edited = Signal(str, int, int)  # segment id, new start, new end (samples)
    segment_selected = Signal(object)  # Segment or None

    def __init__(self, parent=None, editable: bool = True, min_plot_height: int = 110,
                 compact: bool = False) -> None:
        super().__init__(parent)
        self.editable = editable
        self.compact = compact  # a preview: no channel boxes, legends or segment names
        self.min_plot_height = min_plot_height
        self.rate_hz = 1.0
        self.n_samples = 0
        self.curves: list = []
        self.channel_boxes: dict[str, QCheckBox] = {}
        self.plots: list[pg.PlotItem] = []
        self.regions: list[SegmentRegion] = []
        self._mirrors: list[SegmentRegion] = []
        self.selected_id: str | None = None
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.scene().sigMouseClicked.connect(self._background_click)
        self.toggles = FlowLayout()  # wraps: six "gX (deg/s)" boxes must not widen the page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.toggles)
        layout.addWidget(self.graphics, 1)
        self._build_plots([("", [0])], ["signal"])
        self.setMinimumHeight(min_plot_height + 40)

    # ------------------------------------------------------------- plots
    def getPlotItem(self) -> pg.PlotItem:  # noqa: N802 - the PlotWidget name callers know
        return self.plots[0]

    def _build_plots(self, groups, channel_names) -> None:
        self.graphics.clear()
        self.plots = []
        for row, (unit, _cols) in enumerate(groups):
            item = self.graphics.addPlot(row=row, col=0)
            item.setMenuEnabled(False)
            item.hideButtons()
            item.showGrid(x=True, y=True, alpha=0.2)
            item.setMouseEnabled(x=True, y=False)
            name = UNIT_NAMES.get(unit, "")
            item.setLabel("left", unit or "value")
            if name:
                item.setTitle(f"{name} ({unit})", size="9pt")
            if not self.compact:
                item.addLegend(offset=(-8, 4), labelTextSize="8pt", brush=pg.mkBrush(0, 0, 0, 0))
            if self.plots:
                item.setXLink(self.plots[0])
            else:  # segment names stay at the top edge whatever the zoom
                item.getViewBox().sigYRangeChanged.connect(self._place_labels)
            self.plots.append(item)
        for item in self.plots:
            if item is self.plots[-1]:
                item.setLabel("bottom", "time", units="s")
            else:
                item.hideAxis("bottom")
        self.setMinimumHeight(self.min_plot_height * len(self.plots) + 40)

    def _build_toggles(self, channel_names: list[str], units: list[str]) -> None:
        while self.toggles.count():
            w = self.toggles.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.channel_boxes = {}
        if len(channel_names) > 1 and not self.compact:
            self.toggles.addWidget(QLabel("Channels:"))
            for i, name in enumerate(channel_names):
                unit = units[i] if i < len(units) else ""
                box = QCheckBox(f"{name} ({unit})" if unit else name)
                box.setChecked(True)
                color = channel_color(name, i)
                box.setStyleSheet(f"QCheckBox {{ color: {color}; font-weight: bold; }}")
                box.toggled.connect(lambda on, i=i: self.set_channel_visible(i, on))
                self.toggles.addWidget(box)
                self.channel_boxes[name] = box

    def set_channel_visible(self, index: int, on: bool) -> None:
        if 0 <= index < len(self.curves):
            self.curves[index].setVisible(on)

    def set_signal(self, data: np.ndarray, rate_hz: float, channel_names: list[str],
                   units: list[str] | None = None) -> None:
        """Show a recording's physical samples (n, channels), one plot per unit."""
        self.rate_hz = float(rate_hz) or 1.0
        self.n_samples = len(data)
        units = list(units or [])
        if data.ndim > 2:  # camera: show mean brightness per frame
            data = data.reshape(len(data), -1).mean(axis=1, keepdims=True)
            channel_names, units = ["brightness"], [""]
        if data.ndim == 1:
            data = data[:, None]
        names = [channel_names[i] if i < len(channel_names) else str(i) for i in range(data.shape[1])]
        groups = unit_groups(names, units)
        self._build_plots(groups, names)
        self._build_toggles(names, units)
        self.regions, self._mirrors = [], []
        x = np.arange(len(data)) / self.rate_hz
        self.curves = [None] * data.shape[1]
        for item, (_unit, cols) in zip(self.plots, groups, strict=True):
            for i in cols:
                curve = item.plot(x, data[:, i], pen=make_pen(channel_color(names[i], i)), name=names[i])
                curve.setClipToView(True)
                curve.setDownsampling(auto=True, method="peak")
                self.curves[i] = curve
            item.enableAutoRange(axis="y")
        duration = max(self.n_samples / self.rate_hz, 1e-3)
        for item in self.plots:
            item.setLimits(xMin=0, xMax=duration, minXRange=min(duration, 10 / self.rate_hz))
        self.plots[0].setXRange(0, duration, padding=0)

    # ---------------------------------------------------------- segments
    def set_segments(self, segments, colors: dict[str, str]) -> None:
        main = self.plots[0]
        for r in self.regions:
            main.removeItem(r)
            if r.label.scene() is not None:
                main.removeItem(r.label)
        for m in self._mirrors:
            m.plot.removeItem(m)
        self.regions, self._mirrors = [], []
        ymax = main.viewRange()[1][1]
        for i, seg in enumerate(segments):
            color = class_color(colors, seg.label, i)
            r = SegmentRegion(seg, self.rate_hz, color, movable=self.editable)
            r.setBounds((0, self.n_samples / self.rate_hz))
            r.sigRegionChangeFinished.connect(self._region_moved)
            r.clicked.connect(self._region_clicked)
            main.addItem(r)
            if not self.compact:
                main.addItem(r.label, ignoreBounds=True)
            r.label.setPos(seg.start / self.rate_hz, ymax)
            r.set_selected(seg.id == self.selected_id)
            self.regions.append(r)
            for other in self.plots[1:]:
                m = SegmentRegion(seg, self.rate_hz, color, movable=False)
                m.clicked.connect(lambda _m, r=r: self._region_clicked(r))
                other.addItem(m)
                m.plot = other
                r.sigRegionChanged.connect(lambda src, m=m: m.setRegion(src.getRegion()))
                self._mirrors.append(m)
        if self.selected_id not in {s.id for s in segments}:
            self.selected_id = None

    def _place_labels(self, *_args) -> None:
        top = self.plots[0].viewRange()[1][1]
        for r in self.regions:
            r.label.setPos(r.getRegion()[0], top)

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
        for r in self.regions + self._mirrors:
            on = r.segment.id == seg_id
            r.set_selected(on)
            if on:
                chosen = r.segment
        self.segment_selected.emit(chosen)

    def visible_samples(self) -> tuple[int, int]:
        lo, hi = self.plots[0].viewRange()[0]
        return (int(max(0, lo * self.rate_hz)), int(min(self.n_samples, hi * self.rate_hz)))

    def clear_signal(self) -> None:
        self._build_plots([("", [0])], ["signal"])
        self._build_toggles([], [])
        self.curves, self.regions, self._mirrors, self.n_samples = [], [], [], 0
