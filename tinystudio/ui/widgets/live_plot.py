"""A scrolling multi-channel plot that redraws from a ring buffer at display rate.

Built so that a frame costs O(new samples) and a few polyline draws (measured with
``benchmarks/bench_plot.py``; the software raster paints every pixel on the CPU):

* Peak decimation, incremental: the window is kept as a fixed array of bins (min and max
  of ``k`` samples, bins aligned to absolute sample numbers so nothing flickers as the
  window scrolls), about two points per pixel column whatever the rate (10 s of 16 kHz
  audio = 160,000 samples -> 2,000 points). Each tick bins only the samples that arrived
  since the previous one and shifts the array; it never re-reads the 10 s window.
* One graphics item per plot draws every channel as a ``QPolygonF`` polyline whose memory
  *is* the numpy buffer: no per-frame path building, no bounds scans (the item's rect is
  the view's, which is fixed in x and changes in y only when the data leaves the range).
* Scrolling translates the painter by the part of a bin not yet complete, so the x
  axis, its labels and the title are never repainted by a tick (and no ``setPos``, whose
  Python ``itemChange`` hook cost more than the binning); ticks point outward so the
  axes do not overlap the data area that each frame repaints.
* The y range grows as soon as new samples leave it (checked on the new bins only) and
  is refitted to the whole window twice a second.
* No legend item over the data (it would be repainted every frame): the title names the
  channels in their curve colours.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from tinystudio.ui.palette import channel_color


def make_pen(color: str, width: int = 1):
    pen = pg.mkPen(color, width=width)
    pen.setCosmetic(True)
    return pen


def tune_view(view: QGraphicsView) -> None:
    """Repaint only what changed: no 2-px antialiasing margin around dirty rects (it made
    each frame repaint both axes, which border the data area) and no painter state
    save/restore per item (every item here sets its own pen)."""
    view.setOptimizationFlag(QGraphicsView.DontAdjustForAntialiasing, True)
    view.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)


def consistent_since(ring, start: int, limit: int) -> tuple[np.ndarray, int]:
    """Items ``start..total`` of ``ring`` (at most the newest ``limit``) and ``total``.

    The reader thread may write between reading ``total`` and copying; reading ``total``
    again afterwards tells whether the copy ends exactly at the first reading (a few
    retries, then the newest window is taken as it is)."""
    for _ in range(4):
        total = ring.total
        data = ring.latest(min(total - start, limit))
        if ring.total == total:
            return data, total
    return data, ring.total


class _Channel:
    """One curve's view of the plot buffers (what tests and callers inspect)."""

    def __init__(self, plot: LivePlot, index: int, name: str, pen) -> None:
        self._plot, self._index, self.name, self.pen = plot, index, name, pen

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 (pyqtgraph's name)
        """Times (s, newest sample = 0) and scaled values of the drawn points."""
        p = self._plot
        v = p.valid
        xy = p.xy[self._index][len(p.xy[self._index]) - v :]
        return xy[:, 0] + p.lines.shift, xy[:, 1].copy()


class _Lines(pg.GraphicsObject):
    """Every channel of a plot as polylines sharing memory with numpy buffers."""

    def __init__(self, polys: list, pens: list) -> None:
        super().__init__()
        self.polys, self.pens = polys, pens
        self.valid = 0
        self.shift = 0.0  # x offset (s): the open bin's samples scroll the curves
        self.rect = QRectF(0, 0, 1, 1)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self.rect = rect

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self.rect

    def paint(self, painter, *args) -> None:
        v = self.valid
        if v < 2:
            return
        shift = self.shift
        painter.translate(shift, 0)
        for poly, pen in zip(self.polys, self.pens, strict=True):
            painter.setPen(pen)
            painter.drawPolyline(poly if v == poly.size() else poly.mid(poly.size() - v, v))
        painter.translate(-shift, 0)  # the view does not save painter state (tune_view)


class LivePlot(pg.PlotWidget):
    """Plots selected columns of a sensor's ring buffer over the last ``window_s`` seconds."""

    def __init__(
        self,
        title: str,
        channel_names: list[str],
        columns: list[int],
        scales: list[float],
        rate_hz: float,
        window_s: float = 10.0,
        unit: str = "",
        max_points: int = 2000,
        parent=None,
    ) -> None:
        super().__init__(parent=parent)
        tune_view(self)
        self.columns = list(columns)
        self.scales = np.asarray(scales, dtype=np.float32)
        self.window_s = window_s
        self.rate_hz = max(float(rate_hz), 1.0)
        self.n = max(2, int(round(self.window_s * self.rate_hz)))
        self.max_points = max_points
        # k samples per bin; a bin is drawn as its (min, max), or as the sample when k == 1
        self.k = max(1, -(-self.n // max(1, max_points // 2)))
        self.per_bin = 1 if self.k == 1 else 2
        self.bins = self.n if self.k == 1 else max(1, self.n // self.k - 1)
        points = self.bins * self.per_bin
        self._yrange = None
        self._refit_every = max(1, int(round(0.5 * self.rate_hz / self.k)))  # bins: 0.5 s
        self._reset_state()
        colors = [channel_color(name, col) for name, col in zip(channel_names, self.columns, strict=True)]
        self.pens = [make_pen(c) for c in colors]
        self.polys = [fn.create_qpolygonf(points) for _ in channel_names]
        self.xy = [fn.ndarray_from_qpolygonf(p) for p in self.polys]  # (points, 2) float64 views
        x = self._bin_x()
        for xy in self.xy:
            xy[:, 0] = x
            xy[:, 1] = 0.0
        self.lines = _Lines(self.polys, self.pens)
        self.curves = [_Channel(self, i, name, pen) for i, (name, pen) in enumerate(zip(channel_names, self.pens, strict=True))]

        item = self.getPlotItem()
        names = " ".join(f"<span style='color:{c}'>{name}</span>" for name, c in zip(channel_names, colors, strict=True))
        item.setTitle(names if names else title, size="9pt")
        item.setMenuEnabled(False)
        item.hideButtons()
        # no grid: grid lines are drawn by the axes as a replayed QPicture on every paint
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickLength=5)  # outward: axes stay out of the data area
            # a pixmap of the axis: the data area's repaint may still touch its edge
            axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        item.setLabel("bottom", "s")
        if unit:
            item.setLabel("left", unit)
        item.disableAutoRange()
        item.setXRange(-self.window_s, 0, padding=0)
        item.setMouseEnabled(x=False, y=True)
        item.addItem(self.lines)
        self._fit_y(-1.0, 1.0)
        self.setMinimumHeight(140)

    # ----------------------------------------------------------------- state
    def _reset_state(self) -> None:
        self._seen = -1  # absolute samples taken from the ring
        self._carry = np.zeros((0, len(self.columns)), np.float32)  # samples of the open bin
        self.valid = 0  # drawn points (fewer than the buffer until 10 s have arrived)
        self._since_refit = self._refit_every  # fit y to the first data at once
        if hasattr(self, "lines"):
            self.lines.valid = 0

    def _bin_x(self) -> np.ndarray:
        """Times (s) of the points relative to the end of the newest complete bin."""
        k, rate = self.k, self.rate_hz
        starts = (np.arange(self.bins, dtype=np.float64) - self.bins) * k / rate
        if k == 1:
            return starts
        x = np.repeat(starts, 2)
        x[1::2] += (k - 1) / rate
        return x

    # ----------------------------------------------------------------- input
    def update_from(self, ring) -> bool:
        """Take what arrived since the last call; returns False when nothing new arrived."""
        if ring.total == self._seen:
            return False
        if self._seen < 0 or ring.total < self._seen or ring.total - self._seen > self.n:
            data, total = consistent_since(ring, 0, self.n)  # first call, reset or a long gap
            self.show_data(data, total)
            return True
        data, total = consistent_since(ring, self._seen, self.n)
        if len(data) < total - self._seen:  # more arrived than a window meanwhile
            self.show_data(data, total)
        else:
            self._append(data[:, self.columns], total)
        return True

    def show_data(self, data: np.ndarray, total: int | None = None) -> None:
        """Show ``data`` (samples x all columns), the newest ending at absolute ``total``."""
        self._reset_state()
        data = data[-self.n :]
        total = len(data) if total is None else total
        self._seen = total - len(data)
        self._append(data[:, self.columns], total)

    def _append(self, new: np.ndarray, total: int) -> None:
        k = self.k
        done = self._seen - len(self._carry)  # absolute index where the open bin starts
        if len(self._carry) == 0 and done % k:  # align the first bin to a multiple of k
            skip = min(len(new), -done % k)
            new, done = new[skip:], done + skip
        samples = np.concatenate((self._carry, new)) if len(self._carry) else new
        self._seen = total
        nb = len(samples) // k
        self._carry = samples[nb * k :].astype(np.float32, copy=True)
        if nb:
            take = min(nb, self.bins)
            body = samples[(nb - take) * k : nb * k].reshape(take, k, -1)
            if k == 1:
                block = body[:, 0].astype(np.float32)
            else:
                # (min, max) for even absolute bins, (max, min) for odd ones: the segment
                # joining two bins then runs max->max or min->min instead of across the
                # whole envelope, which halves the pixels stroked for noise-like signals
                # (4.6 -> 2.6 ms for a full-height 2,000-point envelope) and looks the same
                lo, hi = body.min(axis=1), body.max(axis=1)
                odd = ((done // k + nb - take + np.arange(take)) & 1).astype(bool)[:, None]
                block = np.empty((take * 2, body.shape[2]), dtype=np.float32)
                block[0::2] = np.where(odd, hi, lo)
                block[1::2] = np.where(odd, lo, hi)
            block *= self.scales
            m = len(block)
            for j, xy in enumerate(self.xy):
                y = xy[:, 1]
                if m < len(y):
                    y[:-m] = y[m:].copy()
                y[-m:] = block[:, j]
            self.valid = min(len(self.xy[0]) if self.xy else 0, self.valid + m)
            self.lines.valid = self.valid
            self._since_refit += take
            if self._since_refit >= self._refit_every:
                self._since_refit = 0
                lo = min(float(xy[len(xy) - self.valid :, 1].min()) for xy in self.xy)
                hi = max(float(xy[len(xy) - self.valid :, 1].max()) for xy in self.xy)
                self._fit_y(lo, hi)
            else:  # only grow, from the new bins
                lo, hi = float(block.min()), float(block.max())
                if lo < self._yrange[0] or hi > self._yrange[1]:
                    self._fit_y(min(lo, self._yrange[0]), max(hi, self._yrange[1]))
        phase = total - (done + nb * k)  # samples of the open bin: scroll by them
        self.lines.shift = -phase / self.rate_hz
        self.lines.update()

    def _fit_y(self, lo: float, hi: float) -> None:
        """Grow at once, shrink only when the data uses less than a third of the range."""
        if hi <= lo:
            hi, lo = lo + 1e-3, lo - 1e-3
        cur = self._yrange
        if cur is not None:
            clo, chi = cur
            inside = lo >= clo and hi <= chi
            used = (hi - lo) / (chi - clo)
            if inside and used > 0.33:
                return
        pad = (hi - lo) * 0.1
        self._yrange = (lo - pad, hi + pad)
        self.getPlotItem().setYRange(*self._yrange, padding=0)
        x0 = -self.window_s - 2 * self.k / self.rate_hz
        span = self._yrange[1] - self._yrange[0]
        self.lines.set_rect(QRectF(x0, self._yrange[0] - span, -x0 + self.k / self.rate_hz, 3 * span))

    def reset(self) -> None:
        self._reset_state()
