"""Device page: pick a port (or the virtual board), connect, watch every sensor live.

The port list refreshes itself on plug/unplug (the controller polls in a worker).
Plots are created once per connected board from its HELLO and redrawn on the
controller's display tick only while this page is on screen.

A change of port, replay file or sensors made by the user applies itself (debounced)
once a board has been connected or tried: there is no hidden "press Reconnect" step.
A board that is gone, a failed attempt or a switch drops the plots at once, so nothing
on screen pretends to be live.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tinystudio.ui.board_controller import VIRTUAL, BoardController, VirtualBoardOptions
from tinystudio.ui.widgets.banner import Banner
from tinystudio.ui.widgets.sensor_view import SensorView

#: Replay files the virtual camera plays as video (boards/virtual/camera_sources.VideoCamera).
VIDEO_SUFFIXES = (".gif", ".apng", ".webp", ".tif", ".tiff")

APPLY_DELAY_MS = 350  # typing a path or clicking several boxes applies once, not per key

FIRST_RUN = (
    "No board connected yet.\n\n"
    "Plug in a board and pick its port on the left, or press Connect with "
    "\u201cVirtual board\u201d selected: it streams a simulated IMU and microphone, no "
    "hardware needed.\nThen record your first class on the Record page, or open a "
    "ready-made project with File \u203a Open example."
)


class DevicePage(QWidget):
    title = "Device"
    redrawn = Signal()  # after each display refresh that drew something (benchmarks)

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        board: BoardController = ctx.board
        self.board = board
        self.views: dict[int, SensorView] = {}
        self.always_draw = False  # benchmarks/screenshots draw even when hidden
        # The stats table has its own 4 Hz timer instead of every 10th display tick: the
        # rate estimates and table repaint (~2 ms) then run between frames, never inside
        # one (they made every 10th frame twice as long).
        self.stats_timer = QTimer(self)
        self.stats_timer.setInterval(250)
        self.stats_timer.timeout.connect(self._stats_tick)

        self.port_combo = QComboBox()
        self.port_combo.setMinimumWidth(220)
        self.port_combo.currentIndexChanged.connect(self._port_selected)
        self.port_combo.activated.connect(self._user_changed)  # user picks only, not refreshes
        self.replay_edit = QLineEdit()
        self.replay_edit.setPlaceholderText("optional: CSV/HDF5/WAV to replay; image folder or GIF (camera)")
        browse = QPushButton("…")
        browse.setToolTip("choose a file for the virtual board to replay")
        browse.clicked.connect(self._browse_replay)
        self.replay_edit.editingFinished.connect(self._user_changed)
        replay_row = QHBoxLayout()
        replay_row.addWidget(self.replay_edit)
        replay_row.addWidget(browse)
        self.sensor_boxes = {k: QCheckBox(k) for k in ("imu", "mic", "camera")}
        self.sensor_boxes["imu"].setChecked(True)
        self.sensor_boxes["mic"].setChecked(True)
        sensors_row = QHBoxLayout()
        for b in self.sensor_boxes.values():
            sensors_row.addWidget(b)
            b.clicked.connect(self._user_changed)
        self.apply_timer = QTimer(self)
        self.apply_timer.setSingleShot(True)
        self.apply_timer.setInterval(APPLY_DELAY_MS)
        self.apply_timer.timeout.connect(self._apply_changes)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("Connect (Ctrl+K, Board menu). Once connected, changes to "
                                       "the port, replay file or sensors apply themselves.")
        self.connect_button.clicked.connect(self.connect_selected)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.clicked.connect(lambda: self.board.disconnect_board())
        self.disconnect_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)

        self.info_label = QLabel("Not connected.")
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.stats_table = QTableWidget(0, 5)
        self.stats_table.setHorizontalHeaderLabels(["sensor", "rate Hz", "declared", "lost", "CRC err"])
        self.stats_table.verticalHeader().setVisible(False)
        self.stats_table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.stats_table.setMaximumHeight(150)
        self.stats_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)  # "16000.0", never "1600..."
        self.stats_table.horizontalHeader().setStretchLastSection(True)

        form = QFormLayout()
        form.addRow("Port", self.port_combo)
        form.addRow("Replay", replay_row)
        form.addRow("Sensors", sensors_row)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.info_label)
        side.addWidget(self.stats_table)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(380)
        side_w.setMinimumWidth(330)  # the stats table's five columns without a scroll bar

        self.banner = Banner()
        self.banner.action.connect(self.board.reconnect)
        self.plots = QWidget()
        self.plots_layout = QVBoxLayout(self.plots)
        self.placeholder = QLabel(FIRST_RUN)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.plots_layout.addWidget(self.placeholder)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.plots)
        right = QVBoxLayout()
        right.addWidget(self.banner)
        right.addWidget(scroll, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(side_w)
        layout.addLayout(right, 1)

        self._fill_ports(board.ports)
        board.ports_changed.connect(self._fill_ports)
        board.connecting.connect(self._connecting)
        board.connected.connect(self._connected)
        board.disconnected.connect(self._disconnected)
        board.failed.connect(self._failed)
        board.board_lost.connect(self._lost)
        board.board_back.connect(self._back)
        board.tick.connect(self.refresh)

    # ------------------------------------------------------------------ ports
    def _fill_ports(self, ports) -> None:
        current = self.port_combo.currentData()
        self.port_combo.blockSignals(True)
        self.port_combo.clear()
        self.port_combo.addItem("Virtual board", VIRTUAL)
        for p in ports:
            name = p.board.name if p.board else (p.product or p.description or "unknown board")
            if p.board and p.ambiguous:
                name += " (guess)"
            self.port_combo.addItem(f"{p.device} — {name}", p.device)
        idx = self.port_combo.findData(current)
        self.port_combo.setCurrentIndex(max(idx, 0))
        self.port_combo.blockSignals(False)
        self._port_selected()

    def _port_selected(self) -> None:
        virtual = self.port_combo.currentData() == VIRTUAL
        self.replay_edit.setEnabled(virtual)
        for b in self.sensor_boxes.values():
            b.setEnabled(virtual)

    def _browse_replay(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Replay file", "", "Recordings (*.csv *.h5 *.wav);;All files (*)"
        )
        if path:
            self.replay_edit.setText(path)
            self._user_changed()

    def virtual_options(self) -> VirtualBoardOptions:
        sensors = ",".join(k for k, b in self.sensor_boxes.items() if b.isChecked()) or "imu"
        replay = self.replay_edit.text().strip() or None
        if replay and Path(replay).expanduser().is_dir():  # an image folder: the camera shows it
            return VirtualBoardOptions(sensors=sensors, extra=("--camera-folder", replay))
        if replay and Path(replay).suffix.lower() in VIDEO_SUFFIXES:  # a video: the camera plays it
            return VirtualBoardOptions(sensors=sensors, extra=("--camera-video", replay))
        return VirtualBoardOptions(sensors=sensors, replay=replay)

    def selected_target(self) -> tuple[str, VirtualBoardOptions | None]:
        """What the controls ask for, in the controller's ``last_target`` form."""
        target = self.port_combo.currentData()
        return ("", self.virtual_options()) if target == VIRTUAL else (target, None)

    def _user_changed(self, *_args) -> None:
        """The user changed a control: apply it once a board has been connected or tried."""
        if self.board.last_target is None:
            self.info_label.setText("Press Connect to start.")
            return
        self.apply_timer.start()

    def _apply_changes(self) -> None:
        if self.board.busy:  # a connection is on its way: apply after it
            self.apply_timer.start()
            return
        wanted = self.selected_target()
        if wanted == self.board.last_target and self.board.is_connected and not self.board.lost:
            return
        self.connect_selected()

    def connect_selected(self) -> None:
        self.apply_timer.stop()
        self.banner.hide()
        target = self.port_combo.currentData()
        if target == VIRTUAL:
            self.board.connect_virtual(self.virtual_options())
        else:
            self.board.connect_port(target)

    # --------------------------------------------------------------- session
    def _connected(self, info) -> None:
        self.banner.hide()
        self._clear_views()
        self.placeholder.hide()
        for sensor in info.sensors:
            view = SensorView(sensor)
            self.views[sensor.sensor_id] = view
            self.plots_layout.addWidget(view)
        session = self.board.session
        self._show_target(self.board.last_target)
        _port, virtual = self.board.last_target or ("", None)
        source = ""
        if virtual is not None:
            source = (f"<br>replaying {Path(virtual.replay).name}" if virtual.replay
                      else "<br>simulated signals") + f" · sensors {virtual.sensors}"
        self.info_label.setText(
            f"<b>{info.board_name}</b> firmware {info.firmware_version}<br>"
            f"{session.port} · {session.mode} mode · model slot {info.model_slot_bytes} B · "
            f"arena {info.arena_bytes} B{source}"
        )
        self.stats_table.setRowCount(len(info.sensors))
        for row, s in enumerate(info.sensors):
            self.stats_table.setItem(row, 0, QTableWidgetItem(s.name))
        self.connect_button.setText("Reconnect")
        self.disconnect_button.setEnabled(True)
        self.stats_timer.start()

    def _show_target(self, target) -> None:
        """The controls show what is connected (e.g. a replay given on the command line)."""
        if target is None:
            return
        port, virtual = target
        idx = self.port_combo.findData(VIRTUAL if virtual is not None else port)
        if idx >= 0:
            self.port_combo.setCurrentIndex(idx)
        if virtual is not None:
            self.replay_edit.setText(str(virtual.replay or ""))
            chosen = set(virtual.sensors.split(","))
            for name, box in self.sensor_boxes.items():
                box.setChecked(name in chosen)

    def _clear_views(self) -> None:
        for v in self.views.values():
            v.setParent(None)
            v.deleteLater()
        self.views.clear()

    def _no_live_views(self, placeholder: str, info: str) -> None:
        """Drop the plots and figures of a board that is not streaming here any more."""
        self.stats_timer.stop()
        self._clear_views()
        self.placeholder.setText(placeholder)
        self.placeholder.show()
        self.info_label.setText(info)
        self.stats_table.setRowCount(0)

    def _connecting(self, step: str) -> None:
        self.banner.hide()
        self._no_live_views("Connecting …", step + " …")
        self.connect_button.setText("Connect")

    def _disconnected(self) -> None:
        self._no_live_views(FIRST_RUN if self.board.last_target is None else
                            "Not connected. Press Connect to see the sensors live.", "Not connected.")
        self.connect_button.setText("Connect")
        self.disconnect_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        # the message itself is in the window's error strip (once); here: the state
        self._no_live_views(
            "The connection failed (the message is at the top of the window).\n"
            "Change the port, replay file or sensors (they apply themselves) or press Connect.",
            "Not connected: the last attempt failed.")
        self.connect_button.setText("Connect")
        self.disconnect_button.setEnabled(False)

    def _lost(self, message: str) -> None:
        self._no_live_views("The board is gone: no live data.", "Board gone.")
        self.info_label.setToolTip(self.board.lost_detail)
        self.banner.show_message(
            f"The board is gone ({message}). Recordings so far are kept.", "Reconnect"
        )

    def _back(self, _message: str) -> None:
        self.banner.hide()
        if self.board.info is not None:
            self._connected(self.board.info)

    # --------------------------------------------------------------- drawing
    def refresh(self) -> None:
        session = self.board.session
        if session is None or not (self.always_draw or self.isVisible()):
            return
        drew = False
        for sid, view in self.views.items():
            st = session.streams.get(sid)
            if st is not None:
                drew = view.update_from(st.ring, st) or drew
        if drew:
            self.redrawn.emit()

    def _stats_tick(self) -> None:
        if self.board.session is not None and (self.always_draw or self.isVisible()):
            self._update_stats()

    def _update_stats(self) -> None:
        for row, (_sid, s) in enumerate(self.board.stats().items()):
            if row >= self.stats_table.rowCount():
                break
            for col, value in enumerate(
                (s.rate_hz, s.declared_rate_hz, s.lost_frames, s.crc_errors), start=1
            ):
                text = "--" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
                item = self.stats_table.item(row, col)
                if item is None:
                    self.stats_table.setItem(row, col, QTableWidgetItem(text))
                else:
                    item.setText(text)
