"""Train page: model, epochs, learning rate and window; live curves; the verdicts.

Training runs ``tinystudio train`` (the same ``train_project``) in a child process watched
by a worker, so TensorFlow never shares the window's GIL (see train_process.py). Epoch
ends and status lines arrive as queued events. Afterwards: float and int8 confusion matrices, the
model and arena size against the model's budget, and whether it fits each known board.

No dead ends: the page says what to do when there is nothing to train yet, shows the split
and its counts before it is applied, refuses to start into a failure it can foresee and
offers the fix in a banner, ends every run in a plain final state (done, stopped early,
stopped, failed), and shows the current model's results again after a restart.
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

from tinystudio.ui import split_plan
from tinystudio.ui.pages.split_panel import SplitPanel
from tinystudio.ui.pages.train_text import readiness
from tinystudio.ui.pages.train_wake import WakeTradeoffPanel
from tinystudio.ui.widgets.banner import Banner
from tinystudio.ui.widgets.confusion import ConfusionMatrix
from tinystudio.ui.widgets.curves import TrainingCurves
from tinystudio.ui.widgets.fit_table import FitTable
from tinystudio.ui.widgets.task_results import (
    TASKS,
    TaskResults,
    fill_model_combo,
    result_line,
    task_of,
)
from tinystudio.ui.widgets.when_shown import WhenShown
from tinystudio.ui.workers import start_worker

#: Columns of the candidate-model table: (header, the candidate's field, format). The
#: fields are those of ``ml.search.Candidate.to_dict()`` as stored in report.json.
CANDIDATE_COLUMNS = (
    ("model", "name", "{}"),
    ("val. acc.", "accuracy", "{:.1%}"),
    ("int8 size", "model_bytes", "{:,} B"),
    ("arena", "arena_bytes", "{:,} B"),
    ("latency", "latency_ms", "{:.2f} ms"),
)


def _train(project_path, options, *, progress, stop, event):
    """Worker body: the trainer runs in a child process (see train_process.py)."""
    from tinystudio.ui.train_process import train_in_process

    return train_in_process(project_path, options, progress=progress, stop=stop, event=event)


def _fmt_eta(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def candidate_cell(candidate: dict, key: str, fmt: str) -> str:
    """One table cell; a field the run did not measure shows as a dash."""
    value = candidate.get(key)
    if value is None:
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


class TrainPage(QWidget):
    title = "Train"
    trained = Signal(object)  # TrainReport

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker = None
        self.report = None
        #: The current model's report while a new run starts: a stopped run changes nothing
        #: on disk, so the page shows that model again rather than empty results.
        self._kept_report = None
        self.model_combo = QComboBox()
        self.model_combo.currentIndexChanged.connect(self._model_chosen)
        self.budget_label = QLabel("")
        self.budget_label.setWordWrap(True)  # the model's description is longer than the column
        self.epochs = QSpinBox()
        # 0 = the trainer's own default per front end, so the window and `tinystudio train`
        # agree (80 for motion windows, 40 for audio, 30 for images)
        self.epochs.setRange(0, 1000)
        self.epochs.setSpecialValueText("automatic")
        self.epochs.setValue(0)
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
        self.task_combo = QComboBox()
        for value, text in TASKS:
            self.task_combo.addItem(text, value)
        self.task_combo.setToolTip("what the model learns; saved in project.json (`tinystudio new --task`)")
        self.task_combo.currentIndexChanged.connect(self._task_chosen)
        form = QFormLayout()
        form.addRow("Task", self.task_combo)
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
        self.status = QLabel(readiness(None))
        self.status.setWordWrap(True)
        self.split_panel = SplitPanel(ctx)
        self.banner = Banner()
        self.banner.action.connect(self._apply_fix)
        self.blocker = None
        self._requested_epochs = 0
        self._last_epoch = 0
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.split_panel)
        left.addWidget(self.banner)
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
        # per-class precision/recall/F1 and the warnings that a figure is not as good as it
        # looks (ml/quality.py): a bad model is never shown as a good one
        self.class_scores = QLabel("")
        self.class_scores.setWordWrap(True)
        self.quality_label = QLabel("")
        self.quality_label.setWordWrap(True)
        self.quality_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.quality_label.hide()
        self.fit_table = FitTable()
        self.candidates = QTableWidget(0, len(CANDIDATE_COLUMNS))
        self.candidates.setHorizontalHeaderLabels([c[0] for c in CANDIDATE_COLUMNS])
        self.candidates.verticalHeader().setVisible(False)
        self.candidates.setEditTriggers(QTableWidget.NoEditTriggers)
        # whole figures, scrolled sideways on a narrow window rather than cut to "10…"
        self.candidates.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.candidates.horizontalHeader().setStretchLastSection(True)
        self.candidates.setToolTip("the models the trainer tried; the chosen one is the current model")
        self.candidates.hide()
        self.task_results = TaskResults()  # anomaly / regression figures in place of matrices
        self.task_results.hide()
        grid = QGridLayout()
        grid.addWidget(self.float_cm, 0, 0)
        grid.addWidget(self.int8_cm, 0, 1)
        grid.addWidget(self.task_results, 0, 0, 1, 2)
        right = QVBoxLayout()
        right.addWidget(self.curves, 2)
        right.addLayout(grid, 1)
        right.addWidget(self.quality_label)
        right.addWidget(self.class_scores)
        right.addWidget(self.size_label)
        self.wake = WakeTradeoffPanel(ctx, lambda: self.running)  # keyword models: FA/h vs misses
        right.addWidget(self.wake, 1)
        tables = QHBoxLayout()
        tables.addWidget(self.fit_table, 1)
        tables.addWidget(self.candidates, 1)
        right.addLayout(tables, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_w)
        layout.addLayout(right, 1)
        # The readiness line plans a split over every recording (0.75 s at 10,000): it
        # follows label edits only while this page can be seen, and catches up on show.
        self._ready_gate = WhenShown(self, self._data_changed_now)
        ctx.project_changed.connect(self._project_changed)
        ctx.recordings_changed.connect(self._data_changed)
        self._fill_boards()
        self._show_validation(False)

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

        kind = self._sensor_kind()
        task = task_of(project)
        self.task_combo.blockSignals(True)
        self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(task)))
        self.task_combo.setEnabled(project is not None)
        self.task_combo.blockSignals(False)
        self.model_combo.blockSignals(True)
        fill_model_combo(self.model_combo, task, kind)
        self.model_combo.blockSignals(False)
        settings = (project.settings.get("train", {}) if project is not None else {})
        name = settings.get("model")  # none pinned: the search (the default)
        idx = self.model_combo.findData(name) if name else 0
        self.model_combo.setCurrentIndex(max(0, idx))
        self._model_chosen()
        self.epochs.setValue(int(settings.get("epochs") or 0))  # no stale value of another project
        # the project's own rate, else the task's default (the regressor's is 0.01: at the
        # classifiers' 0.003 a few-epoch sine run does not converge)
        self.learning_rate.setValue(float(settings.get("learning_rate")
                                          or (0.01 if task == "regression" else 0.003)))
        if "window_ms" in settings:
            self.window_ms.setValue(int(settings["window_ms"]))
        self.banner.hide()
        self._kept_report = None
        self._clear_results()
        if project is None or not project.recordings() or self.isVisible():
            self.status.setText(readiness(project))  # instant without recordings
        else:
            self.status.setText("")
            self._ready_gate.pending = True
        if project is not None:
            from tinystudio.ui.train_process import load_current_report

            path = project.path
            start_worker(load_current_report, str(path),
                         on_result=lambda r: self._loaded(path, r), on_error=self.ctx.report)

    def _task_chosen(self) -> None:
        """The task changes what the labels mean and what trains: saved at once, and every
        page that adapts to it follows (project_changed)."""
        project, task = self.ctx.project, self.task_combo.currentData()
        if project is None or task == task_of(project) or self.running:
            return
        project.set_task(task)
        settings = project.settings.get("train", {})
        settings.pop("model", None)  # a classifier's model name means nothing to another task
        self.ctx.save_now()
        self.ctx.project_changed.emit(project)

    def _data_changed(self) -> None:
        self._ready_gate.request()

    def _data_changed_now(self) -> None:
        """Labels changed: the readiness line follows (a finished run's line stays)."""
        if not self.running and self.report is None:
            self.status.setText(readiness(self.ctx.project))
        if self.blocker is not None and split_plan.training_blocker(self.ctx.project) is None:
            self.banner.hide()
            self.blocker = None

    def _loaded(self, path, report) -> None:
        project = self.ctx.project
        if report is None or self.running or project is None or project.path != path:
            return
        self._show_current(report)

    def _show_current(self, report) -> None:
        """The project's current model (opened, or kept after a stopped run)."""
        self.show_report(report)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat(f"current model: {report.epochs_run} epochs")
        self.status.setText(
            f"Current model {Path(report.model_path).parent.name}: {result_line(report)} on the "
            "test split. Train again to replace it.")

    def _model_chosen(self) -> None:
        from tinystudio.ml.models import MODELS

        task = task_of(self.ctx.project)
        spec = MODELS.get(self.model_combo.currentData()) if task == "classification" else None
        if task == "anomaly":
            self.budget_label.setText("≤ 20,480 B int8 — trained on normal windows only; the threshold is "
                                      "calibrated on held-out normal windows (autoencoder: a small "
                                      "network on the same spectral features)")
        elif task == "regression":
            self.budget_label.setText("≤ 4,096 B int8 — a linear output whose int8 scale and zero point "
                                      "give the value directly")
        elif spec is not None:
            self.budget_label.setText(f"≤ {spec.budget_bytes:,} B int8 — {spec.description}")
        else:
            self.budget_label.setText("Trains every candidate that fits the board, keeps the best on "
                                      "validation folds, and reports a nearest-neighbour baseline beside it.")

    # ------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        """Until the page has handled the run's end: the worker thread sets its done flag
        before the GUI thread has received its result, so ``worker.is_running`` alone
        said "finished" while the report was still in the event queue."""
        return self.worker is not None

    def start(self) -> None:
        from tinystudio.ml.pipeline import TrainOptions

        project = self.ctx.project
        if project is None or self.running:
            return
        self.blocker = split_plan.training_blocker(project)
        if self.blocker is not None:
            self.banner.show_message(self.blocker.message[0].upper() + self.blocker.message[1:] + ".",
                                     self.blocker.fix or None)
            self.status.setText("Not started: " + self.blocker.message + ".")
            return
        self.banner.hide()
        self._split_as_shown(project)
        train = dict(project.settings.get("train", {}))
        if self.model_combo.currentData():
            train["model"] = self.model_combo.currentData()
        else:
            train.pop("model", None)  # no pin: the model search chooses
        if self.epochs.value():
            train["epochs"] = self.epochs.value()
        else:
            train.pop("epochs", None)
        train["learning_rate"] = self.learning_rate.value()
        if self.window_ms.value():
            train["window_ms"] = self.window_ms.value()
        else:
            train.pop("window_ms", None)
        project.settings["train"] = train
        self.ctx.save_now()
        options = TrainOptions(epochs=self.epochs.value() or None, model=train.get("model"),
                               board=self.board_combo.currentData(),
                               window_ms=train.get("window_ms"))
        self._kept_report = self.report
        self._clear_results()
        self._requested_epochs = self.epochs.value()
        self._last_epoch = 0
        self.progress.setRange(0, self.epochs.value())
        self.progress.setValue(0)
        self.progress.setFormat("starting …")
        self.status.setText("starting (loading TensorFlow) …")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.worker = start_worker(
            _train, str(project.path), options, pass_event=True,
            on_event=self._event, on_progress=self._batch,
            on_result=self._done, on_error=self._failed, on_finished=self._finished,
        )

    def _split_as_shown(self, project) -> None:
        """No split yet: make the one the split box shows, so the run trains on the split
        the page promised (the trainer's own fallback cuts by recording, which differed
        from the box's "by segment" when one class had a single take)."""
        if split_plan.current(project) is not None:
            return
        split_plan.apply(project, self.split_panel.choice())  # saved with the settings below
        self.ctx.recordings_changed.emit()

    def _apply_fix(self) -> None:
        """The banner's button: apply the split that removes the blocker, then train."""
        blocker, self.blocker = self.blocker, None
        self.banner.hide()
        if blocker is None or blocker.choice is None:
            return
        if self.split_panel.apply(blocker.choice) is not None:
            self.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.quit()
            self.status.setText("stopping after this batch …")

    def _event(self, message) -> None:
        if isinstance(message, str):
            self.status.setText(message)
            self._search_progress(message)
            return
        self.curves.add_epoch(message)
        self._last_epoch = message.epoch
        if message.val_loss is not None:
            self._show_validation(True)
        self.progress.setRange(0, message.epochs)
        self.progress.setValue(message.epoch)
        self.progress.setFormat(f"epoch %v / %m — ETA {_fmt_eta(message.eta_seconds)}")
        self.status.setText(
            f"epoch {message.epoch}/{message.epochs}: loss {message.loss:.3f}, "
            f"accuracy {message.accuracy:.1%}, ETA {_fmt_eta(message.eta_seconds)}"
        )

    def _search_progress(self, message: str) -> None:
        """The model search's share done on the bar (candidates and folds, epochs within)."""
        from tinystudio.ml.search import SearchProgress

        where = SearchProgress.parse(message)
        if where is None:
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * where.fraction))
        self.progress.setFormat(f"model search {100 * where.fraction:.0f} % — candidate "
                                f"{where.candidate} of {where.candidates} ({where.name})")

    def _batch(self, b) -> None:
        self.progress.setFormat(f"epoch {b.epoch} batch {b.batch}/{b.batches}")

    def _done(self, report) -> None:
        self._kept_report = None
        self.show_report(report)
        epochs = self._requested_epochs or report.epochs_run
        early = report.epochs_run < epochs
        self.progress.setRange(0, max(1, report.epochs_run))
        self.progress.setValue(max(1, report.epochs_run))
        self.progress.setFormat(f"done: {report.epochs_run} epochs" + (" (stopped early)" if early else ""))
        text = f"Done: {result_line(report)} on the test split."
        if early:
            text += (f" Stopped early after epoch {report.epochs_run} of {epochs}: no improvement for "
                     "a while, so the best epoch's weights are kept.")
        classifier = report.task == "classification"
        if classifier and not any(h.get("val_loss") is not None for h in report.history):
            text += " No validation curve: too few training examples to hold some out."
        from tinystudio.ml.quality import headline, judge

        warning = (headline(judge(report.classes, report.int8_metrics, report.baseline, report.evaluation))
                   if classifier else "")
        if warning:
            text += " " + warning + "."
        self.status.setText(text)
        self.ctx.model_path = report.model_path
        self.ctx.model_changed.emit(report.model_path)
        self.trained.emit(report)

    def _clear_results(self) -> None:
        self.report = None
        self.curves.reset()
        self._show_validation(False)
        for cm in (self.float_cm, self.int8_cm):
            cm.set_matrix([], [])
            cm.setTitle(cm.title().split(" —")[0])
        self.size_label.setText("")
        self.task_results.clear()
        self.class_scores.setText("")
        self.quality_label.setText("")
        self.quality_label.hide()
        self.fit_table.setRowCount(0)
        self.candidates.setRowCount(0)
        self.candidates.hide()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")

    def _show_validation(self, shown: bool) -> None:
        """List the "validation" curves only when they are drawn (the trainer holds out
        validation examples only above a minimum training-set size)."""
        for plot, key in ((self.curves.loss_plot, "val_loss"), (self.curves.acc_plot, "val_accuracy")):
            legend, curve = plot.legend, self.curves.curves[key]
            listed = any(getattr(sample, "item", None) is curve for sample, _label in legend.items)
            if shown and not listed:
                legend.addItem(curve, "validation")
            elif not shown and listed:
                legend.removeItem(curve)

    def _show_quality(self, report) -> None:
        from tinystudio.ml.quality import judge, per_class

        scores = per_class(report.classes, report.int8_metrics)
        self.class_scores.setText("  ·  ".join(
            f"{c.label}: precision {c.precision:.2f}, recall {c.recall:.2f}, F1 {c.f1:.2f} "
            f"({c.test_windows} test)" for c in scores))
        warnings = judge(report.classes, report.int8_metrics, report.baseline, report.evaluation)
        self.quality_label.setText("\n".join(f"⚠ {w.text[0].upper()}{w.text[1:]}." for w in warnings))
        self.quality_label.setVisible(bool(warnings))

    def show_report(self, report) -> None:
        """Matrices, sizes, board verdicts, curves and candidates of a finished run."""
        self.report = report
        labels = report.classes
        classifier = getattr(report, "task", "classification") == "classification"
        for cm in (self.float_cm, self.int8_cm):
            cm.setVisible(classifier)
        self.task_results.setVisible(not classifier)
        if classifier:
            self.float_cm.set_matrix(labels, report.float_metrics["confusion"], report.float_metrics["accuracy"])
            self.int8_cm.set_matrix(labels, report.int8_metrics["confusion"], report.int8_metrics["accuracy"])
            self._show_quality(report)
        else:
            self.task_results.show_report(report)
            self.class_scores.setText("")
            self.quality_label.hide()
        self.size_label.setText(
            f"{report.model_name}: {report.model_bytes:,} B int8 (budget {report.budget_bytes:,} B), "
            f"TFLM arena {report.arena_bytes:,} B, {report.epochs_run} epochs in "
            f"{report.train_seconds:.1f} s — saved in {Path(report.model_path).parent.name}"
        )
        self.fit_table.show_report(report)
        if not self.curves.epochs and report.history:
            self._draw_history(report.history)
        self._show_candidates(getattr(report, "candidates", None), getattr(report, "baseline", None))
        self.wake.show_for(report)


    def _draw_history(self, history) -> None:
        from tinystudio.ml.trainer import EpochProgress

        names = {f for f in EpochProgress.__dataclass_fields__}
        for h in history:
            if isinstance(h, dict):
                try:
                    p = EpochProgress(**{k: v for k, v in h.items() if k in names})
                except TypeError:
                    return
                self.curves.add_epoch(p)
                if p.val_loss is not None:
                    self._show_validation(True)

    def _show_candidates(self, candidates, baseline=None) -> None:
        """The search's candidates (the chosen one marked) and, last, the classical
        baseline scored on the same folds, so a user sees whether the network earns its size."""
        rows = [dict(c) for c in (candidates or []) if isinstance(c, dict)]
        for c in rows:
            if c.get("chosen"):
                c["name"] = f"{c.get('name')} (chosen)"
        if rows and isinstance(baseline, dict):
            rows.append({"name": "baseline", "accuracy": baseline.get("val_accuracy"),
                         "tip": f"classical baseline on the same folds: {baseline.get('method', '')}"})
        self.candidates.setVisible(bool(rows))
        self.candidates.setRowCount(len(rows))
        for r, cand in enumerate(rows):
            for col, (_header, key, fmt) in enumerate(CANDIDATE_COLUMNS):
                item = QTableWidgetItem(candidate_cell(cand, key, fmt))
                item.setToolTip(cand.get("tip") or cand.get("description") or "")
                self.candidates.setItem(r, col, item)

    def _failed(self, exc) -> None:
        from tinystudio.ml.trainer import TrainingStopped

        self.progress.setValue(self._last_epoch)
        if isinstance(exc, TrainingStopped):
            kept, self._kept_report = self._kept_report, None
            if kept is not None and self.ctx.project is not None:
                self.curves.reset()
                self._show_current(kept)  # the stopped run changed nothing: its model stays
            self.progress.setFormat(f"stopped at epoch {self._last_epoch}")
            self.status.setText(str(exc)[0].upper() + str(exc)[1:] + "."
                                + (" The current model's results are shown." if kept is not None else ""))
        else:
            self.progress.setFormat("failed")
            self.status.setText(f"Training failed: {exc}")
            self.ctx.report(exc)
            project = self.ctx.project
            self.blocker = split_plan.training_blocker(project) if project is not None else None
            if self.blocker is not None and self.blocker.fix:  # a failure with a known fix: offer it
                self.banner.show_message(self.blocker.message[0].upper() + self.blocker.message[1:] + ".",
                                         self.blocker.fix)

    def _finished(self) -> None:
        self.worker = None  # after result/error: signals arrive in the order they were sent
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.quit()
