"""One camera frame drawn at its own pixels, scaled to fit, with a caption.

Why: a camera is seen, not plotted; a line graph of mean brightness tells nothing of
what the camera saw. Frames are drawn as they were recorded (GRAY8 or RGB888, levels
fixed at 0..255 so a dark frame looks dark), aspect locked, nearest-pixel scaling, so a
96 x 96 frame shows its real pixels. ``shown`` is the array on screen, which tests
compare with the recorded frame.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def displayable(frame: np.ndarray) -> np.ndarray:
    """``(h, w)``, ``(h, w, 1)`` or ``(h, w, 3)`` -> uint8 ``(h, w)`` or ``(h, w, 3)``."""
    f = np.asarray(frame)
    if f.ndim == 3 and f.shape[2] == 1:
        f = f[:, :, 0]
    return np.clip(f, 0, 255).astype(np.uint8)


class FrameView(QWidget):
    def __init__(self, caption: str = "", parent=None, min_size: int = 160) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.view = self.graphics.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.img = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.img)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignCenter)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.caption)
        self.graphics.setMinimumSize(min_size, min_size)
        self.shown: np.ndarray | None = None

    def show_frame(self, frame: np.ndarray, caption: str | None = None) -> None:
        self.shown = displayable(frame)
        self.img.setImage(self.shown, autoLevels=False, levels=(0, 255))
        h, w = self.shown.shape[:2]
        self.view.setRange(xRange=(0, w), yRange=(0, h), padding=0)
        if caption is not None:
            self.caption.setText(caption)

    def clear(self, caption: str = "") -> None:
        self.shown = None
        self.img.clear()
        self.caption.setText(caption)
