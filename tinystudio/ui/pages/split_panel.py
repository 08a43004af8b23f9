"""The train/test split control: strategy, fraction or held-out subject, counts first.

It says which split the project uses now, previews what a change would give (per class:
train and test segments, problems in words) as the controls move, and applies only on
request. All counting goes through :mod:`tinystudio.ui.split_plan`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from tinystudio.ui import split_plan
from tinystudio.ui.split_plan import SplitChoice
from tinystudio.ui.widgets.when_shown import WhenShown


class SplitPanel(QGroupBox):
    applied = Signal(object)  # SplitPreview of the split now stored in the project

    def __init__(self, ctx, parent=None) -> None:
        super().__init__("Train/test split", parent)
        self.ctx = ctx
        self.preview_result = None
        self.strategy = QComboBox()
        for key, text, why in split_plan.STRATEGIES:
            self.strategy.addItem(text, key)
            self.strategy.setItemData(self.strategy.count() - 1, why, 3)  # Qt.ToolTipRole
        self.fraction = QDoubleSpinBox()
        self.fraction.setRange(0.05, 0.9)
        self.fraction.setSingleStep(0.05)
        self.fraction.setValue(0.2)
        self.fraction.setPrefix("test ")
        self.subject = QComboBox()
        self.subject.setToolTip("the person whose takes form the test set")
        self.apply_button = QPushButton("Apply split")
        self.apply_button.clicked.connect(self.apply)
        row = QHBoxLayout()
        row.addWidget(self.strategy, 1)
        row.addWidget(self.fraction)
        row.addWidget(self.subject)
        self.now_label = QLabel("")
        self.now_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["class", "train", "test"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMaximumHeight(110)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.now_label)
        layout.addLayout(row)
        layout.addWidget(self.table)
        layout.addWidget(self.verdict)
        layout.addWidget(self.apply_button)
        self.strategy.currentIndexChanged.connect(self.update_preview)
        self.fraction.valueChanged.connect(self.update_preview)
        self.subject.currentIndexChanged.connect(self.update_preview)
        # Previews plan a split over every recording: only when the panel can be seen
        # (a label edit on the Label page would pay it for nothing; 0.6 s at 10,000).
        self._reset_pending = False
        self._gate = WhenShown(self, self._refresh_pending)
        ctx.project_changed.connect(lambda _p: self._request(reset=True))
        ctx.recordings_changed.connect(lambda: self._request(reset=False))
        self.refresh(reset=True)

    def _request(self, reset: bool) -> None:
        self._reset_pending = self._reset_pending or reset
        self._gate.request()

    def _refresh_pending(self) -> None:
        reset, self._reset_pending = self._reset_pending, False
        self.refresh(reset=reset)

    # --------------------------------------------------------------- state
    def choice(self) -> SplitChoice:
        by = self.strategy.currentData()
        return SplitChoice(by, self.fraction.value(), self.subject.currentData() if by == "subject" else None)

    def set_choice(self, choice: SplitChoice) -> None:
        for w in (self.strategy, self.fraction, self.subject):
            w.blockSignals(True)
        self.strategy.setCurrentIndex(max(0, self.strategy.findData(choice.by)))
        if choice.test_fraction:
            self.fraction.setValue(choice.test_fraction)
        if choice.subject is not None:
            self.subject.setCurrentIndex(max(0, self.subject.findData(choice.subject)))
        for w in (self.strategy, self.fraction, self.subject):
            w.blockSignals(False)
        self.update_preview()

    def refresh(self, reset: bool = False) -> None:
        """Re-read the project: its current split, its subjects; preview again."""
        project = self.ctx.project
        self.setEnabled(project is not None)
        if project is None:
            self.now_label.setText("No project open.")
            return
        names = split_plan.subjects(project)
        keep = self.subject.currentData()
        self.subject.blockSignals(True)
        self.subject.clear()
        for name in names:
            self.subject.addItem(name, name)
        self.subject.setCurrentIndex(max(0, self.subject.findData(keep)))
        self.subject.blockSignals(False)
        subject_item = self.strategy.model().item(2)
        subject_item.setEnabled(len(names) >= 2)
        subject_item.setToolTip("" if len(names) >= 2 else "needs takes from two subjects or more "
                                "(set the subject when recording)")
        now = split_plan.state(project)
        self.now_label.setText(split_plan.now_text(project, now))
        in_use = now.choice if now is not None else None
        # the list shows the split in use, as "Now:" does (its problem: the verdict), also
        # when it changed under the list (the trainer made one for its run, a command did);
        # a choice being edited stays while the split in use stays
        changed, self._in_use = in_use != getattr(self, "_in_use", None), in_use
        if reset or (changed and in_use is not None):
            self.set_choice(in_use if in_use is not None else split_plan.recommended(project))
        else:
            self.update_preview()

    def update_preview(self) -> None:
        project = self.ctx.project
        choice = self.choice()
        self.fraction.setVisible(choice.by != "subject")
        self.subject.setVisible(choice.by == "subject")
        if project is None:
            return
        if not split_plan.labeled_classes(project):
            self.preview_result = None
            self.table.setRowCount(0)
            self.verdict.setText("Nothing labeled yet: label segments on the Label page, then split.")
            self.apply_button.setEnabled(False)
            return
        result = split_plan.preview(project, choice)
        self.preview_result = result
        self.table.setRowCount(len(result.counts))
        for row, (name, n) in enumerate(result.counts.items()):
            for col, text in enumerate((name, str(n["train"]), str(n["test"]))):
                self.table.setItem(row, col, QTableWidgetItem(text))
        in_use = choice.same_split(split_plan.current(project)) and split_plan.state(project).ok
        lines = [f"{'In use' if in_use else 'Apply gives'}: train {result.total('train')}, "
                 f"test {result.total('test')} segments ({choice.describe()})."]
        # the split in use: its fallbacks are on the "Now:" line already
        notes = [n for n in result.notes if not (in_use and split_plan.is_fallback_note(n))]
        lines += [f"✘ {p}" for p in result.problems] + [f"⚠ {n}" for n in notes]
        self.verdict.setText("\n".join(lines))
        self.apply_button.setEnabled(result.ok)

    # --------------------------------------------------------------- apply
    def apply(self, choice: SplitChoice | None = None):
        project = self.ctx.project
        if project is None:
            return None
        choice = choice or self.choice()
        try:
            result = split_plan.apply(project, choice)
        except Exception as exc:  # noqa: BLE001 - shown, not swallowed
            self.ctx.report(exc)
            return None
        self.ctx.schedule_save()
        self.ctx.status.emit(f"split {choice.describe()}: train {result.total('train')}, "
                             f"test {result.total('test')} segments")
        self.ctx.recordings_changed.emit()  # the Label page's summary, this panel's "Now:"
        self.set_choice(choice)
        self.applied.emit(result)
        return result
