"""Label page: segments on a recording's timeline, fast enough for hundreds of them.

Keys: 1-9 give the selected segment (or the next new one) a class, N adds a segment in
view, Delete removes the selected one, A auto-segments, Ctrl+Z / Ctrl+Shift+Z undo and
redo. Every edit is a dataset ``SetSegments`` operation inside a ``QUndoCommand``, so
undo is exact; the project is saved shortly after edits settle.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.widgets.audio_player import AudioPlayer
from tinystudio.ui.widgets.dataset_summary import DatasetSummary
from tinystudio.ui.widgets.flow_layout import FlowLayout
from tinystudio.ui.widgets.frame_browser import FrameBrowser
from tinystudio.ui.widgets.recordings_panel import RecordingsPanel, shared_undo_stack
from tinystudio.ui.widgets.timeline import Timeline
from tinystudio.ui.workers import start_worker

PLAY_CHECK_MS = 1000  # a player that cannot open a sound device exits well within this


class LabelCommand(QUndoCommand):
    """One dataset label operation; ``redo`` runs when pushed."""

    def __init__(self, page, op) -> None:
        super().__init__(op.description or "edit labels")
        self.page = page
        self.op = op

    def redo(self) -> None:
        self.op.apply(self.page.ctx.project)
        self.page.after_edit(self.op.recording_id)

    def undo(self) -> None:
        self.op.revert(self.page.ctx.project)
        self.page.after_edit(self.op.recording_id)


class BatchLabelCommand(QUndoCommand):
    """Many label operations as one undo step with one refresh ("Auto-segment all" over
    10,000 recordings: one step, not 10,000 steps each refreshing every table)."""

    def __init__(self, page, ops, text: str) -> None:
        super().__init__(text)
        self.page, self.ops = page, list(ops)

    def redo(self) -> None:
        for op in self.ops:
            op.apply(self.page.ctx.project)
        self.page.after_batch({op.recording_id for op in self.ops})

    def undo(self) -> None:
        for op in reversed(self.ops):
            op.revert(self.page.ctx.project)
        self.page.after_batch({op.recording_id for op in self.ops})


def propose_all(project, recs, default_label: str, *, progress, stop):
    """Auto-segmentation proposals for many recordings, one at a time (on a worker): each
    recording's samples are read, proposed on and dropped, so memory holds one recording,
    not all of them. Returns the operations that change something."""
    ops = []
    for i, rec in enumerate(recs):
        if stop.is_set():
            break
        progress((i, len(recs)))
        labels = [s.label for s in rec.segments]
        label = Counter(labels).most_common(1)[0][0] if labels else default_label
        op = auto_segment_op(project, rec, rec.read_physical(), label)
        if op.after != op.before:
            ops.append(op)
    return ops


def _read_recording(rec, *, progress, stop):
    return rec.id, rec.read_physical()


def auto_segment_op(project, rec, data, label: str):
    """Replace the recording's segments by proposals from the signal (one undoable step).

    Replacing rather than adding keeps a second press from stacking duplicates on top of
    the first; anything replaced comes back with undo."""
    from tinystudio.dataset import autoseg
    from tinystudio.dataset.labels import SetSegments
    from tinystudio.dataset.segments import Segment

    if rec.sensor_kind == "microphone":
        props = autoseg.propose_voice(data, rec.rate_hz, length_s=1.0)
    else:
        props = autoseg.propose_motion(data, rec.rate_hz, names=list(rec.channel_names),
                                       units=list(rec.units))
    new = [Segment.new(p.start, min(p.end, rec.n_samples), label) for p in props if p.end > p.start]
    if not new:  # nothing above the threshold: keep what is there
        return SetSegments(rec.id, tuple(rec.segments), tuple(rec.segments), "auto-segment: nothing found")
    return SetSegments(rec.id, tuple(rec.segments), tuple(new), f"auto-segment {len(new)} {label}")


def label_meaning(project) -> str:
    """What a label means for the project's task ("" for classification: a class)."""
    task = str(getattr(project, "task", None) or "classification")
    if task == "anomaly":
        normal = (project.settings.get("train", {}) or {}).get("normal") or "normal"
        return (f"Anomaly detection: label recordings of normal running '{normal}': they are the "
                "training data. Recordings of faults, if you have any, get any other label (e.g. "
                "'fault'); they are test data only, for the AUC, never trained on.")
    if task == "regression":
        target = (project.settings.get("train", {}) or {}).get("target")
        if target:
            return (f"Regression: the target is channel '{target}' of each recording (its value at "
                    "each window's last sample); segment labels only mark which data is used.")
        return ("Regression: a label is the target value, a number (e.g. 0.5 or 12.3), typed in "
                "the Class box; every window of the segment has that target.")
    return ""


