"""The studio window: workflow pages in a sidebar, project picker, status bar.

Geometry, the last page and recent projects persist in QSettings. Files dropped on the
window are imported into the open project in a worker. Errors from any worker land in a
strip at the top of the window and in the status bar, never only in a terminal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.app import settings
from tinystudio.ui.context import StudioContext
from tinystudio.ui.widgets.banner import Banner
from tinystudio.ui.workers import start_worker, stop_all

MAX_RECENT = 8

#: (module under tinystudio.ui.pages, class, icon). Built after the window is on screen.
PAGES = (
    ("device_page", "DevicePage", QStyle.SP_DriveNetIcon, "Device"),
    ("record_page", "RecordPage", QStyle.SP_MediaPlay, "Record"),
    ("label_page", "LabelPage", QStyle.SP_FileDialogDetailedView, "Label"),
    ("train_page", "TrainPage", QStyle.SP_ComputerIcon, "Train"),
    ("deploy_page", "DeployPage", QStyle.SP_ArrowUp, "Deploy"),
)


def projects_folder() -> Path:
    """Where projects live unless the user says otherwise (the window's default project is
    there too); dialogs start here, not in whatever folder the window was started from."""
    import os

    folder = Path(os.environ.get("TINYSTUDIO_PROJECTS_DIR") or Path.home() / "TinyStudio")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder


def _open_project(path: str, *, progress, stop):
    from tinystudio.dataset import Project

    project = Project.open_or_create(path)
    project.prepare_for_edits()  # here, off the GUI thread: the first label edit saves fast
    return project


def _new_project(path: str, task: str, *, progress, stop):
    from tinystudio.dataset import Project, schema

    if (Path(path) / schema.PROJECT_FILE).exists():
        return Project.open(path)
    return Project.create(path, task=task)


class MainWindow(QMainWindow):
    """Shows at once with placeholder pages; :meth:`build_pages` (queued right after the
    first show) imports pyqtgraph and creates the real pages, then emits ``ready``."""

    shown = Signal()  # the first time the window is on screen
    ready = Signal()  # every page built

    def __init__(self, context: StudioContext | None = None) -> None:
        super().__init__()
        self.setWindowTitle("TinyStudio")
        # below this the pages stop fitting (the Train page's form and matrices collapse);
        # every page is checked whole at this size (tests/ui/test_ui_layout_pages.py)
        self.setMinimumSize(1024, 700)
        self.setAcceptDrops(True)
        self.ctx = context or StudioContext(parent=self)
        self.board = self.ctx.board
        self.settings = settings()

        self.pages = []
        self.stack = QStackedWidget()
        self.nav = QListWidget()
        self.nav.setFixedWidth(132)
        self.nav.setIconSize(QSize(24, 24))
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.is_ready = False
        self._pending_start = None
        for _module, _cls, icon, title in PAGES:
            placeholder = QLabel(f"{title}: loading …")
            placeholder.setAlignment(Qt.AlignCenter)
            placeholder.title = title
            self.pages.append(placeholder)
            self.stack.addWidget(placeholder)
            self.nav.addItem(QListWidgetItem(self.style().standardIcon(icon), title))

        self.error_strip = Banner()
        self.error_strip.action.connect(self.error_strip.hide)
        central = QWidget()
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.error_strip)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self._build_status_bar()
        self._build_menus()
        self.ctx.error.connect(self.show_error)
        self.ctx.status.connect(lambda m: self.statusBar().showMessage(m, 5000))
        self.ctx.recording_state.connect(self.rec_label.setText)
        self.ctx.project_changed.connect(self._project_changed)
        self.board.error.connect(self.show_error)
        self.board.connected.connect(self._board_connected)
        self.board.disconnected.connect(lambda: (self.board_label.setText("no board"), self._clear_rates()))
        self.board.connecting.connect(lambda m: self.board_label.setText("board: connecting …"))
        self.board.failed.connect(self._board_failed)
        self.board.board_lost.connect(self._board_lost)
        self.board.board_back.connect(self._board_back)
        self.board.tick.connect(self._tick)
        self._ticks = 0
        self._restore()

    # ------------------------------------------------------------------- pages
    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self.is_ready:
            QTimer.singleShot(0, self._first_shown)

    def _first_shown(self) -> None:
        self.shown.emit()
        QTimer.singleShot(0, self.build_pages)

    def build_pages(self) -> None:
        """Create the real pages (idempotent). Tests may call it directly."""
        if self.is_ready:
            return
        import importlib

        from tinystudio.ui.app import configure_plots

        configure_plots()
        current = max(0, self.nav.currentRow())
        for i, (module, cls, _icon, _title) in enumerate(PAGES):
            mod = importlib.import_module(f"tinystudio.ui.pages.{module}")
            page = getattr(mod, cls)(self.ctx)
            setattr(self, module, page)
            old = self.pages[i]
            self.stack.insertWidget(i, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.pages[i] = page
        self.stack.setCurrentIndex(current)
        self.is_ready = True
        if self.ctx.project is not None:
            self.ctx.project_changed.emit(self.ctx.project)
        self.ready.emit()
        if self._pending_start is not None:
            args, self._pending_start = self._pending_start, None
            self.start(**args)

    def show_page(self, title: str) -> None:
        for i, p in enumerate(self.pages):
            if p.title.lower() == title.lower():
                self.nav.setCurrentRow(i)
                return
        raise KeyError(title)

    def page(self, title: str):
        for p in self.pages:
            if p.title.lower() == title.lower():
                return p
        raise KeyError(title)

    # ------------------------------------------------------------ status bar
    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.board_label = QLabel("no board")
        self.rate_label = QLabel("")
        self.lost_label = QLabel("")
        self.rec_label = QLabel("")
        self.project_label = QLabel("")
        for w in (self.project_label, self.board_label, self.rate_label, self.lost_label, self.rec_label):
            sb.addPermanentWidget(w)

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks % 12 or self.board.lost:
            return
        stats = self.board.stats()
        if not stats:
            return
        rates = [f"{s.rate_hz:.0f} Hz" if s.rate_hz else "-- Hz" for s in stats.values()]
        lost = sum(s.lost_frames for s in stats.values())
        self.rate_label.setText(" · ".join(rates))
        self.lost_label.setText(f"lost frames: {lost}")

    def _board_connected(self, info) -> None:
        self.board_label.setText(f"board: {info.board_name}")
        self.board_label.setToolTip("")
        self.error_strip.hide()

    def _board_lost(self, message: str) -> None:
        # the pages say it in full (banner, Deploy); the status bar holds the state only
        self.board_label.setText("board: gone")
        self.board_label.setToolTip(self.board.lost_detail)
        self._clear_rates()

    def _board_failed(self, _message: str) -> None:
        self.board_label.setText("no board (connection failed)")
        self._clear_rates()

    def _clear_rates(self) -> None:
        """No board, no rates: figures of a board that is gone would read as live."""
        self.rate_label.setText("")
        self.lost_label.setText("")

    def _board_back(self, message: str) -> None:
        info = self.board.info
        self.board_label.setText(f"board: {info.board_name if info else '?'}")
        self.statusBar().showMessage(message, 5000)

    def show_error(self, message: str) -> None:
        """One strip, one message: the same error reported again is not stacked or repeated."""
        if self.error_strip.text == message:
            return
        self.error_strip.show_message(message, "Dismiss")
        if not self.error_strip.isVisible():  # the strip is hidden (demo mode): fall back
            self.statusBar().showMessage(message, 10000)

    # ---------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self._action(file_menu, "&New project…", QKeySequence.New, self.new_project_dialog)
        self._action(file_menu, "&Open project…", QKeySequence.Open, self.open_project_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.example_menu = file_menu.addMenu("Open e&xample")
        self.example_menu.aboutToShow.connect(self._fill_example_menu)
        self._action(file_menu, "&Import files…", "Ctrl+I", self.import_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.Quit, self.close)
        board_menu = mb.addMenu("&Board")
        self._action(board_menu, "&Connect", "Ctrl+K", lambda: self.is_ready and self.device_page.connect_selected())
        self._action(board_menu, "&Disconnect", "Ctrl+Shift+K", lambda: self.board.disconnect_board())
        view = mb.addMenu("&View")
        self.page_actions = []
        for i in range(len(self.pages)):
            # QAction.triggered passes ``checked`` (False): a bare ``lambda i=i`` took it as
            # the page index, so every item and Ctrl+1..5 went to page 0.
            self.page_actions.append(self._action(
                view, self.pages[i].title, f"Ctrl+{i + 1}", lambda _checked=False, i=i: self.nav.setCurrentRow(i)))
        view.addSeparator()
        self.fullscreen_action = self._action(view, "Full-screen demo", "F11", self.toggle_demo)
        from tinystudio.ui.help_menu import build_help_menu

        build_help_menu(self)
        self._refresh_recent_menu()

    def _action(self, menu, text, shortcut, slot) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def toggle_demo(self) -> None:
        deploy = getattr(self, "deploy_page", None)
        if deploy is not None:
            deploy.toggle_demo()
        elif self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    # -------------------------------------------------------------- projects
    def open_project(self, path: str | Path) -> None:
        path = str(path)
        self.statusBar().showMessage(f"opening {path} …", 3000)
        start_worker(
            _open_project, path,
            on_result=self.ctx.set_project,
            on_error=self.ctx.report,
        )

    def _project_changed(self, project) -> None:
        if project is None:
            self.project_label.setText("no project")
            return
        self.project_label.setText(f"project: {project.path.name}")
        # Qt appends the application display name itself ("gestures — TinyStudio"); naming
        # it here too read "TinyStudio — gestures — TinyStudio"
        self.setWindowTitle(project.path.name)
        recent = [str(project.path)] + [p for p in self.recent_projects() if p != str(project.path)]
        self.settings.setValue("recent_projects", recent[:MAX_RECENT])
        self._refresh_recent_menu()
        for line in getattr(project, "repairs", []):
            self.statusBar().showMessage(line, 8000)

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent_projects", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_projects():
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.recent_projects()))

    def _fill_example_menu(self) -> None:
        """Built when opened: the example list comes from tinystudio.examples (imported late)."""
        from tinystudio.examples import list_examples

        self.example_menu.clear()
        for example in list_examples():
            act = self.example_menu.addAction(example.title)
            act.setToolTip(example.description)
            act.triggered.connect(lambda _=False, n=example.name: self.open_example(n))

    def open_example(self, name: str, parent: str | Path | None = None) -> None:
        """Copy example ``name`` into a new folder under ``parent`` (asked for) and open it."""
        if parent is None:
            parent = QFileDialog.getExistingDirectory(self, f"Example {name}: where to put the project",
                                                      str(projects_folder()))
            if not parent:
                return
        folder = Path(parent) / name
        i = 1
        while folder.exists():
            i += 1
            folder = Path(parent) / f"{name}-{i}"

        def create(*, progress, stop):
            from tinystudio.examples import create_example

            return create_example(name, folder, stop=stop,
                                  progress=lambda i, n: progress(f"example {name}: {i}/{n}"))

        self.statusBar().showMessage(f"creating example {name} in {folder} …", 5000)
        start_worker(create, on_result=self.open_project, on_error=self.ctx.report)

    def new_project_dialog(self) -> None:
        """The folder and the task (tinystudio/ui/new_project_dialog.py)."""
        from tinystudio.ui.new_project_dialog import NewProjectDialog

        dialog = NewProjectDialog(str(projects_folder() / "new-project"), self)
        if dialog.exec():
            self.new_project(*dialog.choice())

    def new_project(self, path: str | Path, task: str = "classification") -> None:
        """Create a project of ``task`` (an existing project folder is opened as it is)."""
        self.statusBar().showMessage(f"creating {path} ({task}) …", 3000)
        start_worker(_new_project, str(path), task, on_result=self.ctx.set_project,
                     on_error=self.ctx.report)

    def open_project_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open project folder", str(projects_folder()))
        if path:
            self.open_project(path)

    # ---------------------------------------------------------------- import
    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import recordings", "", "Data (*.csv *.txt *.wav *.h5 *.json *.png *.jpg);;All (*)"
        )
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[str]) -> None:
        project = self.ctx.project
        if project is None:
            self.show_error("open or create a project before importing files")
            return
        self.ctx.save_now()
        from tinystudio.dataset.importers import import_paths

        def done(result) -> None:
            self.statusBar().showMessage(
                f"imported {result.recordings} recordings, {result.segments} segments", 8000
            )
            self.open_project(project.path)

        start_worker(
            lambda *, progress, stop: import_paths(project.path, paths, stop=stop),
            on_result=done, on_error=self.ctx.report,
        )

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.import_files(paths)
            event.acceptProposedAction()

    # ------------------------------------------------------------ lifecycle
    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        page = self.settings.value("page", 0)
        try:
            self.nav.setCurrentRow(min(int(page), len(self.pages) - 1))
        except (TypeError, ValueError):
            self.nav.setCurrentRow(0)

    def start(self, project: str | None = None, port: str | None = None, virtual: bool | None = None,
              replay: str | None = None) -> None:
        """Open the project and connect: ``port``, else a recognised plugged-in board, else
        (unless ``virtual`` is False) the virtual board, so the first start shows live data."""
        if not self.is_ready:  # pages must exist to hear about the project and the board
            self._pending_start = dict(project=project, port=port, virtual=virtual, replay=replay)
            return
        from tinystudio.devices.registry import list_ports
        from tinystudio.ui.board_controller import VirtualBoardOptions

        target = project or (self.recent_projects() or [str(projects_folder() / "project")])[0]
        self.open_project(target)
        self.board.watch_ports(True)
        if port:
            self.board.connect_port(port)
            return
        if virtual is False:
            return

        def choose(ports) -> None:
            known = [p for p in ports if p.board is not None and not p.ambiguous]
            if known and not virtual and not replay:
                self.board.connect_port(known[0].device)
            else:
                self.board.connect_virtual(VirtualBoardOptions(replay=replay))

        start_worker(list_ports, on_result=choose, on_error=self.ctx.report,
                     pass_progress=False, pass_stop=False)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("page", self.nav.currentRow())
        self.settings.sync()
        for page in self.pages:
            closing = getattr(page, "shutdown", None)
            if closing is not None:
                closing()
        self.ctx.save_now()
        stop_all()
        self.board.shutdown()
        super().closeEvent(event)
