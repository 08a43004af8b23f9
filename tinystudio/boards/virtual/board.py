"""The virtual board: a pty that speaks the TinyStudio protocol exactly as firmware does.

It lets anyone try TinyStudio without a board, and lets tests drive the real host stack
(pyserial, reader thread, decoder) over a real pty. Behaviour follows docs/protocol.md:
HELLO at boot and on GET_INFO, PONG, START/STOP with ACK (nothing streams before
START), SAMPLES and CAMERA_CHUNK with a sequence counter per stream, LOG. Samples are
paced by the monotonic clock (each tick sends every sample due since START), so the
long-run rate is exact however late the thread wakes.

Extending the board (model upload, inference, fault injection)
--------------------------------------------------------------
* Message handling is a dispatch table, ``board.handlers: dict[MsgType, Handler]``. Add
  a request type with ``board.register(MsgType.MODEL_BEGIN, handler)``; the handler gets
  the decoded :class:`Frame` and answers with ``board.reply(frame, MsgType.X, body)``
  (copies the request's seq) or ``board.send_data(MsgType.INFERENCE, stream, body)``
  (per-stream seq, droppable when the link is saturated). Handlers run on the board
  thread; keep them short or hand work to ``add_tick_hook``.
* ``board.add_block_listener(fn)``: ``fn(sensor, raw_block, first_index)`` receives every
  generated sensor block before it is sent, e.g. a model runner doing live inference on
  the board's own stream.
* ``board.add_tick_hook(fn)``: ``fn(now)`` runs once per tick (5 ms) on the board thread.
* ``board.incoming_filters`` / ``board.outgoing_filters``: functions applied to each
  decoded incoming Frame / each encoded outgoing frame; return None to drop it (fault
  injection: lost or corrupted chunks, a noisy line). ``board.unplug()`` closes the pty.
* The HELLO profile (name, board_id, model_slot_bytes, arena_bytes) comes from the board
  registry: ``VirtualBoard(sensors, board="nano33ble_rev2")``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinystudio import __version__
from tinystudio.boards.virtual.pty_link import PtyLink
from tinystudio.devices import protocol as p

Handler = Callable[[p.Frame], None]
BlockListener = Callable[[Any, np.ndarray, int], None]
TickHook = Callable[[float], None]
BLOCK_S = 0.005
#: Generation pauses while more than this is queued for the host.
GATE_BYTES = 1 << 20
#: At most this much signal is generated per tick, so output keeps flowing while catching up.
MAX_BLOCK_S = 0.05
#: Falling further behind than this skips samples (a sensor FIFO overrun) with a LOG.
MAX_BEHIND_S = 1.0


@dataclass
class _Stream:
    sensor: Any  # a sim_sensors / sim_replay source: .info, .generate(n)
    running: bool = False
    t0: float = 0.0
    sent: int = 0
    image_id: int = 0
    samples_total: int = 0
    overruns: int = 0
    last_overrun_log: float = -1e9


class PtyBoard:
    """Thread and loop plumbing shared by the binary and the text virtual boards."""

    def __init__(self, baud: int | None = None, tx_queue_bytes: int | None = None) -> None:
        self.link = PtyLink(baud, tx_queue_bytes)
        self.port = self.link.path
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        #: Generation pauses while more than this is queued (see ``run``).
        self.gate_bytes = GATE_BYTES

    def start(self) -> str:
        """Run the board on a daemon thread; returns the port path for the host."""
        self._thread = threading.Thread(target=self.run, name=f"virtual-board {self.port}", daemon=True)
        self._thread.start()
        return self.port

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.link.close()

    def __enter__(self) -> PtyBoard:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Close the pty now, as pulling the cable would; the loop then ends."""
        self.link.close()

    def run(self, stop: threading.Event | None = None) -> None:
        """The board's main loop, on the calling thread, until ``stop`` (or :meth:`stop`)."""
        stop = stop or self._stop
        try:
            self.boot(time.monotonic())
            next_tick = time.monotonic()
            while not (stop.is_set() or self._stop.is_set() or self.link.closed):
                data = self.link.read()
                if data:
                    self.on_input(data)
                now = time.monotonic()
                # While the host has not taken what is queued, the board's loop is blocked in
                # its serial write (as Arduino's Serial.write blocks): no new samples, and a
                # long stall ends in a sensor overrun, as on hardware.
                if now >= next_tick and self.link.pending < self.gate_bytes:
                    self.tick(now)
                    next_tick += BLOCK_S
                    if next_tick < now:
                        next_tick = now + BLOCK_S
                self.link.flush()
                self.link.wait(max(0.0, min(next_tick - time.monotonic(), BLOCK_S)))
        except BaseException as exc:  # surfaced to tests via .error; the CLI re-raises
            self.error = exc
            raise
        finally:
            with contextlib.suppress(OSError):
                self.link.flush()

    # Subclasses fill these in.
    def boot(self, now: float) -> None: ...

    def tick(self, now: float) -> None: ...

    def on_input(self, data: bytes) -> None: ...


