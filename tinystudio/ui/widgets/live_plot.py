"""A scrolling multi-channel plot that redraws from a ring buffer at display rate.

Built for speed: one curve item per channel created once; peak decimation in numpy
before anything reaches pyqtgraph (min and max of each bin of samples, bins aligned to
the absolute sample count so they do not flicker as the window scrolls), so each curve
carries about two points per pixel column whatever the rate (10 s of 16 kHz audio is
160,000 samples, 2,000 points drawn), which is pyqtgraph's 'peak' downsampling done once
in numpy instead of per curve per call (the view is fixed, so clipping has nothing to
clip); cosmetic 1-px pens; and a y range that only changes when the data
leaves it (pyqtgraph's auto-range would rescan every curve every frame).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

#: Distinct curve colours readable on light and dark backgrounds.
CHANNEL_COLORS = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#9a6324", "#808000", "#469990",
)


def make_pen(color: str, width: int = 1):
    pen = pg.mkPen(color, width=width)
    pen.setCosmetic(True)
    return pen


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
        self.columns = list(columns)
        self.scales = np.asarray(scales, dtype=np.float32)
        self.window_s = window_s
        self.rate_hz = max(float(rate_hz), 1.0)
        self.n = max(2, int(round(self.window_s * self.rate_hz)))
        self.max_points = max_points
        self._x_cache: dict[tuple[int, int], np.ndarray] = {}
        self._last_total = -1
        self._yrange = None
        item = self.getPlotItem()
        item.setTitle(title, size="9pt")
        item.setMenuEnabled(False)
        item.hideButtons()
        # no grid: grid lines are drawn by the axes as a replayed QPicture on every paint,
        # and were ~40% of the page's frame time (measured with cProfile)
        item.setLabel("bottom", "s")
        if unit:
            item.setLabel("left", unit)
        item.disableAutoRange()
        item.setXRange(-self.window_s, 0, padding=0)
        item.setMouseEnabled(x=False, y=True)
        legend = item.addLegend(offset=(5, 5), labelTextSize="8pt")
        legend.setColumnCount(min(len(columns), 6))
        self.curves = []
        for i, name in enumerate(channel_names):
            # PlotCurveItem, not PlotDataItem: the data is already decimated to the pixel
            # grid, so PlotDataItem's per-call clip/downsample pipeline is pure overhead.
            curve = pg.PlotCurveItem(pen=make_pen(CHANNEL_COLORS[i % len(CHANNEL_COLORS)]),
                                     name=name, skipFiniteCheck=True)
            item.addItem(curve)
            self.curves.append(curve)
        self.setMinimumHeight(140)

    def _x(self, bins: int, k: int) -> np.ndarray:
        """Times (s, newest = 0) of the decimated points: each bin gives (min, max)."""
        x = self._x_cache.get((bins, k))
        if x is None:
            if k == 1:
                x = (np.arange(bins, dtype=np.float64) - (bins - 1)) / self.rate_hz
            else:
                starts = (np.arange(bins, dtype=np.float64) * k - (bins * k - 1)) / self.rate_hz
                x = np.repeat(starts, 2)
                x[1::2] += (k - 1) / self.rate_hz
            self._x_cache = {(bins, k): x}
        return x

    def update_from(self, ring) -> bool:
        """Pull the newest window from ``ring``; returns False when nothing new arrived."""
        total = ring.total
        if total == self._last_total:
            return False
        self._last_total = total
        data = ring.latest(self.n)
        self.show_data(data, total)
        return True

    def show_data(self, data: np.ndarray, total: int | None = None) -> None:
        n = len(data)
        if n == 0:
            for c in self.curves:
                c.setData([], [])
            return
        total = n if total is None else total
        cols = data[:, self.columns]
        k = max(1, -(-n // (self.max_points // 2)))  # samples per bin
        if k == 1:
            block = cols.astype(np.float32)
            x = self._x(n, 1)
            shift = 0.0
        else:
            phase = total % k  # align bins to absolute sample numbers: no flicker
            bins = (n - phase) // k
            body = cols[n - phase - bins * k : n - phase].reshape(bins, k, -1)
            block = np.empty((bins * 2, cols.shape[1]), dtype=np.float32)
            if k <= 16:  # few samples per bin: k elementwise passes beat a strided reduce
                lo, hi = body[:, 0].copy(), body[:, 0].copy()
                for i in range(1, k):
                    np.minimum(lo, body[:, i], out=lo)
                    np.maximum(hi, body[:, i], out=hi)
                block[0::2], block[1::2] = lo, hi
            else:
                block[0::2] = body.min(axis=1)
                block[1::2] = body.max(axis=1)
            x = self._x(bins, k)
            shift = -phase / self.rate_hz
        block *= self.scales
        if shift:
            x = x + shift
        for j, curve in enumerate(self.curves):
            curve.setData(x, block[:, j], skipFiniteCheck=True)
        self._fit_y(float(block.min()), float(block.max()))

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

    def reset(self) -> None:
        self._last_total = -1
