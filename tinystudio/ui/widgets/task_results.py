"""Train page results of an anomaly or a regression model (a classifier's are matrices).

Anomaly: AUC when the test split has faults, the calibrated threshold, false alarms per
hour of normal test data (with the count and the hours it is measured on) and the share of
each fault's windows detected. Regression: MAE, RMSE and R² of the int8 and float models,
and the int8 model's predicted-vs-true plot on the test split (the diagonal is perfect).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from tinystudio.ui.widgets.live_plot import make_pen

#: What the Task choice offers: (project.json value, text).
TASKS = (("classification", "Classification (which class)"),
         ("anomaly", "Anomaly detection (normal data only)"),
         ("regression", "Regression (a number)"))


def task_of(project) -> str:
    return str(getattr(project, "task", None) or "classification")


def result_line(report) -> str:
    """The headline of a finished run, in the task's own figures."""
    m = report.int8_metrics
    if report.task == "anomaly":
        auc = "" if m.get("auc") is None else f"AUC {m['auc']:.3f}, "
        rate = m.get("false_alarms_per_hour")
        alarms = "no normal test data" if rate is None else f"{rate:.2f} false alarms per hour"
        return f"int8 {auc}{alarms} at threshold {m.get('threshold', 0):.0f} (int8 score)"
    if report.task == "regression":
        return f"int8 MAE {m['mae']:.4g}, R² {m['r2'] if m.get('r2') is None else round(m['r2'], 4)}"
    return f"int8 accuracy {m['accuracy']:.1%}"


def fill_model_combo(combo, task: str, sensor_kind: str | None) -> None:
    """The Model choices of a task: the classifier search and its models (of the project's
    sensor), the anomaly models (autoencoder by default), or the one regressor."""
    combo.clear()
    if task == "anomaly":
        from tinystudio.ml.anomaly import MODELS as ANOMALY_MODELS

        combo.addItem("Autoencoder error (default)", None)
        for name in ANOMALY_MODELS:
            combo.addItem(name, name)
    elif task == "regression":
        combo.addItem("Dense 16-16-1, linear output", None)
    else:
        from tinystudio.ml.models import MODELS

        combo.addItem("Automatic (model search)", None)
        for spec in MODELS.values():
            if sensor_kind is None or spec.sensor_kind == sensor_kind:
                combo.addItem(f"{spec.name} ({spec.sensor_kind})", spec.name)


def anomaly_text(report) -> str:
    m, f = report.int8_metrics, report.float_metrics or {}
    ev = report.evaluation or {}
    auc = "no faults in the test split" if m.get("auc") is None else f"{m['auc']:.3f}"
    lines = [f"AUC (int8): {auc}" + (f"   float: {f['auc']:.3f}" if f.get("auc") is not None else ""),
             f"threshold: {ev.get('threshold', m.get('threshold')):.3g} (set on "
             f"{ev.get('calibration_windows', '?')} held-out normal windows for "
             f"≤ {ev.get('false_alarms_per_hour_target', 1):g} false alarm per hour)"]
    rate = m.get("false_alarms_per_hour")
    lines.append(f"false alarms: {rate:.2f} per hour ({m.get('false_alarms', 0)} in "
                 f"{m.get('normal_hours', 0):.2f} h of normal test data)" if rate is not None
                 else "false alarms: no normal test data")
    if m.get("detected"):
        lines.append("detected: " + ", ".join(f"{k} {v:.0%}" for k, v in m["detected"].items()))
    return "\n".join(lines)


def regression_text(report) -> str:
    m, f = report.int8_metrics, report.float_metrics or {}

    def row(name, d):
        r2 = "–" if d.get("r2") is None else f"{d['r2']:.4f}"
        return f"{name}: MAE {d.get('mae', float('nan')):.4g}, RMSE {d.get('rmse', float('nan')):.4g}, R² {r2}"

    target = ", ".join(report.classes)
    return f"predicts {target} ({m.get('n', 0)} test windows)\n" + row("int8", m) + "\n" + row("float", f)


class TaskResults(QGroupBox):
    def __init__(self, parent=None) -> None:
        super().__init__("results", parent)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "true")
        item.setLabel("left", "predicted (int8)")
        self.points = item.plot(pen=None, symbol="o", symbolSize=4, symbolBrush="#1f77b4")
        self.diagonal = item.plot(pen=make_pen("#888888", 1))
        self.pairs: tuple[list, list] = ([], [])
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.plot, 1)

    def show_report(self, report) -> None:
        if report.task == "anomaly":
            self.setTitle("anomaly detection on the test split")
            self.text.setText(anomaly_text(report))
            self.plot.hide()
            return
        self.setTitle("regression on the test split")
        self.text.setText(regression_text(report))
        pairs = (report.evaluation or {}).get("predictions") or {}
        true, pred = list(pairs.get("true", [])), list(pairs.get("predicted", []))
        self.pairs = (true, pred)
        self.points.setData(true, pred)
        if true:
            lo, hi = min(true + pred), max(true + pred)
            self.diagonal.setData([lo, hi], [lo, hi])
        self.plot.setVisible(bool(true))

    def clear(self) -> None:
        self.text.setText("")
        self.pairs = ([], [])
        self.points.setData([], [])
        self.diagonal.setData([], [])
