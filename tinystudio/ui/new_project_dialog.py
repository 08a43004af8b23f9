"""File › New project: the folder and the task (classification, anomaly detection or
regression), as `tinystudio new FOLDER --task TASK` asks for them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

#: (project.json task, text, what it means)
TASK_CHOICES = (
    ("classification", "Classification", "which of your classes each window is (gestures, words, images)"),
    ("anomaly", "Anomaly detection", "learn a machine's normal running from normal recordings only; "
                                     "the board says NORMAL or ANOMALY"),
    ("regression", "Regression", "predict a number per window (a target value or a target channel)"),
)


class NewProjectDialog(QDialog):
    def __init__(self, folder: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        row_w = QWidget()
        row_w.setLayout(row)
        self.task = QComboBox()
        for value, text, _why in TASK_CHOICES:
            self.task.addItem(text, value)
        self.why = QLabel("")
        self.why.setWordWrap(True)
        self.task.currentIndexChanged.connect(self._explain)
        form = QFormLayout(self)
        form.addRow("Folder", row_w)
        form.addRow("Task", self.task)
        form.addRow("", self.why)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.folder.textChanged.connect(self._explain)
        self._explain()

    def _explain(self) -> None:
        self.why.setText(TASK_CHOICES[max(0, self.task.currentIndex())][2])
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(bool(self.folder.text().strip()))

    def _browse(self) -> None:
        # A save dialog, so a folder that does not exist yet can be named (a directory
        # chooser answers "Directory not found" to a new name); the project creates it.
        path, _ = QFileDialog.getSaveFileName(self, "New project: name its folder", self.folder.text(),
                                              "Project folder (*)", options=QFileDialog.DontConfirmOverwrite)
        if path:
            self.folder.setText(path)

    def choice(self) -> tuple[str, str]:
        """``(folder, task)`` as entered."""
        return self.folder.text().strip(), str(self.task.currentData())
