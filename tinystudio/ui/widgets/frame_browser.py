"""A camera recording as thumbnails with their class, and the current frame large.

Why: labeling images means looking at them. The thumbnails are a grid that wraps (an
imported image folder reads as a contact sheet with each image's class under it) or, in
a short strip, a filmstrip; clicking one shows it large, Shift/Ctrl+click or
Shift+arrows select a range. The page turns the selection into a label operation
(tinystudio.dataset.frame_labels); this widget only shows and selects.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from tinystudio.ui.widgets.frame_view import FrameView, displayable

THUMB = 56
#: More frames than this get no thumbnails past it (the large view still shows them all).
MAX_THUMBS = 4000


def thumbnail(frame: np.ndarray, size: int = THUMB) -> QPixmap:
    """Nearest-pixel scaled pixmap: small frames stay crisp blocks, not blur."""
    f = np.ascontiguousarray(displayable(frame))
    h, w = f.shape[:2]
    if f.ndim == 2:
        img = QImage(f.data, w, h, w, QImage.Format_Grayscale8)
    else:
        img = QImage(f.data, w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(img.copy()).scaled(size, size, Qt.KeepAspectRatio, Qt.FastTransformation)


def runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted rows -> contiguous ``(start, end)`` runs, end exclusive."""
    out: list[tuple[int, int]] = []
    for r in sorted(set(rows)):
        if out and out[-1][1] == r:
            out[-1] = (out[-1][0], r + 1)
        else:
            out.append((r, r + 1))
    return out


class FrameBrowser(QWidget):
    current_changed = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.frames: np.ndarray | None = None
        self.labels: list[str | None] = []
        self.view = FrameView(min_size=140)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setFlow(QListView.LeftToRight)
        self.grid.setWrapping(True)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setMovement(QListView.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 24, THUMB + 40))
        self.grid.setWordWrap(True)  # number and class on two lines, not elided to "12..."
        self.grid.setTextElideMode(Qt.ElideNone)
        self.grid.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.grid.currentRowChanged.connect(self._current)
        self.grid.setMinimumHeight(2 * (THUMB + 40) + 8)  # two rows of captioned thumbnails
        layout = QHBoxLayout(self)  # the frame beside the grid: both get the page's height
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 2)
        layout.addWidget(self.grid, 3)

    def set_frames(self, frames: np.ndarray, labels: list[str | None], colors: dict[str, str]) -> None:
        self.frames = frames
        self.grid.clear()
        for i in range(min(len(frames), MAX_THUMBS)):
            item = QListWidgetItem(QIcon(thumbnail(frames[i])), "")
            item.setData(Qt.UserRole, i)
            self.grid.addItem(item)
        self.set_labels(labels, colors)
        if len(frames):
            self.grid.setCurrentRow(0)

    def set_labels(self, labels: list[str | None], colors: dict[str, str]) -> None:
        """Each thumbnail's caption and tint: its class, or '-' for unlabeled frames."""
        self.labels = list(labels)
        for i in range(self.grid.count()):
            item = self.grid.item(i)
            label = self.labels[i] if i < len(self.labels) else None
            item.setText(f"{i}\n{label or '-'}")
            if label and label in colors:
                c = QColor(colors[label])
                c.setAlpha(90)
                item.setBackground(QBrush(c))
            else:
                item.setBackground(QBrush())
        self._caption(self.current_index())

    def current_index(self) -> int:
        return max(0, self.grid.currentRow())

    def set_current(self, index: int) -> None:
        self.grid.setCurrentRow(index)

    def selected_runs(self) -> list[tuple[int, int]]:
        """The selected frames as contiguous runs (the current frame when none is selected)."""
        rows = [self.grid.row(it) for it in self.grid.selectedItems()]
        if not rows and self.frames is not None and len(self.frames):
            rows = [self.current_index()]
        return runs(rows)

    def select_range(self, start: int, end: int) -> None:
        self.grid.clearSelection()
        for i in range(start, min(end, self.grid.count())):
            self.grid.item(i).setSelected(True)

    def _current(self, row: int) -> None:
        if self.frames is None or not 0 <= row < len(self.frames):
            return
        self.view.show_frame(self.frames[row])
        self._caption(row)
        self.current_changed.emit(row)

    def _caption(self, row: int) -> None:
        if self.frames is None or not len(self.frames):
            self.view.clear()
            return
        h, w = self.frames.shape[1:3]
        label = self.labels[row] if row < len(self.labels) else None
        more = f" (thumbnails for the first {MAX_THUMBS})" if len(self.frames) > MAX_THUMBS else ""
        self.view.caption.setText(f"frame {row} of {len(self.frames)} · {w}x{h} · {label or 'unlabeled'}{more}")

    def clear(self) -> None:
        self.frames = None
        self.labels = []
        self.grid.clear()
        self.view.clear()
