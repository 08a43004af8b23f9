"""The "virtual board performs" controls: which source, and (on Deploy) which class.

Shown only while a virtual board with its own IMU is connected; a real board, or a
virtual board replaying a file, performs nothing on request. Both the Record and the
Deploy page hold one; they stay in step through the shared :class:`VirtualPerformer`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from tinystudio.ui.virtual_performer import SOURCE_TITLES, SourceKind

REST = "nothing (the board rests)"


class PerformBox(QWidget):
    def __init__(self, ctx, with_class: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.performer = ctx.performer
        self.source = QComboBox()
        for kind, title in SOURCE_TITLES.items():
            self.source.addItem(title, kind)
        self.source.setToolTip("What the virtual board shows. Switching keeps the model it runs.")
        # a source title ("Example takes (Gestures: punch, flex)") must not claim the label's room
        self.source.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(8)
        self.source.currentIndexChanged.connect(self._source_chosen)
        self.what = QComboBox() if with_class else None
        self.note = QLabel("")
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Board source", self.source)
        if self.what is not None:
            self.what.setToolTip("The virtual board performs this class now")
            self.what.activated.connect(self._class_chosen)
            form.addRow("Board performs", self.what)
        form.addRow(self.note)
        self._classes: tuple[str, ...] = ()
        self.performer.changed.connect(self.sync)
        ctx.board.connected.connect(lambda _i: self.sync())
        ctx.board.disconnected.connect(self.sync)
        ctx.board.board_lost.connect(lambda _m: self.sync())
        self.sync()

    def align_labels(self, width: int) -> None:
        """Give the labels the width of the page form's label column, so this box's rows read
        as that form's rows (its fields start where the page's fields start)."""
        form = self.layout()
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.LabelRole)
            if item is not None and item.widget() is not None:
                item.widget().setFixedWidth(width)

    def set_classes(self, classes) -> None:
        """The classes the Deploy page offers (the model's)."""
        self._classes = tuple(classes)
        self.sync()

    def _source_chosen(self, _index: int) -> None:
        kind = self.source.currentData()
        if kind is not None and kind != self.performer.kind:
            self.performer.set_source(kind)

    def _class_chosen(self, _index: int) -> None:
        label = self.what.currentData() or None
        if not self.performer.perform(label) and label is not None:
            self.note.setText(f"{self.source.currentText()} has no {label!r}: the board rests.")

    def sync(self) -> None:
        p = self.performer
        self.setVisible(p.available)
        idx = self.source.findData(p.kind)
        if idx != self.source.currentIndex():
            self.source.blockSignals(True)
            self.source.setCurrentIndex(idx)
            self.source.blockSignals(False)
        if p.kind == SourceKind.MOUSE:
            self.note.setText("Move the mouse: its acceleration is the board's accelerometer.")
        elif p.performing and not p.can_perform(p.performing):
            self.note.setText(f"It cannot perform {p.performing!r}: it rests.")
        else:
            self.note.setText("")
        if self.what is not None:
            self.what.blockSignals(True)
            self.what.clear()
            self.what.addItem(REST, "")
            for c in self._classes:
                self.what.addItem(c, c)
            self.what.setCurrentIndex(max(0, self.what.findData(p.performing or "")))
            self.what.blockSignals(False)