class VirtualBoard(PtyBoard):
    """A binary-protocol board with the given simulated sensors."""

    def __init__(
        self,
        sensors: Sequence[Any],
        *,
        board: str = "virtual",
        baud: int | None = None,
        max_body: int = p.MAX_BODY,
        tx_queue_bytes: int | None = None,
    ) -> None:
        super().__init__(baud, tx_queue_bytes)
        from tinystudio.devices.registry import profile

        ids = [s.info.sensor_id for s in sensors]
        if len(set(ids)) != len(ids):
            raise ValueError(f"sensor ids must be unique, got {ids}")
        self.profile = profile(board)
        self.max_body = max_body
        self.streams: dict[int, _Stream] = {s.info.sensor_id: _Stream(s) for s in sensors}
        self.decoder = p.FrameDecoder()
        self.handlers: dict[int, Handler] = {
            p.MsgType.GET_INFO: self._on_get_info,
            p.MsgType.PING: self._on_ping,
            p.MsgType.START: self._on_start_stop,
            p.MsgType.STOP: self._on_start_stop,
        }
        self.block_listeners: list[BlockListener] = []
        self.tick_hooks: list[TickHook] = []
        self.incoming_filters: list[Callable[[p.Frame], p.Frame | None]] = []
        self.outgoing_filters: list[Callable[[bytes], bytes | None]] = []
        self._seq: dict[tuple[int, int], int] = {}
        self._warned_types: set[int] = set()
        self.frames_sent = 0
        self.frames_received = 0

    # ------------------------------------------------------------- extension API
    def register(self, msg_type: int, handler: Handler) -> None:
        self.handlers[int(msg_type)] = handler

    def add_block_listener(self, fn: BlockListener) -> None:
        self.block_listeners.append(fn)

    def add_tick_hook(self, fn: TickHook) -> None:
        self.tick_hooks.append(fn)

    @property
    def info(self) -> p.DeviceInfo:
        name = self.profile.name if self.profile.id == "virtual" else f"{self.profile.name} (virtual)"
        return p.DeviceInfo(
            board_name=name,
            firmware_version=f"tinystudio-sim {__version__}",
            board_id=self.profile.id,
            model_slot_bytes=self.profile.model_slot_bytes,
            arena_bytes=self.profile.arena_bytes,
            max_body=self.max_body,
            sensors=tuple(s.sensor.info for s in self.streams.values()),
        )

    # ----------------------------------------------------------------- sending
    def _emit(self, frame: bytes, droppable: bool) -> bool:
        for f in self.outgoing_filters:
            out = f(frame)
            if out is None:
                return False
            frame = out
        if self.link.queue(frame, droppable):
            self.frames_sent += 1
            return True
        return False

    def send(self, msg_type: int, stream: int, body: bytes = b"", seq: int = 0) -> None:
        """A control frame: never dropped, even when the link is saturated."""
        self._emit(p.encode_frame(msg_type, stream, seq, body), droppable=False)

    def reply(self, request: p.Frame, msg_type: int, body: bytes = b"") -> None:
        self.send(msg_type, request.stream, body, request.seq)

    def send_data(self, msg_type: int, stream: int, body: bytes) -> bool:
        """A data frame with the next seq of (type, stream); dropped if the TX queue is full.

        A dropped frame still uses its seq number, so the host counts it as lost.
        """
        key = (int(msg_type), stream)
        seq = self._seq.get(key, 0)
        self._seq[key] = (seq + 1) & 0xFFFF
        return self._emit(p.encode_frame(msg_type, stream, seq, body), droppable=True)

    def log(self, level: p.LogLevel, text: str) -> None:
        self.send(p.MsgType.LOG, p.NO_STREAM, p.encode_log(level, text))

    # ----------------------------------------------------------------- requests
    def on_input(self, data: bytes) -> None:
        for frame in self.decoder.feed(data):
            for f in self.incoming_filters:
                frame = f(frame)
                if frame is None:
                    break
            if frame is None:
                continue
            self.frames_received += 1
            handler = self.handlers.get(frame.type)
            if handler is not None:
                handler(frame)
            elif frame.type not in self._warned_types:
                self._warned_types.add(frame.type)
                self.log(p.LogLevel.WARNING, f"virtual board ignores message type 0x{frame.type:02x}")

    def _on_get_info(self, frame: p.Frame) -> None:
        self.reply(frame, p.MsgType.HELLO, p.encode_hello(self.info))

    def _on_ping(self, frame: p.Frame) -> None:
        self.reply(frame, p.MsgType.PONG, frame.body[:64])

    def _on_start_stop(self, frame: p.Frame) -> None:
        if len(frame.body) != 1:
            self.reply(frame, p.MsgType.ACK, p.encode_ack(p.MsgType(frame.type), p.Status.BAD_REQUEST))
            return
        sid = frame.body[0]
        if sid != p.NO_STREAM and sid not in self.streams:
            self.reply(frame, p.MsgType.ACK, p.encode_ack(p.MsgType(frame.type), p.Status.UNKNOWN_SENSOR))
            return
        start = frame.type == p.MsgType.START
        now = time.monotonic()
        for key, st in self.streams.items():
            if sid in (p.NO_STREAM, key):
                if start and not st.running:
                    st.running, st.t0, st.sent = True, now, 0
                elif not start:
                    st.running = False
        self.reply(frame, p.MsgType.ACK, p.encode_ack(p.MsgType(frame.type), p.Status.OK))

    # ------------------------------------------------------------------- stream
    def boot(self, now: float) -> None:
        # A lone delimiter flushes any half frame the host holds, then the boot HELLO.
        self.link.queue(p.DELIMITER)
        self.send(p.MsgType.HELLO, p.NO_STREAM, p.encode_hello(self.info))

    def tick(self, now: float) -> None:
        for st in self.streams.values():
            if st.running:
                rate = st.sensor.info.rate_hz
                due = int((now - st.t0) * rate) - st.sent
                if due > rate * MAX_BEHIND_S:
                    # The sim cannot generate this fast (or was suspended): skip ahead like a
                    # firmware sensor FIFO overrun, and say so, rather than spiral behind.
                    skipped = due - int(rate * BLOCK_S)
                    st.sent += skipped
                    st.overruns += skipped
                    if now - st.last_overrun_log > 1.0:
                        st.last_overrun_log = now
                        self.log(p.LogLevel.WARNING, f"{st.sensor.info.name}: overrun, {st.overruns} samples skipped")
                    due -= skipped
                if due > 0:
                    self._produce(st, min(due, max(1, int(rate * MAX_BLOCK_S))))
        for hook in self.tick_hooks:
            hook(now)

    def _produce(self, st: _Stream, n: int) -> None:
        info = st.sensor.info
        block = st.sensor.generate(n)
        first = st.samples_total
        st.sent += n
        st.samples_total += n
        for fn in self.block_listeners:
            fn(st.sensor, block, first)
        if info.kind == p.SensorKind.CAMERA:
            for image in block:
                self._send_image(st, image)
            return
        per = p.samples_per_frame(info, self.max_body)
        data = np.ascontiguousarray(block, dtype=info.sample_type.dtype)
        for i in range(0, n, per):
            self.send_data(p.MsgType.SAMPLES, info.sensor_id, data[i : i + per].tobytes())

    def _send_image(self, st: _Stream, image: np.ndarray) -> None:
        info = st.sensor.info
        raw = np.ascontiguousarray(image, dtype=np.uint8).tobytes()
        room = self.max_body - p.CAMERA_HEADER.size
        for off in range(0, len(raw), room):
            chunk = p.CameraChunk(st.image_id, info.width, info.height, info.pixel_format, off, raw[off : off + room])
            self.send_data(p.MsgType.CAMERA_CHUNK, info.sensor_id, p.encode_camera_chunk(chunk))
        st.image_id = (st.image_id + 1) & 0xFFFF


