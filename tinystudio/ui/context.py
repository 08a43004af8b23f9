"""What the pages share: the open project, the board, and a way to report errors.

Pages talk to each other only through this object's signals (a new recording, a new
model), never by reaching into one another.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from tinystudio.ui.board_controller import BoardController


class StudioContext(QObject):
    project_changed = Signal(object)  # Project or None
    recordings_changed = Signal()  # recordings or labels changed
    model_changed = Signal(object)  # path of the newest model package
    error = Signal(str)  # shown in the window's error strip
    status = Signal(str)  # transient status bar message
    recording_state = Signal(str)  # "", "recording 3.2 s", ...

    def __init__(self, board: BoardController | None = None, parent=None) -> None:
        super().__init__(parent)
        self.board = board or BoardController(self)
        from tinystudio.ui.virtual_performer import VirtualPerformer

        self.performer = VirtualPerformer(self, self)
        self.project = None
        self.model_path = None
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(lambda: self.save_now(sync_recordings=False))
        # Commands (record, label, split, train, import) may change the project while the
        # window has it open: one stat a second notices, and a merge brings their work in.
        self._reloading = False
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(1000)
        self._watch_timer.timeout.connect(self.reload_if_changed)
        self._watch_timer.start()

    def set_project(self, project) -> None:
        self.save_now()
        self.project = project
        self.project_changed.emit(project)

    def reload_if_changed(self) -> bool:
        """Merge in what another process saved; the window's unsaved edits stay on top.
        One stat here; the file reads run on a worker, the merge back on this thread."""
        project = self.project
        if (project is None or self._reloading or self._save_timer.isActive()
                or not project.changed_on_disk()):
            return False
        from tinystudio.ui.workers import start_worker

        def read(*, progress, stop):
            return project.read_disk_state()

        self._reloading = True
        start_worker(read, on_result=lambda state: self._apply_reload(project, state),
                     on_error=lambda exc: self.error.emit(
                         f"the project changed on disk and could not be reloaded: {exc}"),
                     on_finished=lambda: setattr(self, "_reloading", False))
        return True

    def _apply_reload(self, project, state) -> None:
        """Merge what was read. Only a write by someone else is announced: the studio's own
        (this window's trainer, virtual board or other project objects) is merged quietly,
        and a state already superseded (saved again meanwhile) is not merged at all."""
        from tinystudio.dataset import own_writes

        if project is not self.project or state is None:
            return
        try:
            applied = project.reload(state)
        except Exception as exc:  # noqa: BLE001 - shown, not swallowed
            self.error.emit(f"the project changed on disk and could not be reloaded: {exc}")
            return
        if not applied:
            return
        self.recordings_changed.emit()
        if not own_writes.is_own(project.json_path, state.signature):
            self.status.emit("project reloaded: it was changed on disk")

    def schedule_save(self) -> None:
        """Label edits come in bursts (dragging); write the JSON once they settle."""
        self._save_timer.start()

    def save_now(self, sync_recordings: bool = True) -> None:
        """Write the project. Debounced label edits write only the JSON (the authority,
        milliseconds); refreshing the label copies inside recording files rewrites whole
        files, so it waits for a project switch, an import or the window closing."""
        self._save_timer.stop()
        if self.project is not None:
            try:
                self.project.save(sync_recordings=sync_recordings)
            except Exception as exc:  # noqa: BLE001 - shown, not swallowed
                self.error.emit(f"could not save the project: {exc}")

    def report(self, exc: BaseException) -> None:
        from tinystudio.errors import TinyStudioError

        if isinstance(exc, TinyStudioError):
            self.error.emit(str(exc))
        else:
            self.error.emit(f"{type(exc).__name__}: {exc}")
