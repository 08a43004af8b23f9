"""Label page: segments on a recording's timeline, fast enough for hundreds of them.

Keys: 1-9 give the selected segment (or the next new one) a class, N adds a segment in
view, Delete removes the selected one, A auto-segments, Ctrl+Z / Ctrl+Shift+Z undo and
redo. Every edit is a dataset ``SetSegments`` operation inside a ``QUndoCommand``, so
undo is exact; the project is saved shortly after edits settle.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.widgets.audio_player import AudioPlayer
from tinystudio.ui.widgets.timeline import Timeline
from tinystudio.ui.workers import start_worker


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
        props = autoseg.propose_motion(data, rec.rate_hz)
    new = [Segment.new(p.start, min(p.end, rec.n_samples), label) for p in props if p.end > p.start]
    if not new:  # nothing above the threshold: keep what is there
        return SetSegments(rec.id, tuple(rec.segments), tuple(rec.segments), "auto-segment: nothing found")
    return SetSegments(rec.id, tuple(rec.segments), tuple(new), f"auto-segment {len(new)} {label}")


class LabelPage(QWidget):
    title = "Label"
    auto_done = Signal(int)

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack = QUndoStack(self)
        self.current = None  # Recording
        self.data = None
        self.player = AudioPlayer()

        self.rec_list = QListWidget()
        self.rec_list.currentItemChanged.connect(self._rec_chosen)
        self.summary = QTextEdit()
        self.summary.setReadOnly(True)
        self.test_fraction = QDoubleSpinBox()
        self.test_fraction.setRange(0.0, 0.9)
        self.test_fraction.setSingleStep(0.05)
        self.test_fraction.setValue(0.2)
        split_button = QPushButton("Split train/test")
        split_button.clicked.connect(self.make_split)
        split_row = QHBoxLayout()
        split_row.addWidget(QLabel("test"))
        split_row.addWidget(self.test_fraction)
        split_row.addWidget(split_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("Recordings"))
        left.addWidget(self.rec_list, 2)
        left.addLayout(split_row)
        left.addWidget(QLabel("Dataset"))
        left.addWidget(self.summary, 1)
        left_w = QWidget()
        left_w.setLayout(left)

        self.class_combo = QComboBox()
        self.class_combo.setEditable(True)
        self.class_combo.setMinimumWidth(120)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Class"))
        buttons.addWidget(self.class_combo)
        self.buttons = {}
        for key, text, tip, slot in (
            ("add", "Add", "add a segment in view (N)", self.add_segment),
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
        buttons.addStretch(1)
        self.undo_stack.canUndoChanged.connect(self.buttons["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.buttons["redo"].setEnabled)
        self.buttons["undo"].setEnabled(False)
        self.buttons["redo"].setEnabled(False)
        if not self.player.available:
            self.buttons["play"].setEnabled(False)
            self.buttons["play"].setToolTip(self.player.reason)
        self.timeline = Timeline()
        self.timeline.segment_edited.connect(self._segment_edited)
        self.timeline.segment_selected.connect(self._segment_selected)
        self.info = QLabel("Pick a recording. Keys: 1-9 class, N add, Del delete, A auto-segment.")
        center = QVBoxLayout()
        center.addLayout(buttons)
        center.addWidget(self.timeline, 1)
        center.addWidget(self.info)
        center_w = QWidget()
        center_w.setLayout(center)

        splitter = QSplitter()
        splitter.addWidget(left_w)
        splitter.addWidget(center_w)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 900])
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
        self.undo_stack.clear()
        self.current, self.data = None, None
        self.refresh_list()

    def refresh_list(self) -> None:
        project = self.ctx.project
        if project is None:
            return
        selected = self.current.id if self.current is not None else None
        self.rec_list.blockSignals(True)
        self.rec_list.clear()
        for rec in sorted(project.recordings(), key=lambda r: r.id):
            labels = sorted({s.label for s in rec.segments})
            item = QListWidgetItem(f"{rec.id}  [{len(rec.segments)}: {', '.join(labels) or '-'}]")
            item.setData(Qt.UserRole, rec.id)
            self.rec_list.addItem(item)
            if rec.id == selected:
                self.rec_list.setCurrentItem(item)
        self.rec_list.blockSignals(False)
        current = self.class_combo.currentText()
        self.class_combo.clear()
        self.class_combo.addItems(project.classes)
        if current:
            self.class_combo.setEditText(current)
        self.refresh_summary()

    def refresh_summary(self) -> None:
        from tinystudio.dataset.splits import summarize

        s = summarize(self.ctx.project)
        lines = [
            f"{name}: {c['segments']} segments, {c['seconds']:.1f} s (train {c['train']}, test {c['test']})"
            for name, c in s.classes.items()
        ]
        lines.append(f"split: {s.splits}")
        lines += [f"⚠ {w}" for w in s.warnings]
        self.summary.setPlainText("\n".join(lines))

    def select_recording(self, rec_id: str) -> None:
        for i in range(self.rec_list.count()):
            if self.rec_list.item(i).data(Qt.UserRole) == rec_id:
                self.rec_list.setCurrentRow(i)
                return
        raise KeyError(rec_id)

    def _rec_chosen(self, item, _previous=None) -> None:
        if item is None:
            return
        rec = self.ctx.project.recording(item.data(Qt.UserRole))
        self.info.setText(f"loading {rec.id} …")
        start_worker(_read_recording, rec, on_result=self._loaded, on_error=self.ctx.report)

    def _loaded(self, value) -> None:
        rec_id, data = value
        project = self.ctx.project
        self.current = project.recording(rec_id)
        self.data = data
        self.timeline.set_signal(data, self.current.rate_hz, self.current.channel_names)
        self._show_segments()

    def _show_segments(self) -> None:
        rec = self.current
        self.timeline.set_segments(rec.segments, self.ctx.project.class_colors)
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

    def _label(self) -> str:
        text = self.class_combo.currentText().strip()
        if text:
            return text
        if self.current is not None and self.current.segments:
            return self.current.segments[0].label
        return "class1"

    def _segment_edited(self, seg_id: str, start: int, end: int) -> None:
        from tinystudio.dataset.labels import resize_segment

        now = next((s for s in self.current.segments if s.id == seg_id), None)
        if now is None or (now.start, now.end) == (start, end):
            return  # a stale region (already rebuilt) or no change: nothing to undo
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
        lo, hi = self.timeline.visible_samples()
        width = max(1, (hi - lo) // 4)
        mid = (lo + hi) // 2
        start, end = max(0, mid - width // 2), min(self.current.n_samples, mid + width // 2 + 1)
        self.push(add_segment(self.ctx.project, self.current.id, start, end, self._label()))

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

    def auto_segment_all(self, rec_ids=None) -> None:
        """Auto-segment many recordings, each keeping its whole-take label (one undo step
        per recording). Reading runs in a worker; ``auto_done`` reports how many changed."""
        project = self.ctx.project
        recs = [r for r in project.recordings() if rec_ids is None or r.id in rec_ids]

        def read_all(*, progress, stop):
            out = []
            for i, rec in enumerate(recs):
                if stop.is_set():
                    break
                progress((i, len(recs)))
                out.append((rec, rec.read_physical()))
            return out

        def apply(pairs) -> None:
            n = 0
            for rec, data in pairs:
                labels = [s.label for s in rec.segments]
                label = Counter(labels).most_common(1)[0][0] if labels else self._label()
                op = auto_segment_op(project, rec, data, label)
                if op.after != op.before:
                    self.push(op)
                    n += 1
            self.ctx.status.emit(f"auto-segmented {n} recordings")
            self.auto_done.emit(n)

        start_worker(read_all, on_result=apply, on_error=self.ctx.report)

    def make_split(self) -> None:
        from tinystudio.dataset.splits import make_split

        try:
            make_split(self.ctx.project, test_fraction=self.test_fraction.value())
        except Exception as exc:  # noqa: BLE001
            self.ctx.report(exc)
            return
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
