"""The recordings table's model: rows from the project (its index), updated by row.

Why a model and not a QTableWidget: filling a visible QTableWidget replaced every cell and
each replaced item resized the whole table to its contents -- N^2, 116 s for a label edit
at 1,000 recordings. Here a refresh rebuilds only the rows whose recording changed (same
recording object, same segments list, same split: the old row is kept), tells the view
which rows changed (``dataChanged``), and resets only when recordings were added, removed
or renamed. Column widths are measured once per reset from the texts, never per change.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from tinystudio.dataset import manage

COLUMNS = ("name", "labels", "duration", "sensor", "subject", "session", "split")


def row_texts(r: manage.RecordingRow) -> tuple[str, ...]:
    return (r.id, ", ".join(r.labels) or "(unlabeled)", f"{r.seconds:.1f} s", r.sensor,
            r.subject or "–", r.session or "–", r.split or "–")


class RowCache:
    """``manage.recording_row`` per recording, recomputed only when something it depends
    on changed: the recording object, its segments list (replaced on every label edit),
    the split assignments (compared as a whole: one C-level dict compare)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[object, object, manage.RecordingRow]] = {}
        self._assign: dict | None = None

    def rows(self, project) -> list[manage.RecordingRow]:
        if project is None:
            self._rows.clear()
            return []
        assign = project.split_config.get("assignments", {})
        if assign != self._assign:
            self._rows.clear()
            self._assign = dict(assign)
        out, fresh = [], {}
        for rec in sorted(project.recordings(), key=lambda r: r.id):
            hit = self._rows.get(rec.id)
            if hit is not None and hit[0] is rec and hit[1] is rec.segments:
                row = hit[2]
            else:
                row = manage.recording_row(project, rec, assign)
            fresh[rec.id] = (rec, rec.segments, row)
            out.append(row)
        self._rows = fresh
        return out


class RecordingsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[manage.RecordingRow] = []
        self.colors: dict[str, str] = {}

    # --------------------------------------------------------------- Qt API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].capitalize()
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        r, col = self.rows[index.row()], index.column()
        if role == Qt.DisplayRole:
            return row_texts(r)[col]
        if role == Qt.UserRole:
            return r.id
        if role == Qt.ToolTipRole and col == 0:
            return f"{r.id}: {r.n_segments} segments"
        if role == Qt.ForegroundRole and col == 1 and len(r.labels) == 1 and r.labels[0] in self.colors:
            return QColor(self.colors[r.labels[0]])
        if role == Qt.TextAlignmentRole and col == 2:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    # -------------------------------------------------------------- updates
    def set_rows(self, rows: list[manage.RecordingRow], colors: dict[str, str]) -> bool:
        """Show ``rows``; returns True when the model was reset (recordings added, removed
        or renamed), False when only changed rows were announced."""
        recolored = {k for k in set(colors) | set(self.colors) if colors.get(k) != self.colors.get(k)}
        self.colors = dict(colors)
        if len(rows) != len(self.rows) or any(a.id != b.id for a, b in zip(rows, self.rows, strict=True)):
            self.beginResetModel()
            self.rows = list(rows)
            self.endResetModel()
            return True
        old, self.rows = self.rows, list(rows)
        changed = [i for i, (a, b) in enumerate(zip(old, rows, strict=True))
                   if (a is not b and a != b) or (recolored and len(b.labels) == 1 and b.labels[0] in recolored)]
        last = len(COLUMNS) - 1
        start = prev = None
        for i in [*changed, None]:  # one signal per run of consecutive rows
            if i is not None and prev is not None and i == prev + 1:
                prev = i
                continue
            if start is not None:
                self.dataChanged.emit(self.index(start, 0), self.index(prev, last))
            start = prev = i
        return False
