"""The recordings of a project as a table you can act on (Record and Label pages).

One row per take (name, labels, duration, sensor, subject, session, split), several rows
selectable at once. Rename, delete (to the project's trash folder) and move to train or
test are undoable commands on the page's undo stack: on the Label page they share it with
label edits, so Ctrl+Z walks back through both in the order they happened. The work
itself is :mod:`tinystudio.dataset.manage`; this widget only asks and shows.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tinystudio.dataset import manage
from tinystudio.ui.widgets.flow_layout import FlowLayout
from tinystudio.ui.widgets.recordings_model import COLUMNS, RecordingsModel, RowCache, row_texts

#: Widths are measured from at most this many distinct texts per column (the longest).
_FIT_SAMPLE = 200


def shared_undo_stack(ctx) -> QUndoStack:
    """One undo history per window: a rename on the Record page and a label edit on the
    Label page must be undone in the order they happened, or an older label edit would
    name a recording that no longer exists."""
    stack = getattr(ctx, "undo_stack", None)
    if stack is None:
        stack = QUndoStack(ctx)
        ctx.undo_stack = stack
    return stack


def shared_row_cache(ctx) -> RowCache:
    """One row cache per window: the Record and Label pages list the same recordings, so
    the second table's refresh reuses the first's rows (at 10,000 recordings each pass
    over them costs ~0.5 s on opening a project)."""
    cache = getattr(ctx, "row_cache", None)
    if cache is None:
        cache = RowCache()
        ctx.row_cache = cache
    return cache


class _ManageCommand(QUndoCommand):
    """A recording operation; a failure is reported and the command drops off the stack."""

    def __init__(self, panel, text: str, do, undo) -> None:
        super().__init__(text)
        self.panel, self._do, self._undo = panel, do, undo
        self.failed = False

    def redo(self) -> None:
        self._run(self._do)

    def undo(self) -> None:
        self._run(self._undo)

    def _run(self, fn) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - shown in the window, never lost
            self.failed = True
            self.setObsolete(True)
            self.panel.ctx.report(exc)
        self.panel.ctx.recordings_changed.emit()


class RecordingsPanel(QWidget):
    current_changed = Signal(object)  # recording id or None
    renamed = Signal(str, str)  # old id, new id

    def __init__(self, ctx, undo_stack, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.undo_stack = undo_stack
        self.model = RecordingsModel(self)
        self._cache = shared_row_cache(ctx)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setTextElideMode(Qt.ElideNone)
        self.table.setSortingEnabled(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)  # sized by _fit_columns, not per change
        header.setStretchLastSection(True)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.rename_dialog())

        self.buttons: dict[str, QPushButton] = {}
        bar = FlowLayout()  # wraps in a narrow column instead of clipping a button
        self.title = QLabel("Recordings")
        bar.addWidget(self.title)
        for key, text, tip, slot in (
            ("rename", "Rename…", "rename the selected recording (F2 or double-click)", self.rename_dialog),
            ("delete", "Delete", "move the selected recordings to the project's trash folder (undoable)",
             self.delete_selected),
            ("train", "To train", "put the selected recordings in the training set", lambda: self.move_selected("train")),
            ("test", "To test", "put the selected recordings in the test set", lambda: self.move_selected("test")),
            ("undo", "Undo", "undo the last change", self.undo_stack.undo),
        ):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self.buttons[key] = b
        self.undo_stack.canUndoChanged.connect(self.buttons["undo"].setEnabled)
        self.undo_stack.undoTextChanged.connect(self._undo_text)
        self.buttons["undo"].setEnabled(self.undo_stack.canUndo())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    def _undo_text(self, text: str) -> None:
        from shiboken6 import isValid

        button = self.buttons["undo"]
        if isValid(button):  # the window-wide stack can outlive this page while closing
            button.setToolTip(f"undo {text}" if text else "nothing to undo")

    # ------------------------------------------------------------- listing
    @property
    def rows(self) -> list[manage.RecordingRow]:
        return self.model.rows

    def refresh(self) -> None:
        """Follow the project: changed rows are updated in place; only added, removed or
        renamed recordings reset the table (keeping the selection)."""
        project = self.ctx.project
        keep = set(self.selected_ids())
        before = self.current_id()
        rows = self._cache.rows(project)
        colors = project.class_colors if project is not None else {}
        sm = self.table.selectionModel()
        sm.blockSignals(True)
        try:
            if self.model.set_rows(rows, colors):
                self._fit_columns()
                self._select_rows([i for i, r in enumerate(rows) if r.id in keep])
        finally:
            sm.blockSignals(False)
        self.title.setText(f"Recordings ({len(rows)})")
        self._update_buttons()
        if self.current_id() != before:
            self.current_changed.emit(self.current_id())

    def _fit_columns(self) -> None:
        """Column widths from the widest texts (names in full, so takes are told apart),
        measured once per reset from the longest distinct texts, not cell by cell."""
        fm = QFontMetrics(self.table.font())
        header = self.table.horizontalHeader()
        pad = 2 * self.table.style().pixelMetric(self.table.style().PixelMetric.PM_FocusFrameHMargin) + 12
        texts = [row_texts(r) for r in self.rows]
        for col, name in enumerate(COLUMNS):
            values = sorted({t[col] for t in texts}, key=len, reverse=True)[:_FIT_SAMPLE]
            width = max([fm.horizontalAdvance(v) for v in values] + [fm.horizontalAdvance(name.capitalize()) + 16])
            header.resizeSection(col, width + pad)

    def _select_rows(self, rows: list[int]) -> None:
        """Select whole rows in one selection change (not one per row)."""
        sel = QItemSelection()
        last = len(COLUMNS) - 1
        for row in rows:
            sel.select(self.model.index(row, 0), self.model.index(row, last))
        self.table.selectionModel().select(sel, QItemSelectionModel.ClearAndSelect)

    def _add_row_to_selection(self, row: int) -> None:
        sm = self.table.selectionModel()
        idx = self.model.index(row, 0)
        sm.select(idx, QItemSelectionModel.Select | QItemSelectionModel.Rows)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.rows[r].id for r in rows if r < len(self.rows)]

    def current_id(self) -> str | None:
        ids = self.selected_ids()
        return ids[0] if len(ids) == 1 else None

    def select(self, rec_ids) -> None:
        """Select recordings by id (one id or several); emits ``current_changed``."""
        ids = [rec_ids] if isinstance(rec_ids, str) else list(rec_ids)
        wanted = set(ids)
        rows = [row for row, r in enumerate(self.rows) if r.id in wanted]
        if not rows and ids:
            raise KeyError(ids[0])
        self.table.selectionModel().clearSelection()  # as a click elsewhere: "nothing chosen" first
        self._select_rows(rows)
        if rows:
            self.reveal(rows[0])

    def reveal(self, row: int) -> None:
        """Scroll ``row`` into view now and again once pending layouts ran: a new take's row
        arrives with a status line that rewraps and a splitter that resizes the table, and a
        scroll measured against the old viewport leaves the row just below its edge."""
        index = QPersistentModelIndex(self.model.index(row, 0))
        self.table.scrollTo(self.model.index(row, 0))

        def again() -> None:
            if index.isValid() and self.table.isVisible():
                self.table.scrollTo(self.model.index(index.row(), 0))
        QTimer.singleShot(0, self.table, again)

    def _selection_changed(self) -> None:
        self._update_buttons()
        self.current_changed.emit(self.current_id())

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        self.buttons["rename"].setEnabled(n == 1)
        for key in ("delete", "train", "test"):
            self.buttons[key].setEnabled(n >= 1)

    def _menu(self, pos) -> None:
        menu = QMenu(self)
        for key in ("rename", "delete", "train", "test"):
            b = self.buttons[key]
            act = menu.addAction(b.text(), b.click)
            act.setEnabled(b.isEnabled())
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # ----------------------------------------------------------- operations
    def _push(self, text: str, do, undo) -> bool:
        cmd = _ManageCommand(self, text, do, undo)
        self.undo_stack.push(cmd)
        return not cmd.failed

    def rename_dialog(self) -> None:
        rid = self.current_id()
        if rid is None:
            return
        new, ok = QInputDialog.getText(self, "Rename recording", f"New name for {rid}:", text=rid)
        if ok and new.strip() and new.strip() != rid:
            self.rename(rid, new.strip())

    def rename(self, rec_id: str, new_id: str) -> bool:
        project = self.ctx.project
        state = {"new": new_id}

        def do() -> None:
            state["new"] = manage.rename_recording(project, rec_id, new_id)
            self.renamed.emit(rec_id, state["new"])

        def undo() -> None:
            manage.rename_recording(project, state["new"], rec_id)
            self.renamed.emit(state["new"], rec_id)

        ok = self._push(f"rename {rec_id} to {new_id}", do, undo)
        if ok:
            self.refresh()
            self.select(state["new"])
        return ok

    def delete_selected(self) -> bool:
        return self.delete(self.selected_ids())

    def delete(self, rec_ids: list[str]) -> bool:
        if not rec_ids:
            return False
        project = self.ctx.project
        state: dict = {}

        def do() -> None:
            state["items"] = manage.trash_recordings(project, rec_ids)

        def undo() -> None:
            manage.untrash(project, state["items"])

        what = rec_ids[0] if len(rec_ids) == 1 else f"{len(rec_ids)} recordings"
        ok = self._push(f"delete {what}", do, undo)
        if ok:
            self.ctx.status.emit(f"moved {what} to {manage.TRASH_DIR}/ in the project (Undo brings it back)")
        return ok

    def move_selected(self, split: str) -> bool:
        return self.move(self.selected_ids(), split)

    def move(self, rec_ids: list[str], split: str) -> bool:
        if not rec_ids:
            return False
        project = self.ctx.project
        state: dict = {}

        def do() -> None:
            state["before"] = manage.set_recording_split(project, rec_ids, split)

        def undo() -> None:
            manage.restore_assignments(project, state["before"])

        what = rec_ids[0] if len(rec_ids) == 1 else f"{len(rec_ids)} recordings"
        return self._push(f"move {what} to {split}", do, undo)