@dataclass
class SimConfig:
    """What ``tinystudio sim`` builds; also handy for tests."""

    sensors: tuple[str, ...] = ("imu", "mic", "camera")
    imu_rate: float = 119.0
    mic_rate: float = 16000.0
    camera_fps: float = 10.0
    camera_size: int = 96
    camera_folder: str | None = None  # one subfolder per class (camera_sources.FolderCamera)
    camera_class: str | None = None  # show only this class of the folder
    camera_video: str | None = None  # a video file the camera plays (camera_sources.VideoCamera)
    gesture: str | None = None
    replay: str | None = None
    rate: float | None = None
    baud: int | None = None
    seed: int = 0
    board: str = "virtual"
    text: str | None = None  # None (binary), "imu_capture" or "plotter"
    text_pause: float = 0.3
    #: What the IMU shows at start (``sources.build_source`` spec); None: the built-in gestures.
    source: dict | None = None
    extra: dict = field(default_factory=dict)


def build_sensors(cfg: SimConfig) -> list[Any]:
    from tinystudio.boards.virtual import replay as sim_replay
    from tinystudio.boards.virtual import sensors as sim_sensors
    from tinystudio.boards.virtual.sources import SensorSlot, SyntheticSource, build_source

    replay = sim_replay.load_replay(cfg.replay, cfg.rate) if cfg.replay else None
    out: list[Any] = []
    for name in cfg.sensors:
        if name == "imu":
            synthetic = sim_sensors.GestureImu(cfg.imu_rate, cfg.gesture, seed=cfg.seed)
        elif name == "mic":
            synthetic = sim_sensors.SyntheticMic(cfg.mic_rate, seed=cfg.seed)
        elif name == "camera" and cfg.camera_video:
            from tinystudio.boards.virtual.camera_sources import VideoCamera

            out.append(VideoCamera(cfg.camera_video, cfg.camera_fps, cfg.camera_size, seed=cfg.seed))
            continue
        elif name == "camera" and cfg.camera_folder:
            from tinystudio.boards.virtual.camera_sources import FolderCamera

            # a raw sensor with its own info (colour or not), not a switchable slot yet
            out.append(FolderCamera(cfg.camera_folder, cfg.camera_fps, cfg.camera_size, cfg.camera_class,
                                    seed=cfg.seed))
            continue
        elif name == "camera":
            synthetic = sim_sensors.SyntheticCamera(cfg.camera_fps, cfg.camera_size, seed=cfg.seed)
        else:
            raise ValueError(f"unknown sensor {name!r}; choose from imu, mic, camera")
        # Each sensor is a slot whose source can change while the board runs (sources.py).
        slot = SensorSlot(synthetic.info, SyntheticSource(synthetic), "built-in signals")
        if name == "imu" and cfg.source is not None:
            from tinystudio.boards.virtual.control import describe

            slot.set_source(build_source(cfg.source, slot.info), describe(cfg.source))
        out.append(slot)
    if replay is not None:
        # The recording takes the place of the synthetic sensor with its id (or joins them).
        out = [s for s in out if s.info.sensor_id != replay.info.sensor_id] + [replay]
        out.sort(key=lambda s: s.info.sensor_id)
    return out


def build_board(cfg: SimConfig) -> PtyBoard:
    sensors = build_sensors(cfg)
    if cfg.text:
        from tinystudio.boards.virtual.replay import ReplaySensor
        from tinystudio.boards.virtual.text_board import TextVirtualBoard

        replays = [s for s in sensors if isinstance(s, ReplaySensor)]
        # A text board prints one stream: the recording if there is one, else the first sensor.
        sensor = replays[0] if replays else sensors[0]
        return TextVirtualBoard(sensor, style=cfg.text, baud=cfg.baud, pause_s=cfg.text_pause)
    board = VirtualBoard(sensors, board=cfg.board, baud=cfg.baud)
    from tinystudio.boards.virtual.model import attach

    attach(board)  # model slot, on-board inference, RUN_INPUT, FAULT (docs/protocol.md 6-8)
    return board


__all__ = ["PtyBoard", "SimConfig", "VirtualBoard", "build_board", "build_sensors"]
