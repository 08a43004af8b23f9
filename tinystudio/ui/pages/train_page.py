"""Train page: model, epochs, learning rate and window; live curves; the verdicts.

Training runs ``tinystudio train`` (the same ``train_project``) in a child process watched
by a worker, so TensorFlow never shares the window's GIL (see train_process.py). Epoch
ends and status lines arrive as queued events. Afterwards: float and int8 confusion matrices, the
model and arena size against the model's budget, and whether it fits each known board.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.widgets.confusion import ConfusionMatrix
from tinystudio.ui.widgets.curves import TrainingCurves
from tinystudio.ui.workers import start_worker


def _train(project_path, options, *, progress, stop, event):
    """Worker body: the trainer runs in a child process (see train_process.py)."""
    from tinystudio.ui.train_process import train_in_process

    return train_in_process(project_path, options, progress=progress, stop=stop, event=event)


def _fmt_eta(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class TrainPage(QWidget):
    title = "Train"
    trained = Signal(object)  # TrainReport

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker = None
        self.report = None
        self.model_combo = QComboBox()
        self.model_combo.currentIndexChanged.connect(self._model_chosen)
        self.budget_label = QLabel("")
        self.budget_label.setWordWrap(True)  # the model's description is longer than the column
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(40)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(4)
        self.learning_rate.setRange(0.0001, 0.1)
        self.learning_rate.setSingleStep(0.0005)
        self.learning_rate.setValue(0.003)
        self.learning_rate.setToolTip("Adam learning rate, saved in the project's training settings")
        self.window_ms = QSpinBox()
        self.window_ms.setRange(0, 10000)
        self.window_ms.setSpecialValueText("automatic")
        self.window_ms.setSuffix(" ms")
        self.board_combo = QComboBox()
        form = QFormLayout()
        form.addRow("Model", self.model_combo)
        form.addRow("Size budget", self.budget_label)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Window", self.window_ms)
        form.addRow("Must fit", self.board_combo)
        self.start_button = QPushButton("Start training")
        self.start_button.setShortcut("Ctrl+T")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Label some data, then train.")
        self.status.setWordWrap(True)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addStretch(1)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setMaximumWidth(380)

        self.curves = TrainingCurves()
        self.float_cm = ConfusionMatrix("float model")
        self.int8_cm = ConfusionMatrix("int8 model")
        self.size_label = QLabel("")
        self.size_label.setWordWrap(True)
        self.fit_table = QTableWidget(0, 2)
        self.fit_table.setHorizontalHeaderLabels(["board", "verdict"])
        self.fit_table.horizontalHeader().setStretchLastSection(True)
        self.fit_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.fit_table.verticalHeader().setVisible(False)
        self.fit_table.setEditTriggers(QTableWidget.NoEditTriggers)
        grid = QGridLayout()
        grid.addWidget(self.float_cm, 0, 0)
        grid.addWidget(self.int8_cm, 0, 1)
        right = QVBoxLayout()
        right.addWidget(self.curves, 2)
        right.addLayout(grid, 1)
        right.addWidget(self.size_label)
        right.addWidget(self.fit_table, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_w)
        layout.addLayout(right, 1)
        ctx.project_changed.connect(self._project_changed)
        self._fill_boards()

    # ------------------------------------------------------------ choices
    def _fill_boards(self) -> None:
        try:
            from tinystudio.ml.fit import boards

            self.board_combo.addItem("(any)", None)
            for b in boards():
                self.board_combo.addItem(b.name, b.id)
        except Exception as exc:  # noqa: BLE001 - a broken boards.json must not stop the window
            self.ctx.report(exc)

    def _sensor_kind(self) -> str | None:
        project = self.ctx.project
        if project is None:
            return None
        kinds = {r.sensor_kind for r in project.recordings() if r.segments}
        return kinds.pop() if len(kinds) == 1 else None

    def _project_changed(self, project) -> None:
        from tinystudio.ml.models import DEFAULT_MODEL, MODELS

        kind = self._sensor_kind()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for spec in MODELS.values():
            if kind is None or spec.sensor_kind == kind:
                self.model_combo.addItem(f"{spec.name} ({spec.sensor_kind})", spec.name)
        self.model_combo.blockSignals(False)
        settings = (project.settings.get("train", {}) if project is not None else {})
        name = settings.get("model") or DEFAULT_MODEL.get(kind or "imu")
        idx = self.model_combo.findData(name)
        self.model_combo.setCurrentIndex(max(0, idx))
        self._model_chosen()
        if "epochs" in settings:
            self.epochs.setValue(int(settings["epochs"]))
        if "window_ms" in settings:
            self.window_ms.setValue(int(settings["window_ms"]))

    def _model_chosen(self) -> None:
        from tinystudio.ml.models import MODELS

        spec = MODELS.get(self.model_combo.currentData())
        if spec is not None:
            self.budget_label.setText(f"≤ {spec.budget_bytes:,} B int8 — {spec.description}")

    # ------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.is_running

    def start(self) -> None:
        from tinystudio.ml.pipeline import TrainOptions

        project = self.ctx.project
        if project is None or self.running:
            return
        train = dict(project.settings.get("train", {}))
        train["model"] = self.model_combo.currentData()
        train["epochs"] = self.epochs.value()
        train["learning_rate"] = self.learning_rate.value()
        if self.window_ms.value():
            train["window_ms"] = self.window_ms.value()
        else:
            train.pop("window_ms", None)
        project.settings["train"] = train
        self.ctx.save_now()
        options = TrainOptions(epochs=self.epochs.value(), model=train["model"],
                               board=self.board_combo.currentData())
        self.curves.reset()
        self.progress.setRange(0, self.epochs.value())
        self.progress.setValue(0)
        self.status.setText("starting (loading TensorFlow) …")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.worker = start_worker(
            _train, str(project.path), options, pass_event=True,
            on_event=self._event, on_progress=self._batch,
            on_result=self._done, on_error=self._failed, on_finished=self._finished,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.quit()
            self.status.setText("stopping after this batch …")

    def _event(self, message) -> None:
        if isinstance(message, str):
            self.status.setText(message)
            return
        self.curves.add_epoch(message)
        self.progress.setRange(0, message.epochs)
        self.progress.setValue(message.epoch)
        self.progress.setFormat(f"epoch %v / %m — ETA {_fmt_eta(message.eta_seconds)}")
        self.status.setText(
            f"epoch {message.epoch}/{message.epochs}: loss {message.loss:.3f}, "
            f"accuracy {message.accuracy:.1%}, ETA {_fmt_eta(message.eta_seconds)}"
        )

    def _batch(self, b) -> None:
        self.progress.setFormat(f"epoch {b.epoch} batch {b.batch}/{b.batches}")

    def _done(self, report) -> None:
        self.report = report
        labels = report.classes
        self.float_cm.set_matrix(labels, report.float_metrics["confusion"], report.float_metrics["accuracy"])
        self.int8_cm.set_matrix(labels, report.int8_metrics["confusion"], report.int8_metrics["accuracy"])
        self.size_label.setText(
            f"{report.model_name}: {report.model_bytes:,} B int8 (budget {report.budget_bytes:,} B), "
            f"TFLM arena {report.arena_bytes:,} B, {report.epochs_run} epochs in "
            f"{report.train_seconds:.1f} s — saved in {Path(report.model_path).parent.name}"
        )
        self.fit_table.setRowCount(len(report.fit_messages))
        for row, (board, msg) in enumerate(sorted(report.fit_messages.items())):
            mark = "✔" if report.fits.get(board) else "✘"
            self.fit_table.setItem(row, 0, QTableWidgetItem(f"{mark} {board}"))
            self.fit_table.setItem(row, 1, QTableWidgetItem(msg))
        self.status.setText(f"done: int8 accuracy {report.int8_metrics['accuracy']:.1%} on the test split")
        self.ctx.model_path = report.model_path
        self.ctx.model_changed.emit(report.model_path)
        self.trained.emit(report)

    def _failed(self, exc) -> None:
        from tinystudio.ml.trainer import TrainingStopped

        if isinstance(exc, TrainingStopped):
            self.status.setText(str(exc))
        else:
            self.status.setText(f"training failed: {exc}")
            self.ctx.report(exc)

    def _finished(self) -> None:
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.quit()
