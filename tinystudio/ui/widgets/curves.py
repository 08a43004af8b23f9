"""Training curves: loss and accuracy per epoch, train and validation."""

from __future__ import annotations

import pyqtgraph as pg

from tinystudio.ui.widgets.live_plot import make_pen


class TrainingCurves(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent)
        self.loss_plot = self.addPlot(title="loss")
        self.acc_plot = self.addPlot(title="accuracy")
        # Where the curves are not: loss falls from the top left (legend top right), accuracy
        # rises to the top right (legend bottom right); a legend over a curve hid it.
        for p, offset in ((self.loss_plot, (-5, 5)), (self.acc_plot, (-5, -5))):
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setLabel("bottom", "epoch")
            p.addLegend(offset=offset, brush=pg.mkBrush(128, 128, 128, 40))
            p.setMenuEnabled(False)
        self.acc_plot.setYRange(0, 1)
        self.curves = {
            "loss": self.loss_plot.plot(pen=make_pen("#4363d8", 2), name="train", symbol="o", symbolSize=4),
            "val_loss": self.loss_plot.plot(pen=make_pen("#f58231", 2), name="validation"),
            "accuracy": self.acc_plot.plot(pen=make_pen("#4363d8", 2), name="train", symbol="o", symbolSize=4),
            "val_accuracy": self.acc_plot.plot(pen=make_pen("#f58231", 2), name="validation"),
        }
        self.history: dict[str, list[float]] = {k: [] for k in self.curves}
        self.epochs: list[int] = []
        self.setMinimumHeight(200)

    def reset(self) -> None:
        self.epochs = []
        for k, c in self.curves.items():
            self.history[k] = []
            c.setData([], [])

    def add_epoch(self, p) -> None:
        self.epochs.append(p.epoch)
        for key in self.curves:
            v = getattr(p, key, None)
            self.history[key].append(float("nan") if v is None else float(v))
        for key, curve in self.curves.items():
            ys = self.history[key]
            if any(y == y for y in ys):  # not all NaN
                curve.setData(self.epochs, ys, connect="finite")
