"""A connected board: one reader thread, typed messages out, ring buffers filled.

The reader thread is the only code that reads the port. It decodes frames, tracks
sequence gaps per sensor, writes samples into bounded ring buffers and calls
subscribers with one :class:`SampleBlock` per sensor per read (never one call per
frame). Displays pull from the rings on their own timer; recorders subscribe. An
unplugged board is noticed within one read timeout and reported to state subscribers;
with ``reconnect=True`` the session reopens the same port when it comes back.
"""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace

from tinystudio.devices import protocol as p
from tinystudio.devices.handshake import Handshake, handshake
from tinystudio.devices.streams import SampleBlock, SensorStats, SensorStream
from tinystudio.devices.transport import DEFAULT_BAUD, SerialTransport
from tinystudio.errors import DeviceError

SampleCallback = Callable[[SampleBlock], None]
FrameCallback = Callable[[p.Frame], None]


class ConnectionState(enum.Enum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


#: Which reply answers which request (the reply echoes the request's seq).
REPLIES: dict[p.MsgType, tuple[p.MsgType, ...]] = {
    p.MsgType.GET_INFO: (p.MsgType.HELLO,),
    p.MsgType.PING: (p.MsgType.PONG,),
    p.MsgType.START: (p.MsgType.ACK,),
    p.MsgType.STOP: (p.MsgType.ACK,),
    p.MsgType.FAULT: (p.MsgType.ACK,),
    p.MsgType.MODEL_BEGIN: (p.MsgType.MODEL_ACK,),
    p.MsgType.MODEL_COMMIT: (p.MsgType.MODEL_STATUS,),
    p.MsgType.MODEL_STATUS: (p.MsgType.MODEL_STATUS,),
    p.MsgType.MODEL_ABORT: (p.MsgType.MODEL_STATUS,),
    p.MsgType.RUN_INPUT: (p.MsgType.RUN_OUTPUT,),
}


class _Pending:
    __slots__ = ("types", "event", "frame")

    def __init__(self, types: tuple[int, ...]) -> None:
        self.types = types
        self.event = threading.Event()
        self.frame: p.Frame | None = None


#: Bytes a board may have queued for sending when a request arrives (a few frames of samples
#: or results); the reply waits behind them.
TX_BACKLOG_BYTES = 4096


def layout_text(info: p.DeviceInfo) -> str:
    """``imu 6 ch @ 119 Hz, mic 1 ch @ 16000 Hz``: a layout as a user reads it."""
    return ", ".join(f"{s.name} {s.n_channels} ch @ {s.rate_hz:g} Hz" for s in info.sensors) or "no sensors"


class BoardSession:
    """Use :meth:`open`; close with :meth:`close` or a ``with`` block."""

    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        mode: str = "auto",
        hello_timeout: float = 3.0,
        ring_seconds: float = 10.0,
        reconnect: bool = True,
    ) -> None:
        self.port = port
        self.baud = baud
        self.ring_seconds = ring_seconds
        self.reconnect = reconnect
        self._mode_request = mode
        self._hello_timeout = hello_timeout
        self._transport: SerialTransport | None = None
        self._write_lock = threading.Lock()
        self._sample_subs: list[SampleCallback] = []
        self._frame_subs: list[tuple[frozenset[int] | None, FrameCallback]] = []
        self._state_subs: list[Callable[[ConnectionState, str], None]] = []
        self._pending: dict[int, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._next_request = 1
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._streaming: set[int] = set()
        self.logs: deque[tuple[p.LogLevel, str]] = deque(maxlen=200)
        self.state = ConnectionState.DISCONNECTED
        self.state_message = ""
        self.last_data_time = 0.0
        self.segments = 0  # text mode: blank-line boundaries seen
        self.callback_errors = 0
        #: Reads whose data the host failed to handle (a bug or data no check foresaw); the
        #: reader thread goes on with the next read instead of dying silently.
        self.reader_errors = 0
        self._boundary_pending = False
        #: Set by a HELLO whose sensors differ from the ones connected to: the reader
        #: drops the rest of that read, disconnects and (if allowed) connects afresh.
        self._layout_change: str | None = None
        #: How many times the board announced a different sensor layout while connected.
        self.layout_changes = 0
        self.layout_change_message = ""
        self._link: Handshake | None = None
        self.streams: dict[int, SensorStream] = {}

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, port: str, baud: int | None = None, **kwargs) -> BoardSession:
        """Open ``port``, identify the board (binary HELLO or text lines), start reading."""
        session = cls(port, baud or DEFAULT_BAUD, **kwargs)
        session._connect()
        session._thread = threading.Thread(
            target=session._run, name=f"board-reader {port}", daemon=True
        )
        session._thread.start()
        return session

    def _connect(self) -> None:
        transport = SerialTransport(self.port, self.baud)
        try:
            link = handshake(transport, self._mode_request, self._hello_timeout)
        except BaseException:
            transport.close()
            raise
        old = self.streams
        self.streams = {
            s.sensor_id: (
                old[s.sensor_id]
                if s.sensor_id in old and old[s.sensor_id].info == s
                else SensorStream(s, self.ring_seconds, declared=link.mode == "binary")
            )
            for s in link.info.sensors
        }
        self._link = link
        self._transport = transport
        self.last_data_time = time.monotonic()
        self._set_state(
            ConnectionState.CONNECTED, f"connected to {link.info.board_name} on {self.port}"
        )
        if link.leftover_frames:
            self._handle_frames(link.leftover_frames, time.monotonic())
        if link.text_parser is not None and link.leftover_text:
            self._handle_text(link.leftover_text, time.monotonic())

    def close(self) -> None:
        if self.state == ConnectionState.CLOSED:
            return
        self._closing.set()
        if self.mode == "binary" and self.state == ConnectionState.CONNECTED:
            with contextlib.suppress(DeviceError):
                self._send(p.MsgType.STOP, bytes([p.NO_STREAM]), seq=0)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        if self._transport is not None:
            self._transport.close()
        self._set_state(ConnectionState.CLOSED, "closed")

    def __enter__(self) -> BoardSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ properties

    @property
    def info(self) -> p.DeviceInfo:
        assert self._link is not None
        return self._link.info

    @property
    def mode(self) -> str:
        return self._link.mode if self._link else "unknown"

    @property
    def streaming(self) -> frozenset[int]:
        """Sensor ids started with :meth:`start` and not stopped since."""
        return frozenset(self._streaming)

    @property
    def text_parser(self):
        return self._link.text_parser if self._link else None

    @property
    def link_stats(self) -> dict[str, int]:
        d = self._link.decoder if self._link else None
        parser = self.text_parser
        if parser is not None:  # a text board: what its lines gave and what was skipped
            return {"lines": parser.lines, "samples": parser.samples, "bad_lines": parser.bad_lines,
                    "nonfinite_lines": parser.nonfinite_lines}
        if d is None:
            return {"bytes": 0, "frames": 0, "crc_errors": 0, "framing_errors": 0}
        return {
            "bytes": d.bytes_in,
            "frames": d.frames,
            "crc_errors": d.crc_errors,
            "framing_errors": d.framing_errors,
        }

    def stats(self, sensor_id: int | str = 0) -> SensorStats:
        return self._stream(sensor_id).stats()

    def ring(self, sensor_id: int | str = 0):
        return self._stream(sensor_id).ring

    def _stream(self, key: int | str) -> SensorStream:
        if isinstance(key, int) and key in self.streams:
            return self.streams[key]
        try:
            return self.streams[self.info.sensor(key).sensor_id]
        except KeyError as exc:
            raise DeviceError(str(exc.args[0])) from None

    # ---------------------------------------------------------------- subscribers

    def subscribe(self, callback: SampleCallback) -> Callable[[], None]:
        """Call ``callback(block)`` on the reader thread for every decoded sample block."""
        self._sample_subs = [*self._sample_subs, callback]
        return lambda: self._remove("_sample_subs", callback)

    def subscribe_frames(
        self, callback: FrameCallback, types: Iterable[int] | None = None
    ) -> Callable[[], None]:
        """Call ``callback(frame)`` for non-sample messages (LOG, INFERENCE, MODEL_ACK, ...)."""
        entry = (frozenset(int(t) for t in types) if types is not None else None, callback)
        self._frame_subs = [*self._frame_subs, entry]
        return lambda: self._remove("_frame_subs", entry)

    def subscribe_state(
        self, callback: Callable[[ConnectionState, str], None]
    ) -> Callable[[], None]:
        self._state_subs = [*self._state_subs, callback]
        return lambda: self._remove("_state_subs", callback)

    def _remove(self, attr: str, item) -> None:
        setattr(self, attr, [x for x in getattr(self, attr) if x is not item])

    def _set_state(self, state: ConnectionState, message: str) -> None:
        self.state = state
        self.state_message = message
        for cb in self._state_subs:
            self._safe(cb, state, message)

    def _safe(self, cb, *args) -> None:
        try:
            cb(*args)
        except Exception:  # a subscriber's bug must not kill the reader thread
            self.callback_errors += 1

    # ------------------------------------------------------------------- commands

    def _send(
        self, msg_type: int, body: bytes = b"", *, seq: int = 0, stream: int = p.NO_STREAM
    ) -> None:
        transport = self._transport
        if transport is None or self.state != ConnectionState.CONNECTED:
            raise DeviceError(f"board on {self.port} is not connected")
        with self._write_lock:
            transport.write(p.encode_frame(msg_type, stream, seq, body))

    def send(
        self, msg_type: int, body: bytes = b"", *, seq: int = 0, stream: int = p.NO_STREAM
    ) -> None:
        """Send one frame without waiting for a reply (e.g. MODEL_CHUNK)."""
        self._send(msg_type, body, seq=seq, stream=stream)

    def request(
        self,
        msg_type: p.MsgType,
        body: bytes = b"",
        *,
        timeout: float = 1.0,
        stream: int = p.NO_STREAM,
    ) -> p.Frame:
        """Send a request and wait for the reply that echoes its seq."""
        with self._pending_lock:
            seq = self._next_request
            self._next_request = (seq % 0xFFFF) + 1
            pending = _Pending(tuple(int(t) for t in REPLIES[msg_type]))
            self._pending[seq] = pending
        try:
            self._send(msg_type, body, seq=seq, stream=stream)
            if not pending.event.wait(timeout):
                raise DeviceError(
                    f"board on {self.port} did not answer {msg_type.name} within {timeout:.1f} s"
                )
            if pending.frame is None:
                raise DeviceError(
                    f"board on {self.port} disconnected before answering {msg_type.name}"
                )
            return pending.frame
        finally:
            with self._pending_lock:
                self._pending.pop(seq, None)

    @property
    def reply_timeout(self) -> float:
        """Seconds to wait for the ACK of START/STOP at this baud rate.

        Why: the ACK queues behind whatever the board already put in its transmit buffer
        (samples, results). At 9600 baud 4 KB of backlog takes 4.3 s, so a fixed 1 s made
        every STOP "fail" on a slow link (infer --baud 9600); at 115200 this is 1.4 s."""
        return 1.0 + 10 * TX_BACKLOG_BYTES / max(300, self.baud)

    def start(self, sensor: int = p.NO_STREAM) -> None:
        """Start streaming one sensor (or all). Text-mode boards stream on their own."""
        ids = list(self.streams) if sensor == p.NO_STREAM else [sensor]
        for sid in ids:
            self.streams[sid].restart()
        self._streaming.update(ids)
        if self.mode != "binary":
            return
        reply = self.request(p.MsgType.START, bytes([sensor]), timeout=self.reply_timeout)
        _, status = p.decode_ack(reply.body)
        if status != p.Status.OK:
            raise DeviceError(
                f"board on {self.port} refused START of sensor {sensor}: {status.name}"
            )

    def stop(self, sensor: int = p.NO_STREAM) -> None:
        self._streaming.difference_update(list(self.streams) if sensor == p.NO_STREAM else [sensor])
        if self.mode == "binary" and self.state == ConnectionState.CONNECTED:
            self.request(p.MsgType.STOP, bytes([sensor]), timeout=self.reply_timeout)

    def ping(self, payload: bytes = b"ping", timeout: float = 1.0) -> float:
        """Round-trip time in seconds."""
        t0 = time.perf_counter()
        reply = self.request(p.MsgType.PING, payload, timeout=timeout)
        if reply.body != payload:
            raise DeviceError(f"board on {self.port} answered PING with a different payload")
        return time.perf_counter() - t0

    # ---------------------------------------------------------------- reader loop

    def _run(self) -> None:
        while not self._closing.is_set():
            transport = self._transport
            try:
                data = transport.read() if transport is not None else b""
            except DeviceError as exc:
                self._lost(str(exc))
                if not self.reconnect or not self._reconnect_loop():
                    return
                continue
            if data:
                now = time.monotonic()
                self.last_data_time = now
                try:
                    if self._link.text_parser is not None:
                        self._handle_text(data, now)
                    else:
                        self._handle_frames(self._link.decoder.feed(data), now)
                except Exception as exc:  # noqa: BLE001 - hostile data must not kill the reader
                    self.reader_errors += 1
                    self.logs.append((p.LogLevel.ERROR, f"host could not handle data from the board: {exc!r}"))
                if self._layout_change is not None:
                    message, self._layout_change = self._layout_change, None
                    self._lost(message)
                    if not self.reconnect or not self._reconnect_loop():
                        return

    def _lost(self, message: str) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        with self._pending_lock:
            for pending in self._pending.values():
                pending.event.set()  # waiters see frame None -> they raise
        if not self._closing.is_set():
            self._set_state(ConnectionState.DISCONNECTED, message)

    def _reconnect_loop(self) -> bool:
        while not self._closing.wait(0.25):
            try:
                self._connect()
            except DeviceError:
                continue
            if self._streaming and self.mode == "binary":
                try:
                    for sid in list(self._streaming):
                        self._send(p.MsgType.START, bytes([sid]))
                except DeviceError:
                    continue
            return True
        return False

    def _handle_frames(self, frames: list[p.Frame], now: float) -> None:
        streams = self.streams
        touched: list[SensorStream] = []
        for f in frames:
            if self._layout_change is not None:
                break  # after a new layout nothing in this read belongs to the old streams
            t = f.type
            if t == 0x10:  # SAMPLES: the hot path
                st = streams.get(f.stream)
                if st is None:
                    continue
                st.note_seq(f.seq)
                had = bool(st.pending)
                if st.accept(f.body) and not had:
                    touched.append(st)
            elif t == 0x11:
                self._camera(f, now)
            else:
                self._control(f)
        for st in touched:
            block = st.take_pending()
            if block is not None:
                self._deliver(st, block, now)
        decoder = self._link.decoder
        if decoder.crc_errors_by_stream:
            for sid, n in decoder.crc_errors_by_stream.items():
                if sid in streams:
                    streams[sid].crc_errors += n
            decoder.crc_errors_by_stream.clear()

    def _deliver(self, st: SensorStream, block, now: float, boundary: bool = False) -> None:
        first = st.samples
        st.samples += len(block)
        st.rate.update(now, len(block))
        st.ring.write(block)
        if self._sample_subs:
            msg = SampleBlock(st.info.sensor_id, block, now, first, boundary)
            for cb in self._sample_subs:
                self._safe(cb, msg)

    def _camera(self, f: p.Frame, now: float) -> None:
        st = self.streams.get(f.stream)
        if st is None:
            return
        st.note_seq(f.seq)
        try:
            image = st.add_camera_chunk(p.decode_camera_chunk(f.body))
        except (p.ProtocolError, ValueError):
            st.malformed += 1
            return
        if image is not None:
            self._deliver(st, image, now)

    def _control(self, f: p.Frame) -> None:
        if f.type == p.MsgType.HELLO:
            self._hello_again(f)
        if f.type == p.MsgType.LOG:
            with contextlib.suppress(p.ProtocolError):
                self.logs.append(p.decode_log(f.body))
        elif f.type == p.MsgType.ERROR:
            try:
                code, text = p.decode_error(f.body)
            except p.ProtocolError:
                code, text = -1, f"malformed ERROR frame ({len(f.body)} bytes)"
            self.logs.append((p.LogLevel.ERROR, f"error {code}: {text}"))
        with self._pending_lock:
            pending = self._pending.get(f.seq)
            if pending is not None and f.type in pending.types and pending.frame is None:
                pending.frame = f
                pending.event.set()
        for types, cb in self._frame_subs:
            if types is None or f.type in types:
                self._safe(cb, f)

    def _hello_again(self, f: p.Frame) -> None:
        """A HELLO while connected (a board that reset, or a reply to GET_INFO).

        Why: a board that restarts with another sensor layout (6 -> 3 channels) would
        otherwise have its new samples read with the old layout: two 3-channel samples
        stored as one 6-channel row under the old names. The same layout changes nothing."""
        try:
            info = p.decode_hello(f.body)
        except p.ProtocolError as exc:
            self.logs.append((p.LogLevel.ERROR, f"board sent a malformed HELLO while connected: {exc}"))
            return
        old = {s.sensor_id: s for s in self.info.sensors}
        new = {s.sensor_id: s for s in info.sensors}
        if old == new:
            return
        self.layout_changes += 1
        self._layout_change = (f"board on {self.port} restarted with a different sensor layout "
                               f"({layout_text(self.info)} -> {layout_text(info)})")
        self.layout_change_message = self._layout_change
        self.logs.append((p.LogLevel.WARNING, self._layout_change))

    def _handle_text(self, data: bytes, now: float) -> None:
        parser = self._link.text_parser
        chunk = parser.feed(data, now)
        self._refresh_text_names(parser)
        n = len(chunk.samples)
        cuts = set(chunk.boundaries)
        self.segments += len(chunk.boundaries)
        st = self.streams.get(0)
        if st is not None and n:
            edges = [0, *sorted(c for c in cuts if 0 < c < n), n]
            for a, b in zip(edges, edges[1:], strict=False):
                boundary = a in cuts or (a == 0 and self._boundary_pending)
                self._deliver(st, chunk.samples[a:b], now, boundary=boundary)
            self._boundary_pending = n in cuts
        elif cuts:
            self._boundary_pending = True

    def _refresh_text_names(self, parser) -> None:
        """A header printed after we locked onto the columns renames the channels."""
        st = self.streams.get(0)
        names = parser.channel_names
        if (
            st is None
            or not names
            or names == st.info.channel_names
            or len(names) != st.info.n_channels
        ):
            return
        sensor = replace(st.info, channels=tuple(p.ChannelInfo(n) for n in names))
        st.info = sensor
        self._link.info = replace(self._link.info, sensors=(sensor,))
