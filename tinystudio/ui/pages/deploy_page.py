"""Deploy page: send the model over the cable, watch the board's predictions, check parity.

Upload, parity and export run in workers with progress bars. Predictions arrive as
INFERENCE frames; a listener on the reader thread keeps a bounded history that the
display tick polls. F11 turns the window into a full-screen demo of the big label.

The page asks the board which model it holds (MODEL_STATUS) after every connect,
reconnect and upload, and shows predictions and "verified" only while the board runs
the model shown here: after a board restarts without a model, nothing stale remains.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.board_model import BoardModel, Holds, query_board_model
from tinystudio.ui.widgets.big_label import BigLabel
from tinystudio.ui.widgets.frame_view import FrameView
from tinystudio.ui.widgets.perform_box import PerformBox
from tinystudio.ui.widgets.score_plot import ScorePlot
from tinystudio.ui.widgets.value_plot import ValuePlot
from tinystudio.ui.workers import start_worker


def _load_package(project_path, *, progress, stop):
    """The package, and the warnings its training earned (ml/quality.py), so a bad model
    says so here, before it is flashed."""
    from tinystudio.deploy.board_package import load_model_package
    from tinystudio.ml.quality import judge
    from tinystudio.ml.store import load_current_report

    package = load_model_package(project_path)
    try:
        report = load_current_report(project_path)
    except Exception:  # noqa: BLE001 - a package without a readable report has no verdict
        report = {}
    warnings = []
    if (report.get("int8_metrics") and report.get("classes")
            and report.get("task", "classification") == "classification"):  # accuracy verdicts
        warnings = judge(report["classes"], report["int8_metrics"], report.get("baseline"),
                         report.get("evaluation"))
    return package, warnings


def _flash(session, project_path, *, progress, stop):
    from tinystudio.deploy.board_package import load_model_package
    from tinystudio.deploy.upload import upload_with_streams_paused

    package = load_model_package(project_path)
    result = upload_with_streams_paused(session, package, progress=lambda d, t: progress((d, t)), stop=stop)
    return package, result


def _parity(session, project_path, *, progress, stop):
    from tinystudio.deploy.parity import verify_parity

    return verify_parity(session, str(project_path), progress=lambda d, t: progress((d, t)), stop=stop)


def _export(project_path, fmt, out, force=False, *, progress, stop):
    from tinystudio.ml.export import export_model

    return export_model(project_path, fmt, out, force=force)


STALE_S = 3.0  # no prediction for this long: the big label stops showing the last one


class DeployPage(QWidget):
    title = "Deploy"
    flashed = Signal(object)  # UploadResult
    parity_done = Signal(object)  # ParityResult
    board_model_changed = Signal(object)  # BoardModel

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board = ctx.board
        self.package = None
        self.listener = None
        self.flash_result = None
        self.parity_result = None
        self._last_total = -1
        self._keywords = None  # deploy/listening.py's KeywordDisplay for a keyword model
        self.output = None  # deploy/task_output.py's OutputKind of the loaded model
        self.reading = None  # the newest Reading (anomaly / regression models)
        self.demo = False
        self._saved_state = None
        self.board_model = BoardModel(Holds.NO_BOARD)
        self._query_gen = 0

        self.model_label = QLabel("No model yet: train one on the Train page.")
        self.model_label.setWordWrap(True)
        self.quality_label = QLabel("")
        self.quality_label.setWordWrap(True)
        self.quality_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.quality_label.hide()
        self.board_model_label = QLabel(self.board_model.text(False))
        self.board_model_label.setWordWrap(True)
        self.flash_button = QPushButton("Flash model to board")
        self.flash_button.setShortcut("Ctrl+U")
        self.flash_button.clicked.connect(self.flash)
        self.flash_progress = QProgressBar()
        self.flash_progress.setValue(0)
        self.flash_status = QLabel("")
        self.flash_status.setWordWrap(True)
        self.parity_button = QPushButton("Check parity (board vs host)")
        self.parity_button.clicked.connect(self.check_parity)
        self.parity_progress = QProgressBar()
        self.parity_progress.setValue(0)
        self.parity_status = QLabel("")
        self.parity_status.setWordWrap(True)
        export_row = QHBoxLayout()
        self.export_buttons = {}
        for fmt, text in (("tflite", "Export .tflite"), ("c", "Export C"), ("arduino", "Export Arduino")):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, f=fmt: self.export_dialog(f))
            export_row.addWidget(b)
            self.export_buttons[fmt] = b
        self.latency_label = QLabel("latency: —")
        self.latency_label.setWordWrap(True)
        self.demo_button = QPushButton("Full-screen demo (F11)")
        self.demo_button.clicked.connect(self.toggle_demo)
        side = QVBoxLayout()
        for w in (self.model_label, self.quality_label, self.board_model_label, self.flash_button, self.flash_progress, self.flash_status,
                  self.parity_button, self.parity_progress, self.parity_status):
            side.addWidget(w)
        side.addLayout(export_row)
        self.perform_box = PerformBox(ctx, with_class=True)  # a virtual board performs on request
        side.addWidget(self.perform_box)
        side.addWidget(self.latency_label)
        side.addWidget(self.demo_button)
        side.addStretch(1)
        self.side = QWidget()
        self.side.setLayout(side)
        self.side.setMaximumWidth(380)

        self.big = BigLabel()
        self.scores = ScorePlot()
        # anomaly and regression models: one number (score against threshold, or value)
        self.values = ValuePlot()
        self.values.hide()
        # camera models: the frame beside its prediction (hidden for other sensors)
        self.frame = FrameView("the camera's newest frame when the prediction arrived")
        self.frame.hide()
        top = QHBoxLayout()
        top.addWidget(self.frame, 1)
        top.addWidget(self.big, 2)
        right = QVBoxLayout()
        right.addLayout(top, 2)
        right.addWidget(self.scores, 1)
        right.addWidget(self.values, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.side)
        layout.addLayout(right, 1)
        QShortcut(QKeySequence(Qt.Key_Escape), self, self._escape, context=Qt.WidgetWithChildrenShortcut)

        ctx.project_changed.connect(lambda _p: self.load_model())
        ctx.model_changed.connect(lambda _p: self.load_model())
        self.board.connected.connect(lambda _i: (self._listen(), self.check_board_model()))
        self.board.board_back.connect(lambda _m: self.check_board_model())
        self.board.disconnected.connect(lambda: (self._stop_listening(), self._board_gone("not connected")))
        self.board.board_lost.connect(lambda m: self._board_gone("gone"))
        self.board.failed.connect(lambda m: self._board_gone("not connected (the connection failed)"))
        self.board.tick.connect(self.refresh)
        self._update_buttons()

    # -------------------------------------------------------------- model
    def load_model(self) -> None:
        project = self.ctx.project
        if project is None:
            return
        if not (project.path / "models" / "current.json").exists():
            self.package = None
            self.output = None
            self._set_task_view(None)
            self.quality_label.hide()
            # nothing of the previous project's model stays: legend, classes, last label
            self.scores.set_labels((), {})
            self.perform_box.set_classes(())
            self._clear_prediction("no model yet")
            self.model_label.setText("No model yet: train one on the Train page.")
            self._update_buttons()
            self.check_board_model()
            return
        start_worker(_load_package, str(project.path), on_result=lambda v: self._model_loaded(*v),
                     on_error=lambda e: self.model_label.setText(f"model: {e}"))

    def _model_loaded(self, package, warnings=()) -> None:
        from tinystudio.deploy.task_output import output_kind
        from tinystudio.errors import TinyStudioError

        self.package = package
        self._keywords = None
        d = package.descriptor
        try:
            self.output = output_kind(d)
        except TinyStudioError as exc:
            self.output = None
            self.model_label.setText(f"model: {exc}")
            self.package = None
            self._update_buttons()
            return
        self._set_task_view(self.output)
        self.model_label.setText(
            f"<b>{d.model_name}</b>: {len(package.tflite):,} B int8, {self._outputs_text(d)}, "
            f"window {d.window} @ {d.rate_hz:g} Hz"
        )
        self.perform_box.set_classes(d.labels)
        self.quality_label.setText("\n".join(f"⚠ {w.text[0].upper()}{w.text[1:]}." for w in warnings))
        self.quality_label.setVisible(bool(warnings))
        self._listen()
        self._update_buttons()
        self.check_board_model()

    def _outputs_text(self, d) -> str:
        kind = self.output
        if kind is not None and kind.task == "anomaly":
            return f"anomaly score (ANOMALY above {kind.threshold:.2f})"
        if kind is not None and kind.task == "regression":
            return f"predicts {', '.join(d.labels)}"
        return f"classes {', '.join(d.labels)}"

    @property
    def one_value(self) -> bool:
        """An anomaly or regression model: the board streams one number, not class scores."""
        return self.output is not None and self.output.task in ("anomaly", "regression")

    def _set_task_view(self, kind) -> None:
        """Class scores for classifiers; the score against its threshold, or the value."""
        one = kind is not None and kind.task in ("anomaly", "regression")
        self.scores.setVisible(not one)
        self.values.setVisible(one)
        if one and kind.task == "anomaly":
            self.values.configure("anomaly score (board) and threshold", kind.threshold)
        elif one:
            self.values.configure(f"predicted {kind.labels[0] if kind.labels else 'value'} (board)")

    def _show_reading(self, results) -> None:
        """NORMAL / ANOMALY (green / red) with the score, or the predicted value."""
        from tinystudio.deploy.task_output import AnomalyState

        readings = [self.output.read(r) for r in results]
        self.reading = r = readings[-1]
        if r.task == "anomaly":
            red = r.state is AnomalyState.ANOMALY
            self.big.text = r.label
            self.big.label.setText(r.label)
            self.big.label.setStyleSheet(f"color: {'#c0392b' if red else '#27ae60'};")
            self.big.detail.setText(f"score {r.value:.2f} (threshold {r.threshold:.2f})")
        else:
            self.big.text = f"{r.value:.3g}"
            self.big.label.setText(f"{r.value:.3g}")
            self.big.label.setStyleSheet("")
            self.big.detail.setText(f"predicted {r.label}")
        self.values.show_values([x.received for x in results], [x.value for x in readings],
                                time.monotonic())

    # ------------------------------------------------------- the board's model
    def check_board_model(self) -> None:
        """Ask the board which model it runs (in a worker: a request may wait for a reply)."""
        session = self.board.session
        self._query_gen += 1
        if session is None or self.board.lost:
            self._set_board_model(BoardModel(Holds.NO_BOARD, reason="gone" if self.board.lost else ""))
            return
        gen = self._query_gen
        start_worker(query_board_model, session, self.package,
                     on_result=lambda bm: gen == self._query_gen and self._set_board_model(bm),
                     on_error=lambda e: gen == self._query_gen and self._set_board_model(
                         BoardModel(Holds.UNKNOWN, reason=str(e))))

    def _board_gone(self, why: str) -> None:
        self._query_gen += 1  # an answer still on its way is about a board that is gone
        self._set_board_model(BoardModel(Holds.NO_BOARD, reason=why))

    def _set_board_model(self, bm: BoardModel) -> None:
        self.board_model = bm
        self.board_model_label.setText(bm.text(self.package is not None))
        if not bm.runs_ours:
            # an upload report or a parity verdict is about a model the board no longer runs
            if self.flash_result is not None:
                self.flash_result = None
                self.flash_status.setText("")
                self.flash_progress.setValue(0)
            if self.parity_result is not None:
                self.parity_result = None
                self.parity_status.setText("")
                self.parity_progress.setValue(0)
            if bm.holds != Holds.UNKNOWN:
                self._clear_prediction(
                    "no model on the board" if bm.holds == Holds.NOTHING
                    else "no board" if bm.holds == Holds.NO_BOARD else "the board runs another model")
        self._update_buttons()
        self.board_model_changed.emit(bm)

    def _clear_prediction(self, why: str) -> None:
        self.big.text = "—"
        self.big.label.setText("—")
        self.big.label.setStyleSheet("")
        self.big.detail.setText(why)
        self.scores.clear_scores()
        self.values.clear_values()
        self.reading = None
        self.latency_label.setText("latency: —")
        self._last_total = -1
        self._keywords = None

    @property
    def showing_predictions(self) -> bool:
        return self.board_model.holds in (Holds.THIS, Holds.UNKNOWN)

    def _update_buttons(self) -> None:
        has_model = self.package is not None
        connected = self.board.session is not None and not self.board.lost
        self.flash_button.setEnabled(has_model and connected)
        # parity compares the board's model with this one: only while the board runs it
        self.parity_button.setEnabled(has_model and connected and self.board_model.holds in (Holds.THIS, Holds.UNKNOWN))
        self.parity_button.setToolTip("" if self.parity_button.isEnabled() else "flash this model first")
        for b in self.export_buttons.values():
            b.setEnabled(has_model)

    # ------------------------------------------------------------ listening
    def _listen(self) -> None:
        from tinystudio.deploy.inference import InferenceListener

        self._stop_listening()
        session = self.board.session
        self._update_buttons()
        if session is None:
            return
        labels = tuple(self.package.descriptor.labels) if self.package is not None else ()
        self.listener = InferenceListener(session, labels=labels, history=600)
        self._keywords = None  # the keyword display starts afresh with every listener
        colors = self.ctx.project.class_colors if self.ctx.project is not None else {}
        self.scores.set_labels(labels, colors)

    def _stop_listening(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self._update_buttons()

    def refresh(self) -> None:
        listener = self.listener
        if listener is None or not self.showing_predictions:
            return
        if not (self.isVisible() or self.demo):
            return
        if listener.total == self._last_total:
            last = listener.latest(1)
            if last and self.big.text != "—" and time.monotonic() - last[-1].received > STALE_S:
                self._clear_prediction(f"no prediction for {STALE_S:g} s")
            return
        new = listener.total - max(self._last_total, 0)
        self._last_total = listener.total
        results = listener.latest(300)
        if not results:
            return
        last = results[-1]
        colors = self.ctx.project.class_colors if self.ctx.project is not None else {}
        if self.one_value:
            self._show_reading(results)
        elif self._is_keyword_model():
            self._show_keyword(results[-min(new, len(results)):], colors)
        else:
            self.big.show_result(last.label, max(last.scores) if last.scores else 0.0, colors.get(last.label))
        self._show_frame(last)
        if not self.one_value:
            self.scores.show_results(results, time.monotonic())
        self.latency_label.setText(
            f"latency on the board: {last.latency_us / 1000:.2f} ms (mean {listener.mean_latency_us / 1000:.2f} ms), "
            f"{listener.total} predictions, {listener.lost} lost"
        )

    def _is_keyword_model(self) -> bool:
        d = self.package.descriptor if self.package is not None else None
        return d is not None and d.sensor_kind == "microphone" and d.frontend in ("microfrontend", "micro_speech")

    def _show_keyword(self, new_results, colors) -> None:
        """Keyword models: the recognizer's decision (deploy/listening.py), not the raw top
        class: "listening" until a detection, the keyword for a hold time, then listening."""
        from tinystudio.deploy.listening import KeywordDisplay

        if self._keywords is None:
            self._keywords = KeywordDisplay(self.package.descriptor)
        shown = self._keywords.feed(new_results)
        d = shown.detection
        if d is not None:
            self.big.show_detection(d.label, d.score, colors.get(d.label))
        else:
            th = self._keywords.settings.threshold
            self.big.show_listening(f"newest window: {shown.best} {shown.best_score:.0%} "
                                    f"(a keyword needs {th:.0%} averaged)" if shown.best else "")

    def _show_frame(self, result) -> None:
        """A camera model's prediction beside the camera frame it was made on (the newest
        frame the host holds when the prediction arrives: the board streams the frames it
        classifies, so at 10 fps this is that frame or the one after it)."""
        package, session = self.package, self.board.session
        is_camera = package is not None and package.descriptor.sensor_kind == "camera"
        self.frame.setVisible(is_camera)
        if not is_camera or session is None:
            return
        stream = next((st for st in session.streams.values() if st.info.kind.name == "CAMERA"), None)
        if stream is None or stream.ring.total == 0:
            self.frame.clear("no camera frames: start the camera stream on the Device page")
            return
        score = max(result.scores) if result.scores else 0.0
        self.frame.show_frame(stream.ring.latest(1)[0], f"window {result.window_index}: {result.label} "
                              f"{score:.0%} (newest camera frame when it arrived)")

    # -------------------------------------------------------------- actions
    def flash(self) -> None:
        session, project = self.board.session, self.ctx.project
        if session is None or project is None:
            self.ctx.error.emit("connect a board and open a project with a trained model first")
            return
        self.flash_button.setEnabled(False)
        self.flash_status.setText("uploading …")
        start_worker(_flash, session, str(project.path),
                     on_progress=lambda p: self._bar(self.flash_progress, p),
                     on_result=self._flashed, on_error=self._flash_failed,
                     on_finished=self._update_buttons)

    @staticmethod
    def _bar(bar: QProgressBar, p) -> None:
        done, total = p
        bar.setRange(0, max(1, total))
        bar.setValue(done)

    def _flashed(self, value) -> None:
        package, result = value
        self.package = package
        self.flash_result = result
        self.flash_progress.setValue(self.flash_progress.maximum())
        # A virtual board without --baud moves bytes faster than its nominal baud rate, so
        # an "efficiency" above 100 % would only confuse: say what it is instead.
        link = (
            f"link efficiency {result.link_efficiency:.0%}"
            if result.link_efficiency <= 1.0
            else "link faster than its nominal baud rate"
        )
        self.flash_status.setText(
            f"flashed {result.bytes:,} B in {result.seconds:.2f} s "
            f"({result.throughput_bytes_per_s / 1024:.1f} KB/s, {link}), "
            f"verified: {'yes' if result.verified else 'NO'}"
        )
        self._listen()
        if result.verified:
            self._set_board_model(BoardModel(Holds.THIS, result.bytes, result.model_crc32))
        self.check_board_model()  # the board's own word, with its arena
        self.flashed.emit(result)

    def _flash_failed(self, exc) -> None:
        self.flash_result = None  # keeps the failure text below when the board's answer comes
        self.check_board_model()
        self.flash_status.setText(f"upload failed: {exc} (the board keeps its previous model)")
        self.ctx.report(exc)

    def check_parity(self) -> None:
        session, project = self.board.session, self.ctx.project
        if session is None or project is None:
            return
        self.parity_button.setEnabled(False)
        self.parity_status.setText("running the test windows on the board …")
        start_worker(_parity, session, str(project.path),
                     on_progress=lambda p: self._bar(self.parity_progress, p),
                     on_result=self._parity_done, on_error=self._parity_failed,
                     on_finished=self._update_buttons)

    def _parity_done(self, r) -> None:
        self.parity_result = r
        verdict = "bit-exact" if r.mismatches == 0 else f"{r.mismatches} windows differ (max {r.max_abs_diff})"
        self.parity_status.setText(f"parity on {r.windows} windows: {verdict}; "
                                   f"mean latency {r.mean_latency_us / 1000:.2f} ms")
        self.parity_done.emit(r)

    def _parity_failed(self, exc) -> None:
        self.parity_status.setText(f"parity check failed: {exc}")
        self.ctx.report(exc)

    def export_dialog(self, fmt: str) -> None:
        suffix = {"tflite": "TFLite model (*.tflite)", "c": "C source folder (*)", "arduino": "Arduino library (*.zip)"}[fmt]
        out, _ = QFileDialog.getSaveFileName(self, f"Export {fmt}", "", suffix)
        if out:
            self.export(fmt, out)

    def export(self, fmt: str, out: str, ask=None) -> None:
        """Export the current model; existing files are replaced only after the user agrees
        (``ask(paths) -> bool``, a question box by default)."""
        from tinystudio.errors import TinyStudioError
        from tinystudio.ml.export import export_overwrites

        project = self.ctx.project
        try:
            existing = export_overwrites(project, fmt, out)
        except TinyStudioError as exc:
            self.ctx.report(exc)
            return
        if existing and not (ask or self._ask_overwrite)(existing):
            self.ctx.status.emit("export cancelled: nothing was written")
            return
        start_worker(_export, str(project.path), fmt, out, bool(existing),
                     on_result=lambda p: self.ctx.status.emit(f"exported {p}"), on_error=self.ctx.report)

    def _ask_overwrite(self, paths) -> bool:
        names = "\n".join(str(p) for p in paths[:8]) + ("\n..." if len(paths) > 8 else "")
        answer = QMessageBox.question(self, "Replace existing files?",
                                      f"Exporting replaces {len(paths)} existing file(s):\n{names}")
        return answer == QMessageBox.StandardButton.Yes

    # ---------------------------------------------------------------- demo
    def toggle_demo(self) -> None:
        win = self.window()
        if not self.demo:
            self.demo = True
            self._saved_state = win.isFullScreen()
            for name in ("nav",):
                w = getattr(win, name, None)
                if w is not None:
                    w.hide()
            win.menuBar().hide()
            win.statusBar().hide()
            if hasattr(win, "show_page"):
                win.show_page("Deploy")
            self.side.hide()
            self.big.set_size(120)
            win.showFullScreen()
        else:
            self.demo = False
            nav = getattr(win, "nav", None)
            if nav is not None:
                nav.show()
            win.menuBar().show()
            win.statusBar().show()
            self.side.show()
            self.big.set_size(48)
            if not self._saved_state:
                win.showNormal()

    def _escape(self) -> None:
        if self.demo:
            self.toggle_demo()

    def shutdown(self) -> None:
        self._stop_listening()
