"""The newest camera image, shown only when a new one has arrived."""

from __future__ import annotations

import pyqtgraph as pg


class CameraView(pg.GraphicsLayoutWidget):
    def __init__(self, title: str = "camera", parent=None) -> None:
        super().__init__(parent=parent)
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.img = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.img)
        self._last_total = -1
        self.setMinimumSize(160, 120)
        self.setToolTip(title)

    def update_from(self, ring) -> bool:
        total = ring.total
        if total == self._last_total or total == 0:
            return False
        self._last_total = total
        frame = ring.latest(1)[0]
        if frame.ndim == 3 and frame.shape[2] == 1:
            frame = frame[:, :, 0]
        self.img.setImage(frame, autoLevels=False, levels=(0, 255))
        return True
