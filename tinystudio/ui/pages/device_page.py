"""Device page: pick a port (or the virtual board), connect, watch every sensor live.

The port list refreshes itself on plug/unplug (the controller polls in a worker).
Plots are created once per connected board from its HELLO and redrawn on the
controller's display tick only while this page is on screen.
"""

from __future__ import annotations

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
        self.replay_edit = QLineEdit()
        self.replay_edit.setPlaceholderText("optional: CSV/HDF5 file to replay")
        browse = QPushButton("…")
        browse.setToolTip("choose a file for the virtual board to replay")
        browse.clicked.connect(self._browse_replay)
        replay_row = QHBoxLayout()
        replay_row.addWidget(self.replay_edit)
        replay_row.addWidget(browse)
        self.sensor_boxes = {k: QCheckBox(k) for k in ("imu", "mic", "camera")}
        self.sensor_boxes["imu"].setChecked(True)
        self.sensor_boxes["mic"].setChecked(True)
        sensors_row = QHBoxLayout()
        for b in self.sensor_boxes.values():
            sensors_row.addWidget(b)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("Connect (Ctrl+K, Board menu)")
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
        self.placeholder = QLabel("Connect a board (or the virtual board) to see its sensors live.")
        self.placeholder.setAlignment(Qt.AlignCenter)
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
        board.connecting.connect(lambda m: self.info_label.setText(m + " …"))
        board.connected.connect(self._connected)
        board.disconnected.connect(self._disconnected)
        board.error.connect(self._error)
        board.board_lost.connect(self._lost)
        board.board_back.connect(lambda m: self.banner.hide())
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

    def virtual_options(self) -> VirtualBoardOptions:
        sensors = ",".join(k for k, b in self.sensor_boxes.items() if b.isChecked()) or "imu"
        return VirtualBoardOptions(sensors=sensors, replay=self.replay_edit.text().strip() or None)

    def connect_selected(self) -> None:
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
        self.info_label.setText(
            f"<b>{info.board_name}</b> firmware {info.firmware_version}<br>"
            f"{session.port} · {session.mode} mode · model slot {info.model_slot_bytes} B · "
            f"arena {info.arena_bytes} B"
        )
        self.stats_table.setRowCount(len(info.sensors))
        for row, s in enumerate(info.sensors):
            self.stats_table.setItem(row, 0, QTableWidgetItem(s.name))
        self.connect_button.setText("Reconnect")
        self.disconnect_button.setEnabled(True)
        self.stats_timer.start()

    def _clear_views(self) -> None:
        for v in self.views.values():
            v.setParent(None)
            v.deleteLater()
        self.views.clear()

    def _disconnected(self) -> None:
        self.stats_timer.stop()
        self._clear_views()
        self.placeholder.show()
        self.info_label.setText("Not connected.")
        self.stats_table.setRowCount(0)
        self.connect_button.setText("Connect")
        self.disconnect_button.setEnabled(False)

    def _error(self, message: str) -> None:
        self.info_label.setText(f"<span style='color:#d33'>{message}</span>")

    def _lost(self, message: str) -> None:
        self.banner.show_message(
            f"The board is gone ({message}). Recordings so far are kept.", "Reconnect"
        )

    # --------------------------------------------------------------- drawing
    def refresh(self) -> None:
        session = self.board.session
        if session is None or not (self.always_draw or self.isVisible()):
            return
        drew = False
        for sid, view in self.views.items():
            st = session.streams.get(sid)
            if st is not None:
                drew = view.update_from(st.ring) or drew
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