def hand_labeled(rec) -> bool:
    """Segments someone made (or edited): anything but none or one whole-take label, which
    is what a take gets when it is recorded."""
    segs = rec.segments
    if not segs:
        return False
    return len(segs) > 1 or segs[0].start > 0 or segs[0].end < rec.n_samples


def _describe(segments) -> str:
    names = ", ".join(f"{s.label} {s.start}..{s.end}" for s in segments[:3])
    more = f" and {len(segments) - 3} more" if len(segments) > 3 else ""
    return f"{names}{more}"


class LabelPage(QWidget):
    title = "Label"
    auto_done = Signal(int)

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack = shared_undo_stack(ctx)
        self.current = None  # Recording
        self.data = None
        self.player = AudioPlayer()

        self.panel = RecordingsPanel(ctx, self.undo_stack)
        self.panel.current_changed.connect(self._rec_chosen)
        self.summary = DatasetSummary()
        self.test_fraction = QDoubleSpinBox()
        self.test_fraction.setRange(0.0, 0.9)
        self.test_fraction.setSingleStep(0.05)
        self.test_fraction.setValue(0.2)
        split_button = QPushButton("Split train/test")
        split_button.clicked.connect(self.make_split)
        split_row = QHBoxLayout()
        split_row.addWidget(QLabel("Dataset"))
        split_row.addStretch(1)
        split_row.addWidget(QLabel("test fraction"))
        split_row.addWidget(self.test_fraction)
        split_row.addWidget(split_button)
        data_box = QVBoxLayout()
        data_box.setContentsMargins(0, 0, 0, 0)
        data_box.addLayout(split_row)
        data_box.addWidget(self.summary, 1)
        data_w = QWidget()
        data_w.setLayout(data_box)

        self.class_combo = QComboBox()
        self.class_combo.setEditable(True)
        self.class_combo.setMinimumWidth(120)
        buttons = FlowLayout()
        buttons.addWidget(QLabel("Class"))
        buttons.addWidget(self.class_combo)
        self.buttons = {}
        for key, text, tip, slot in (
            ("add", "Add", "add a segment in view (N); it never overlaps another", self.add_segment),
            ("delete", "Delete", "delete the selected segment (Del)", self.delete_selected),
            ("auto", "Auto-segment", "find gestures or words in this recording (A)", self.auto_segment),
            ("auto_all", "Auto-segment all", "auto-segment every recording", lambda: self.auto_segment_all()),
            ("whole", "Label all", "one segment covering the whole recording", self.label_whole),
            ("undo", "Undo", "Ctrl+Z", self.undo_stack.undo),
            ("redo", "Redo", "Ctrl+Shift+Z", self.undo_stack.redo),
            ("play", "Play", "play the selected audio segment (P)", self.play_selected),
        ):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[key] = b
        self.undo_stack.canUndoChanged.connect(self.buttons["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.buttons["redo"].setEnabled)
        self.buttons["undo"].setEnabled(self.undo_stack.canUndo())
        self.buttons["redo"].setEnabled(self.undo_stack.canRedo())
        if not self.player.available:
            self.buttons["play"].setEnabled(False)
            self.buttons["play"].setToolTip(self.player.reason)
        self.timeline = Timeline()
        self.timeline.segment_edited.connect(self._segment_edited)
        self.timeline.segment_selected.connect(self._segment_selected)
        # camera recordings: thumbnails + the current frame; 1-9 label the selected frames
        self.frames = FrameBrowser()
        self.frames.hide()
        # what a label means depends on the project's task (anomaly: normal vs faults for
        # test; regression: a number), said above the timeline where labels are made
        self.task_hint = QLabel("")
        self.task_hint.setWordWrap(True)
        self.task_hint.setStyleSheet("color: #2c3e50; background: #eaf2f8; padding: 4px;")
        self.task_hint.hide()
        self.info = QLabel("Pick a recording below. Keys: 1-9 class, N add, Del delete, A auto-segment.")
        self.info.setWordWrap(True)
        center = QVBoxLayout()
        center.setContentsMargins(0, 0, 0, 0)
        center.addWidget(self.task_hint)
        center.addLayout(buttons)
        center.addWidget(self.frames, 3)
        center.addWidget(self.timeline, 1)
        center.addWidget(self.info)
        center_w = QWidget()
        center_w.setLayout(center)

        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(self.panel)
        bottom.addWidget(data_w)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(center_w)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        QVBoxLayout(self).addWidget(splitter)

        def key(seq, slot):
            QShortcut(QKeySequence(seq), self, slot, context=Qt.WidgetWithChildrenShortcut)

        # explicit keys: a QShortcut built from QKeySequence.Redo binds only the first of
        # the platform's redo keys (Ctrl+Y on Linux), not Ctrl+Shift+Z
        key("Ctrl+Z", self.undo_stack.undo)
        key("Ctrl+Y", self.undo_stack.redo)
        key("Ctrl+Shift+Z", self.undo_stack.redo)
        key(Qt.Key_N, self.add_segment)
        key(Qt.Key_Delete, self.delete_selected)
        key(Qt.Key_Backspace, self.delete_selected)
        key(Qt.Key_A, self.auto_segment)
        key(Qt.Key_P, self.play_selected)
        for i in range(1, 10):
            key(str(i), lambda i=i: self.hotkey_class(i))
        ctx.project_changed.connect(self._project_changed)
        ctx.recordings_changed.connect(self.refresh_list)

    # ------------------------------------------------------------ listing
    def _project_changed(self, project) -> None:
        text = label_meaning(project)
        self.task_hint.setText(text)
        self.task_hint.setVisible(bool(text))
        self.undo_stack.clear()
        self._clear_current()
        self.refresh_list()
        if project is not None and self.panel.rows:  # something to look at from the start
            self.panel.select(self.panel.rows[0].id)

    def refresh_list(self) -> None:
        project = self.ctx.project
        if project is None:
            return
        if self.current is not None and self.current.id not in {r.id for r in project.recordings()}:
            self._clear_current()  # trashed or renamed (a rename selects the new name)
        self.panel.refresh()
        same = getattr(self, "_classes_of", None) is project
        self._classes_of = project
        # another project's class never shows here (pressing A would label with it)
        current = self.class_combo.currentText() if same else (project.classes[0] if project.classes else "")
        self.class_combo.clear()
        self.class_combo.addItems(project.classes)
        self.class_combo.setEditText(current)
        self.refresh_summary()

    def _clear_current(self) -> None:
        self.current, self.data = None, None
        self.timeline.clear_signal()
        self.frames.clear()
        self.frames.hide()
        self.info.setText("Pick a recording below.")

    def refresh_summary(self) -> None:
        if self.ctx.project is not None:
            self.summary.show_project(self.ctx.project)

    def select_recording(self, rec_id: str) -> None:
        self.panel.select(rec_id)

    def _rec_chosen(self, rec_id) -> None:
        if rec_id is None or self.ctx.project is None:
            return
        if self.current is not None and self.current.id == rec_id and self.data is not None:
            return
        rec = self.ctx.project.recording(rec_id)
        self._wanted = rec_id
        self.info.setText(f"loading {rec.id} …")
        start_worker(_read_recording, rec, on_result=self._loaded, on_error=self.ctx.report)

    def _loaded(self, value) -> None:
        rec_id, data = value
        project = self.ctx.project
        if project is None or rec_id not in {r.id for r in project.recordings()}:
            return  # renamed or deleted while it was being read
        if rec_id != getattr(self, "_wanted", rec_id):
            return  # another recording was chosen meanwhile
        self.current = project.recording(rec_id)
        self.data = data
        self.timeline.set_signal(data, self.current.rate_hz, self.current.channel_names, self.current.units)
        if self.current.sensor_kind == "camera":
            from tinystudio.dataset.frame_labels import frame_labels

            self.frames.set_frames(data, frame_labels(self.current.segments, len(data)),
                                   self.ctx.project.class_colors)
            self.frames.show()
        else:
            self.frames.clear()
            self.frames.hide()
        self._show_segments()

    def _show_segments(self) -> None:
        rec = self.current
        self.timeline.set_segments(rec.segments, self.ctx.project.class_colors)
        if rec.sensor_kind == "camera" and self.data is not None:
            from tinystudio.dataset.frame_labels import frame_labels

            self.frames.set_labels(frame_labels(rec.segments, len(self.data)), self.ctx.project.class_colors)
        self.info.setText(
            f"{rec.id}: {rec.seconds:.2f} s, {rec.n_samples} samples at {rec.rate_hz:g} Hz, "
            f"{len(rec.segments)} segments"
        )

    # -------------------------------------------------------------- edits
    def push(self, op) -> None:
        self.undo_stack.push(LabelCommand(self, op))

    def after_edit(self, rec_id: str) -> None:
        self.ctx.schedule_save()
        if self.current is not None and self.current.id == rec_id:
            self._show_segments()
        self.ctx.recordings_changed.emit()  # refreshes this page's list too

    def after_batch(self, rec_ids: set[str]) -> None:
        """After many edits at once: one save scheduled, one refresh of every view."""
        self.ctx.schedule_save()
        if self.current is not None and self.current.id in rec_ids:
            self._show_segments()
        self.ctx.recordings_changed.emit()

    def _label(self) -> str:
        text = self.class_combo.currentText().strip()
        if text:
            return text
        if self.current is not None and self.current.segments:
            return self.current.segments[0].label
        return "class1"

    def _segment_edited(self, seg_id: str, start: int, end: int) -> None:
        from tinystudio.dataset.labels import resize_segment
        from tinystudio.dataset.overlaps import overlapping

        now = next((s for s in self.current.segments if s.id == seg_id), None)
        if now is None or (now.start, now.end) == (start, end):
            return  # a stale region (already rebuilt) or no change: nothing to undo
        hit = overlapping(self.current.segments, start, end, exclude=seg_id)
        if hit:
            self._refuse(f"not moved: {start}..{end} would overlap {_describe(hit)}")
            self._show_segments()  # put the region back where the data says it is
            return
        self.push(resize_segment(self.ctx.project, self.current.id, seg_id, start, end))

    def _segment_selected(self, seg) -> None:
        if seg is not None:
            self.info.setText(f"{seg.label}: {seg.start}..{seg.end} ({seg.length} samples)")

    def selected_id(self) -> str | None:
        return self.timeline.selected_id

    def add_segment(self) -> None:
        from tinystudio.dataset.labels import add_segment

        if self.current is None:
            return
        from tinystudio.dataset.overlaps import free_span, overlapping

        lo, hi = self.timeline.visible_samples()
        width = max(1, (hi - lo) // 4)
        mid = (lo + hi) // 2
        start, end = max(0, mid - width // 2), min(self.current.n_samples, mid + width // 2 + 1)
        span = free_span(self.current.segments, start, end, self.current.n_samples)
        if span is None:
            hit = overlapping(self.current.segments, start, end)
            self._refuse(f"no segment added: {start}..{end} is covered by {_describe(hit)}; "
                         "scroll to a free part or delete one first")
            return
        op = add_segment(self.ctx.project, self.current.id, span[0], span[1], self._label())
        self.push(op)
        # the new segment is the selected one: Delete or 1-9 right after N act on it
        before = {s.id for s in op.before}
        new_id = next((s.id for s in op.after if s.id not in before), None)
        if new_id is not None:
            self.timeline.select(new_id)

    def _refuse(self, message: str) -> None:
        self.info.setText(f"⚠ {message}")
        self.ctx.status.emit(message)

    def delete_selected(self) -> None:
        from tinystudio.dataset.labels import delete_segment

        seg_id = self.selected_id()
        if self.current is not None and seg_id:
            self.push(delete_segment(self.ctx.project, self.current.id, seg_id))

    def hotkey_class(self, i: int) -> None:
        from tinystudio.dataset.labels import relabel_segment

        classes = self.ctx.project.classes if self.ctx.project else []
        if i > len(classes):
            return
        name = classes[i - 1]
        self.class_combo.setEditText(name)
        seg_id = self.selected_id()
        if self.current is not None and seg_id:
            self.push(relabel_segment(self.ctx.project, self.current.id, seg_id, name))
        elif self.current is not None and self.current.sensor_kind == "camera" and not self.frames.isHidden():
            self.label_frames(name)

    def label_frames(self, name: str) -> None:
        """The selected frames (each contiguous run one undo step) get class ``name``."""
        from tinystudio.dataset.frame_labels import label_frames

        for start, end in self.frames.selected_runs():
            self.push(label_frames(self.ctx.project, self.current.id, start, end, name))

    def label_whole(self) -> None:
        from tinystudio.dataset.labels import label_whole

        if self.current is not None:
            self.push(label_whole(self.ctx.project, self.current.id, self._label()))

    def auto_segment(self) -> None:
        if self.current is None or self.data is None:
            return
        op = auto_segment_op(self.ctx.project, self.current, self.data, self._label())
        if len(op.after) == len(op.before) and op.after == op.before:
            self.ctx.status.emit("auto-segment found nothing above the threshold")
            return
        self.push(op)

    def ask_recut(self, n: int) -> bool:
        """Re-cut recordings whose segments were made by hand? (Tests replace this.)"""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, "Replace hand-made segments?",
            f"{n} recording(s) already have segments made by hand or imported. Auto-segment "
            "replaces them too?\n\nNo keeps them and auto-segments the others.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def auto_segment_all(self, rec_ids=None) -> None:
        """Auto-segment many recordings, each keeping its whole-take label, as one undo
        step with one refresh; recordings with hand-made segments only if the user agrees
        (:meth:`ask_recut`), mixed ones never. Reading and proposing run in a worker, one
        recording at a time; ``auto_done`` reports how many changed."""
        project = self.ctx.project
        wanted = None if rec_ids is None else set(rec_ids)
        recs = [r for r in project.recordings() if wanted is None or r.id in wanted]
        # a mixed recording has no one label to give its new segments; hand-made segments
        # stay unless the user says otherwise
        recs = [r for r in recs if len({s.label for s in r.segments}) <= 1]
        hand = [r for r in recs if hand_labeled(r)]
        recut = bool(hand) and self.ask_recut(len(hand))
        if hand and not recut:
            hand_ids = {r.id for r in hand}  # a set: a list lookup is N^2 at 10,000 recordings
            recs = [r for r in recs if r.id not in hand_ids]
        kept = f"; {len(hand)} with hand-made segments kept" if hand and not recut else ""

        def apply(ops) -> None:
            if self.ctx.project is not project:
                return  # another project was opened meanwhile
            if ops:
                self.undo_stack.push(BatchLabelCommand(self, ops, f"auto-segment {len(ops)} recordings"))
            self.ctx.status.emit(f"auto-segmented {len(ops)} recordings{kept}")
            self.auto_done.emit(len(ops))

        start_worker(propose_all, project, recs, self._label(), on_result=apply, on_error=self.ctx.report)

    def make_split(self) -> None:
        """The split the Train page would recommend (by recording only when every class
        has two takes or more), and the status bar says which one it made."""
        from tinystudio.ui import split_plan

        try:
            choice = split_plan.recommended(self.ctx.project, self.test_fraction.value())
            result = split_plan.apply(self.ctx.project, choice)
        except Exception as exc:  # noqa: BLE001
            self.ctx.report(exc)
            return
        self.ctx.status.emit(f"split by {choice.by}: {result.total('train')} train / "
                             f"{result.total('test')} test segments"
                             + "".join(f"; {p}" for p in result.problems))
        self.ctx.schedule_save()
        self.refresh_summary()
        self.ctx.recordings_changed.emit()

    def play_selected(self) -> None:
        seg_id = self.selected_id()
        if not self.player.available or self.current is None or self.data is None or not seg_id:
            return
        seg = next(s for s in self.current.segments if s.id == seg_id)
        try:
            self.player.play(self.data[seg.start:seg.end, 0], self.current.rate_hz)
        except Exception as exc:  # noqa: BLE001
            self.ctx.report(exc)
            return
        # a command-line player with no sound card gives up within a moment: say so
        QTimer.singleShot(PLAY_CHECK_MS, self, self._play_checked)

    def _play_checked(self) -> None:
        why = self.player.failure()
        if why:
            self.ctx.error.emit(why)
