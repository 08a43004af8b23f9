"""A scrolling audio spectrogram: a new column per hop of new samples, numpy FFT only.

Each refresh takes only the audio that arrived since the previous one (read consistently
from the ring), cuts it into overlapping frames (``n_fft`` samples every ``hop``), turns
the new log-magnitude columns into colours with a fixed 256-entry lookup table and a
fixed dB range, and writes them into a preallocated 32-bit image that Qt draws directly
(the ``QImage`` shares the numpy memory: no per-frame level scaling or conversion of the
whole image, which is what ``ImageItem.setImage`` would redo every frame). The image is
two windows wide and every column is written twice (at ``i`` and ``i + cols``), so the
visible window is always one contiguous source rectangle: scrolling moves that rectangle
instead of shifting 800 KB of pixels per tick.

The hop is ``rate / columns_per_s`` (16 kHz: 200 samples, 80 columns/s) so the picture
moves on every display tick at 60 fps, and 10 s are about 800 columns, one per pixel of
a typical plot width. Cost per refresh at 16 kHz: about two 512-point FFTs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.lib.stride_tricks import sliding_window_view
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem

from tinystudio.ui.widgets.live_plot import consistent_since, tune_view


class _ImageItem(pg.GraphicsObject):
    """Draws a QImage into a fixed rectangle of the plot (no levels, no LUT per frame)."""

    def __init__(self, qimage: QImage, rect: QRectF, cols: int) -> None:
        super().__init__()
        self.qimage, self.rect = qimage, rect
        self.source = QRectF(0, 0, cols, qimage.height())

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self.rect

    def paint(self, painter, *args) -> None:
        painter.drawImage(self.rect, self.qimage, self.source)


def _lut32(name: str = "viridis") -> np.ndarray:
    rgb = pg.colormap.get(name).getLookupTable(nPts=256, alpha=False).astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


class Spectrogram(pg.PlotWidget):
    def __init__(
        self, rate_hz: float, window_s: float = 10.0, n_fft: int = 512, channel: int = 0,
        db_range: tuple[float, float] = (30.0, 110.0), columns_per_s: float = 80.0, parent=None,
    ) -> None:
        super().__init__(parent=parent)
        tune_view(self)
        self.rate_hz = float(rate_hz)
        self.n_fft = n_fft
        self.channel = channel
        self.hop = max(1, int(round(self.rate_hz / columns_per_s)))
        self.cols = max(8, int(window_s * self.rate_hz / self.hop))
        self.bins = n_fft // 2 + 1
        self.db_range = db_range
        self._lut = _lut32()
        # row = frequency bin (row 0 = 0 Hz, drawn at the bottom of the y-up view), col = time
        self._buf = np.full((self.bins, 2 * self.cols), self._lut[0], dtype=np.uint32)
        self._w = 0  # oldest visible column; the window is _buf[:, _w : _w + cols]
        self.qimage = QImage(self._buf.data, 2 * self.cols, self.bins, 2 * self.cols * 4, QImage.Format_RGB32)
        self.last_column_db = np.full(self.bins, db_range[0], dtype=np.float32)
        self._window = np.hanning(n_fft).astype(np.float32)
        self._last_total: int | None = None
        self._pending = np.zeros(0, dtype=np.float32)
        item = self.getPlotItem()
        item.setTitle("spectrogram", size="9pt")
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickLength=5)  # outward: out of the repainted area
            axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # blit, not re-drawn
        item.setLabel("bottom", "s")
        item.setLabel("left", "Hz")
        seconds = self.cols * self.hop / self.rate_hz
        self.img = _ImageItem(self.qimage, QRectF(-seconds, 0, seconds, self.rate_hz / 2), self.cols)
        item.addItem(self.img)
        item.disableAutoRange()
        item.setXRange(-seconds, 0, padding=0)
        item.setYRange(0, self.rate_hz / 2, padding=0)
        self.setMinimumHeight(140)

    def update_from(self, ring) -> bool:
        total = ring.total
        span = self.cols * self.hop + self.n_fft
        if self._last_total is None or total < self._last_total:
            self._last_total = max(0, total - span)
            self._pending = self._pending[:0]
        if total == self._last_total:
            return False
        data, total = consistent_since(ring, self._last_total, min(span, ring.capacity))
        if len(data) < total - self._last_total:  # a gap: start the frames afresh
            self._pending = self._pending[:0]
        self._last_total = total
        return self.push(data[:, self.channel].astype(np.float32))

    def push(self, audio: np.ndarray) -> bool:
        """Append audio; returns True when at least one new column was drawn."""
        audio = np.concatenate((self._pending, audio)) if len(self._pending) else audio
        if len(audio) < self.n_fft:
            self._pending = audio.copy()
            return False
        k = (len(audio) - self.n_fft) // self.hop + 1
        self._pending = audio[k * self.hop :].copy()
        k_draw = min(k, self.cols)
        frames = sliding_window_view(audio, self.n_fft)[:: self.hop][k - k_draw : k] * self._window
        mag = np.abs(np.fft.rfft(frames, axis=1))
        db = 20.0 * np.log10(mag + 1e-3)
        self.last_column_db = db[-1].astype(np.float32)
        lo, hi = self.db_range
        idx = np.clip((db - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
        at = (self._w + np.arange(k_draw)) % self.cols
        colours = self._lut[idx].T
        self._buf[:, at] = colours
        self._buf[:, at + self.cols] = colours
        self._w = (self._w + k_draw) % self.cols
        self.img.source.moveLeft(self._w)
        self.img.update()
        return True

    @property
    def image(self) -> np.ndarray:
        """The visible colours (frequency bin x column, oldest column first): a view."""
        return self._buf[:, self._w : self._w + self.cols]
