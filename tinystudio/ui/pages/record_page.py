"""Record page: choose a sensor and a label, press the big button (or space).

A take is fixed-length (exactly N samples) or manual; an optional countdown gives the
hands time to get ready. If the board goes away mid-take, the samples so far are kept
as a recording and the window offers to reconnect. The chosen sensor is drawn live (you
see the gesture you are about to record), and the takes so far are a table you can
rename, delete, move to train or test, and preview.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.recording_controller import start_take
from tinystudio.ui.widgets.banner import Banner
from tinystudio.ui.widgets.class_table import ClassTable
from tinystudio.ui.widgets.perform_box import PerformBox
from tinystudio.ui.widgets.recordings_panel import RecordingsPanel, shared_undo_stack
from tinystudio.ui.widgets.sensor_view import SensorView
from tinystudio.ui.widgets.timeline import Timeline
from tinystudio.ui.widgets.when_shown import WhenShown
from tinystudio.ui.workers import start_worker

LEFT_WIDTH = 300  # fixed: a long message wraps instead of widening the column
MIN_TAKE_ROWS = 4  # rows of the takes table that always show
WIDE_PAGE = 1250  # from this page width the preview sits beside the recordings table


def _read(rec, *, progress, stop):
    return rec.id, rec.read_physical()


class RecordPage(QWidget):
    title = "Record"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board = ctx.board
        self.take = None
        self.last_recording = None
        self._countdown_left = 0

        self.sensor_combo = QComboBox()
        self.label_combo = QComboBox()
        self.label_combo.setEditable(True)
        self.label_combo.setInsertPolicy(QComboBox.NoInsert)
        self.label_combo.lineEdit().setPlaceholderText("class name, e.g. punch")
        self.duration = QDoubleSpinBox()
        self.duration.setRange(0, 3600)
        self.duration.setDecimals(1)
        self.duration.setValue(5.0)
        self.duration.setSpecialValueText("manual")
        self.duration.setToolTip("0 = manual: press Record again to stop")
        self.duration.setSuffix(" s")
        self.countdown = QSpinBox()
        self.countdown.setRange(0, 10)
        self.countdown.setValue(0)
        self.countdown.setSuffix(" s")
        self.target = QSpinBox()
        self.target.setRange(1, 10000)
        self.target.setValue(10)
        self.target.valueChanged.connect(self._target_changed)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("optional, e.g. alice")
        self.session_name = QLineEdit()
        self.session_name.setPlaceholderText("optional, e.g. day1")
        self.sensor_combo.currentIndexChanged.connect(self._sensor_chosen)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Sensor", self.sensor_combo)
        form.addRow("Label", self.label_combo)
        form.addRow("Subject", self.subject)
        form.addRow("Session", self.session_name)
        form.addRow("Duration", self.duration)
        form.addRow("Countdown", self.countdown)
        form.addRow("Target per class", self.target)

        self.record_button = QPushButton("● Record")
        self.record_button.setMinimumHeight(90)
        font = QFont(self.record_button.font())
        font.setPointSize(22)
        font.setBold(True)
        self.record_button.setFont(font)
        self.record_button.setToolTip("Start or stop recording (Space)")
        self.record_button.clicked.connect(self.toggle)
        self.record_button.setEnabled(False)
        QShortcut(QKeySequence(Qt.Key_Space), self, self.toggle, context=Qt.WidgetWithChildrenShortcut)
        self.state_label = QLabel("Connect a board to record.")
        self.state_label.setAlignment(Qt.AlignCenter)
        self.state_label.setWordWrap(True)
        big = QFont(self.state_label.font())
        big.setPointSize(16)
        self.state_label.setFont(big)
        self.banner = Banner()
        self.banner.action.connect(self.board.reconnect)

        self.classes = ClassTable()
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(form)
        # the virtual board performs the class in the Label box (virtual_performer.py)
        self.perform_box = PerformBox(ctx)
        self.perform_box.align_labels(max(form.itemAt(r, QFormLayout.LabelRole).widget().sizeHint().width()
                                          for r in range(form.rowCount())))
        self.label_combo.currentTextChanged.connect(self._label_changed)
        left.addWidget(self.perform_box)
        left.addWidget(self.record_button)
        left.addWidget(self.state_label)
        left.addWidget(QLabel("Examples per class"))
        left.addWidget(self.classes)
        left.addStretch(1)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setFixedWidth(LEFT_WIDTH)

        self.live_box = QVBoxLayout()
        self.live_box.setContentsMargins(0, 0, 0, 0)
        self.live_placeholder = QLabel("Connect a board (or the virtual board) on the Device page: "
                                       "the sensor you record is drawn here live.")
        self.live_placeholder.setAlignment(Qt.AlignCenter)
        self.live_placeholder.setWordWrap(True)
        self.live_box.addWidget(self.live_placeholder)
        self.live_view: SensorView | None = None
        live_w = QWidget()
        live_w.setLayout(self.live_box)

        self.undo_stack = shared_undo_stack(ctx)
        self.panel = RecordingsPanel(ctx, self.undo_stack)
        self.panel.current_changed.connect(self._preview)
        # room for a few takes under the header whatever the splitters do (at 1024x700 the
        # table once kept one row, about 62 px, once a saved take's preview showed)
        table = self.panel.table
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height()
                               + MIN_TAKE_ROWS * table.verticalHeader().defaultSectionSize()
                               + table.horizontalScrollBar().sizeHint().height() + 2 * table.frameWidth())
        self.preview = Timeline(editable=False, min_plot_height=70, compact=True)
        self.preview_label = QLabel("Select a recording to preview it.")
        self.preview_label.setWordWrap(True)
        preview_box = QVBoxLayout()
        preview_box.setContentsMargins(0, 0, 0, 0)
        preview_box.addWidget(self.preview_label)
        preview_box.addWidget(self.preview, 1)
        preview_w = QWidget()
        preview_w.setLayout(preview_box)
        self._preview_id = None
        self.preview.hide()

        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(self.panel)
        bottom.addWidget(preview_w)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setChildrenCollapsible(False)
        self._bottom = bottom
        right = QSplitter(Qt.Vertical)
        right.addWidget(live_w)
        right.addWidget(bottom)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        self._right = right
        right_box = QVBoxLayout()
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.banner)
        right_box.addWidget(right, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(left_w)
        layout.addLayout(right_box, 1)

        self.count_timer = QTimer(self)
        self.count_timer.setInterval(1000)
        self.count_timer.timeout.connect(self._count_step)
        self.board.connected.connect(self._connected)
        self.board.disconnected.connect(self._board_gone_quietly)
        self.board.board_lost.connect(self._board_lost)
        self.board.tick.connect(self._poll)
        ctx.project_changed.connect(lambda _p: self.refresh())
        # a label edit on the Label page refills this page's table only once it is shown
        self._refresh_gate = WhenShown(self, self.refresh)
        ctx.recordings_changed.connect(self._refresh_gate.request)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        # Beside the table when there is room for every column; below it otherwise.
        wide = self.width() >= WIDE_PAGE
        orientation = Qt.Horizontal if wide else Qt.Vertical
        if orientation != self._bottom.orientation() or not getattr(self, "_sized", False):
            self._sized = True
            self._bottom.setOrientation(orientation)
            h = max(400, self.height())
            if wide:  # live view 1/2; table 3/5 beside preview 2/5
                self._right.setSizes([h // 2, h // 2])
                total = max(300, self.width() - LEFT_WIDTH)
                self._bottom.setSizes([total * 3 // 5, total * 2 // 5])
            else:  # live view 2/5; table and preview share the rest
                self._right.setSizes([h * 2 // 5, h * 3 // 5])
                rest = h * 3 // 5
                self._bottom.setSizes([rest // 2, rest // 2])

    # -------------------------------------------------------------- board
    def _connected(self, info) -> None:
        self.banner.hide()
        current = self.sensor_combo.currentText()
        self.sensor_combo.clear()
        for s in info.sensors:
            self.sensor_combo.addItem(f"{s.name} ({s.kind.name.lower()}, {s.rate_hz:g} Hz)", s.sensor_id)
        idx = next((i for i in range(self.sensor_combo.count()) if self.sensor_combo.itemText(i) == current), 0)
        self.sensor_combo.setCurrentIndex(idx)
        self._sensor_chosen()
        self.record_button.setEnabled(True)
        self.state_label.setText("Ready.")

    def _label_changed(self, text: str) -> None:
        """The virtual board shows what is about to be recorded, so the user sees it live."""
        performer = self.ctx.performer
        if performer.available and self.take is None and self.isVisible():
            performer.perform(text.strip() or None)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._label_changed(self.label_combo.currentText())

    def _sensor_chosen(self, *_args) -> None:
        """Draw the sensor that Record would record."""
        if self.live_view is not None:
            self.live_view.setParent(None)
            self.live_view.deleteLater()
            self.live_view = None
        session = self.board.session
        sid = self.sensor_combo.currentData()
        sensor = None if session is None else next((s for s in session.info.sensors if s.sensor_id == sid), None)
        self.live_placeholder.setVisible(sensor is None)
        if sensor is not None:
            self.live_view = SensorView(sensor, window_s=5.0)
            for v in self.live_view.views:
                v.setMinimumHeight(90)  # room for the table and preview in a 700 px window
            self.live_box.addWidget(self.live_view, 1)

    def _clear_live(self) -> None:
        self.sensor_combo.blockSignals(True)
        self.sensor_combo.clear()
        self.sensor_combo.blockSignals(False)
        self._sensor_chosen()

    def _board_gone_quietly(self) -> None:
        if self.take is not None:
            self.stop()
        self._clear_live()
        self.record_button.setEnabled(False)
        self.state_label.setText("Connect a board to record.")

    def _board_lost(self, message: str) -> None:
        kept = self.take is not None
        if kept:
            self.stop(reason="board gone")
        self.record_button.setEnabled(False)
        text = f"The board is gone ({message})."
        if kept:
            text += " The samples recorded so far are kept."
        self.banner.show_message(text, "Reconnect")
        self._clear_live()
        self.state_label.setText("Board gone.")

    # ------------------------------------------------------------ recording
    @property
    def recording(self) -> bool:
        return self.take is not None

    def toggle(self) -> None:
        if self.count_timer.isActive():
            self.count_timer.stop()
            self.state_label.setText("Cancelled.")
            self.record_button.setText("● Record")
        elif self.take is None:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        if self.ctx.project is None:
            self.ctx.error.emit("open or create a project before recording")
            return
        if self.board.session is None or self.board.lost:
            self.ctx.error.emit("no board connected: connect one on the Device page")
            return
        self._countdown_left = self.countdown.value()
        if self._countdown_left:
            self.record_button.setText("Cancel")
            self._count_step()
            self.count_timer.start()
        else:
            self._begin()

    def _count_step(self) -> None:
        if self._countdown_left <= 0:
            self.count_timer.stop()
            self._begin()
            return
        self.state_label.setText(f"Recording in {self._countdown_left} …")
        self._countdown_left -= 1

    def _begin(self) -> None:
        session = self.board.session
        sid = self.sensor_combo.currentData()
        sensor = next(s for s in session.info.sensors if s.sensor_id == sid)
        label = self.label_combo.currentText().strip()
        performer = self.ctx.performer
        if performer.available and label and not performer.perform(label):
            self.ctx.status.emit(f"the virtual board cannot perform {label!r} from its source: it rests; "
                                 "choose another Board source")
        seconds = self.duration.value()
        n_target = int(round(seconds * sensor.rate_hz)) if seconds > 0 else None
        try:
            self.take = start_take(self.ctx.project, session, sensor, label, n_target,
                                   subject=self.subject.text().strip(),
                                   session_name=self.session_name.text().strip())
        except Exception as exc:  # noqa: BLE001
            self.ctx.report(exc)
            return
        self.record_button.setText("■ Stop")
        self.record_button.setStyleSheet("background: #c0392b; color: white;")
        self.ctx.recording_state.emit("● recording")

    def _poll(self) -> None:
        self._draw_live()
        take = self.take
        if take is None:
            return
        if take.error is not None:
            self.ctx.report(take.error)
            self.stop()
            return
        if take.n_target:
            self.state_label.setText(f"Recording {take.seconds:.1f} / {take.n_target / take.rate_hz:.1f} s")
        else:
            self.state_label.setText(f"Recording {take.seconds:.1f} s")
        self.ctx.recording_state.emit(f"● recording {take.seconds:.1f} s")
        if take.full.is_set():
            self.stop()

    def stop(self, reason: str = "") -> None:
        take, self.take = self.take, None
        if take is None:
            return
        take.detach()
        self.record_button.setText("● Record")
        self.record_button.setStyleSheet("")
        self.ctx.recording_state.emit("")
        self.state_label.setText("Saving …")
        start_worker(take.finish, on_result=lambda rec: self._saved(rec, reason), on_error=self.ctx.report)

    def _draw_live(self) -> None:
        view, session = self.live_view, self.board.session
        if view is None or session is None or not self.isVisible():
            return
        st = session.streams.get(view.sensor.sensor_id)
        if st is not None:
            view.update_from(st.ring, st)

    def _saved(self, rec, reason: str) -> None:
        self.last_recording = rec
        note = f" ({reason})" if reason else ""
        self.state_label.setText(f"Saved {rec.id}: {rec.seconds:.1f} s{note}")
        self.ctx.recordings_changed.emit()
        self.panel.select(rec.id)

    def shutdown(self) -> None:
        take, self.take = self.take, None
        if take is not None:
            take.finish()

    # ------------------------------------------------------------- listing
    def _target_changed(self, value: int) -> None:
        project = self.ctx.project
        if project is not None:
            project.settings["target_per_class"] = int(value)
            self.ctx.schedule_save()
        self.refresh()

    def refresh(self) -> None:
        project = self.ctx.project
        if project is None:
            return
        target = int(project.settings.get("target_per_class", self.target.value()))
        if target != self.target.value():
            self.target.blockSignals(True)
            self.target.setValue(target)
            self.target.blockSignals(False)
        # a class typed for this project survives refreshes; another project's never shows
        same = getattr(self, "_classes_of", None) is project
        self._classes_of = project
        current = self.label_combo.currentText() if same else (project.classes[0] if project.classes else "")
        self.label_combo.clear()
        self.label_combo.addItems(project.classes)
        self.label_combo.setEditText(current)
        self.panel.refresh()
        self.classes.show_counts(project, target)

    # ------------------------------------------------------------- preview
    def _preview(self, rec_id) -> None:
        project = self.ctx.project
        self._preview_id = rec_id
        if rec_id is None or project is None:
            self.preview_label.setText("Select a recording to preview it.")
            self.preview.clear_signal()
            self.preview.hide()  # no empty axes where a take will be
            return
        rec = project.recording(rec_id)
        self.preview_label.setText(f"loading {rec_id} …")
        start_worker(_read, rec, on_result=self._show_preview, on_error=self.ctx.report)

    def _show_preview(self, value) -> None:
        rec_id, data = value
        project = self.ctx.project
        if rec_id != self._preview_id or project is None or rec_id not in {r.id for r in project.recordings()}:
            return  # another one was chosen meanwhile, or it was renamed or deleted
        rec = project.recording(rec_id)
        was_hidden = self.preview.isHidden()
        self.preview.show()
        self.preview.set_signal(data, rec.rate_hz, rec.channel_names, rec.units)
        if was_hidden and self.panel.current_id() == rec_id:  # the preview took room from the table
            self.panel.reveal(next(i for i, r in enumerate(self.panel.rows) if r.id == rec_id))
        self.preview.set_segments(rec.segments, project.class_colors)
        self.preview_label.setText(f"{rec.id}: {rec.seconds:.2f} s, {len(rec.segments)} segments "
                                   f"({', '.join(sorted({s.label for s in rec.segments})) or 'unlabeled'})")
