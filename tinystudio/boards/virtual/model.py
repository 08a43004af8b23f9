"""The virtual board's model slot, on-board inference, parity runs and fault injection.

This is what the firmware does around TFLM, in Python: a double-buffered slot
(:class:`~tinystudio.boards.virtual.model_slot.ModelSlot`), an interpreter on the active model
with the arena size of the board profile, windows cut from the board's *own* live sensor
stream exactly as the descriptor says (raw samples through the per-channel multiply-add,
or the TFLM audio front end), one INFERENCE message per stride with the measured invoke
time, and RUN_INPUT for host/board parity. It deliberately does not import the host's
dsp/ml code: the board side is a second, independent implementation of the descriptor,
which is what makes a parity check mean something.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import numpy as np

from tinystudio.boards.virtual.frontend import live_windows
from tinystudio.boards.virtual.model_slot import ModelSlot
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import MAX_BODY, Frame, MsgType, ProtocolError, Status

SendFn = Callable[[int, int, int, bytes], None]  # (type, stream, seq, body)


#: The virtual board loads models into an arena this large, then checks the arena the model
#: really used against the board's: TFLM's Python binding can crash (instead of failing)
#: when an arena is too small, and a board must answer MODEL_INVALID, not die.
LOAD_ARENA_BYTES = 8 * 1024 * 1024
_stderr_lock = threading.Lock()


def arena_used(interp) -> int | None:
    """Bytes of arena the interpreter allocated, from TFLM's allocation report (on stderr)."""
    with _stderr_lock, tempfile.TemporaryFile() as tmp:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            interp.print_allocations()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("utf-8", "replace")
    m = re.search(r"Arena allocation total (\d+) bytes", text)
    return int(m.group(1)) if m else None


def validate_upload(tflite: bytes) -> None:
    """Refuse (ValueError -> MODEL_INVALID) a model whose structure is unsafe for TFLM."""
    from tinystudio.ml.model_check import InvalidModelError, check_model

    try:
        check_model(tflite, "the uploaded model")
    except InvalidModelError as exc:
        raise ValueError(str(exc).removeprefix("the uploaded model: ")) from None


class BoardModel:
    """What the loader builds from an uploaded model: a TFLM interpreter + its shapes."""

    def __init__(self, tflite: bytes, desc: mm.BoardDescriptor, arena_bytes: int) -> None:
        from tflite_micro.python.tflite_micro import runtime

        # Structural validation only: a sandboxed trial load cost ~80 ms per commit (a warm
        # child), which broke the upload's 80 % link-efficiency promise at 921600 baud.
        validate_upload(tflite)
        try:
            self.interp = runtime.Interpreter.from_bytes(bytes(tflite), arena_size=LOAD_ARENA_BYTES)
        except Exception as exc:  # TFLM raises RuntimeError/ValueError on bad models
            raise ValueError(f"TFLM cannot load it ({exc})") from None
        used = arena_used(self.interp)
        self.arena_used = used if used is not None else arena_bytes
        if used is not None and used > arena_bytes:
            raise ValueError(f"it needs a {used}-byte tensor arena; the board has {arena_bytes}")
        inp = self.interp.get_input_details(0)
        out = self.interp.get_output_details(0)
        self.input_shape = [int(d) for d in inp["shape"]]
        self.input_size = int(np.prod(self.input_shape))
        self.output_size = int(np.prod([int(d) for d in out["shape"]]))
        if np.dtype(inp["dtype"]) != np.int8 or np.dtype(out["dtype"]) != np.int8:
            raise ValueError("input and output tensors must be int8")
        if desc.frontend != mm.Frontend.IMAGE and desc.window * desc.n_channels != self.input_size:
            raise ValueError(
                f"descriptor says {desc.window} x {desc.n_channels} inputs, model has {self.input_size}"
            )
        if desc.labels and len(desc.labels) != self.output_size:
            raise ValueError(f"{len(desc.labels)} labels for {self.output_size} outputs")
        self.lock = threading.Lock()

    def run(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Output tensor and invoke time in microseconds."""
        with self.lock:
            self.interp.set_input(np.asarray(x, dtype=np.int8).reshape(self.input_shape), 0)
            t0 = time.perf_counter_ns()
            self.interp.invoke()
            latency = (time.perf_counter_ns() - t0) // 1000
            out = np.array(self.interp.get_output(0), dtype=np.int8).reshape(-1)
        return out, int(latency)


def tflm_loader(arena_bytes: int):
    def load(tflite: bytes, desc: mm.BoardDescriptor) -> tuple[BoardModel, int]:
        model = BoardModel(tflite, desc, arena_bytes)
        return model, model.arena_used

    return load


class ModelService:
    """Handlers for the virtual board's dispatch table plus the sensor-block hook."""

    def __init__(
        self,
        slot_bytes: int,
        arena_bytes: int,
        send: SendFn,
        sensor_rates: dict[int, float] | None = None,
        max_body: int = MAX_BODY,
        close_port: Callable[[], None] | None = None,
        corrupt_outgoing: Callable[[int], None] | None = None,
    ) -> None:
        # Firmware has TFLM linked in; import it now so the first commit is not slowed
        # by Python loading the interpreter module.
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401

        self.slot = ModelSlot(slot_bytes, max_body, tflm_loader(arena_bytes))
        self.send = send
        self.sensor_rates = sensor_rates or {}
        self.close_port = close_port
        self.corrupt_outgoing = corrupt_outgoing
        self.drop_chunks = 0
        self.corrupt_chunks = 0
        self.chunks_dropped = 0
        self.chunks_corrupted = 0
        self.inference_seq: dict[int, int] = {}
        self.window_index = 0
        self._live = None
        self._live_for: object = None
        self._run_buf = bytearray()
        self._lock = threading.Lock()

    def handlers(self) -> dict[MsgType, Callable[[Frame], None]]:
        return {
            MsgType.MODEL_BEGIN: self.on_begin,
            MsgType.MODEL_CHUNK: self.on_chunk,
            MsgType.MODEL_COMMIT: self.on_commit,
            MsgType.MODEL_STATUS: self.on_status,
            MsgType.MODEL_ABORT: self.on_abort,
            MsgType.RUN_INPUT: self.on_run_input,
            MsgType.FAULT: self.on_fault,
        }

    def _reply(self, t: MsgType, f: Frame, body: bytes) -> None:
        self.send(t, f.stream, f.seq, body)

    # ---------------------------------------------------------------- upload

    def on_begin(self, f: Frame) -> None:
        with self._lock:
            ack = self.slot.begin(f.seq, f.body)
        self._reply(MsgType.MODEL_ACK, f, mm.encode_model_ack(ack))

    def on_chunk(self, f: Frame) -> None:
        with self._lock:
            if self.drop_chunks:
                self.drop_chunks -= 1
                self.chunks_dropped += 1
                return
            ack = self.slot.chunk(f.seq, f.body)
        if ack is not None:
            self._reply(MsgType.MODEL_ACK, f, mm.encode_model_ack(ack))

    def on_commit(self, f: Frame) -> None:
        with self._lock:
            st = self.slot.commit()
            if st.status == Status.OK:
                self.window_index = 0
                self._live = None
        self._reply(MsgType.MODEL_STATUS, f, mm.encode_model_status(st))

    def on_status(self, f: Frame) -> None:
        self._reply(MsgType.MODEL_STATUS, f, mm.encode_model_status(self.slot.status()))

    def on_abort(self, f: Frame) -> None:
        with self._lock:
            st = self.slot.abort()
        self._reply(MsgType.MODEL_STATUS, f, mm.encode_model_status(st))

    # ---------------------------------------------------------------- parity

    def on_run_input(self, f: Frame) -> None:
        try:
            m = mm.decode_run_input(f.body)
        except ProtocolError:
            self._reply(MsgType.RUN_OUTPUT, f, mm.encode_run_output(mm.RunOutput(Status.BAD_REQUEST, 0, b"")))
            return
        if m.offset == 0:
            self._run_buf = bytearray()
        if m.offset != len(self._run_buf):
            self._run_buf = bytearray()
            self._reply(MsgType.RUN_OUTPUT, f, mm.encode_run_output(mm.RunOutput(Status.BAD_REQUEST, 0, b"")))
            return
        self._run_buf += m.data
        if len(self._run_buf) < m.total:
            return  # more chunks follow; only the completing chunk is answered
        active = self.slot.active
        if active is None:
            out = mm.RunOutput(Status.NO_MODEL, 0, b"")
        elif len(self._run_buf) != active.model.input_size:
            out = mm.RunOutput(Status.BAD_REQUEST, 0, b"")
        else:
            y, latency = active.model.run(np.frombuffer(bytes(self._run_buf), dtype=np.int8))
            out = mm.RunOutput(Status.OK, latency, y.tobytes())
        self._run_buf = bytearray()
        self._reply(MsgType.RUN_OUTPUT, f, mm.encode_run_output(out))

    # ---------------------------------------------------------------- faults

    def on_fault(self, f: Frame) -> None:
        try:
            kind, count = mm.decode_fault(f.body)
        except ProtocolError:
            self.send(MsgType.ACK, f.stream, f.seq, bytes([MsgType.FAULT, Status.BAD_REQUEST]))
            return
        status = Status.OK
        if kind == mm.FaultKind.DROP_CHUNKS:
            self.drop_chunks = count
        elif kind == mm.FaultKind.CORRUPT_CHUNKS:
            self.corrupt_chunks = count
        elif kind == mm.FaultKind.CORRUPT_OUTGOING and self.corrupt_outgoing is not None:
            self.corrupt_outgoing(count)
        elif kind == mm.FaultKind.CLOSE_PORT and self.close_port is not None:
            self.close_port()
            return
        else:
            status = Status.UNSUPPORTED
        self.send(MsgType.ACK, f.stream, f.seq, bytes([MsgType.FAULT, status]))

    # ---------------------------------------------------------------- live inference

    def restart_live(self) -> None:
        self._live = None

    def on_block(self, sensor_id: int, block: np.ndarray) -> None:
        """Hook for every generated sensor block: run the active model on full windows."""
        active = self.slot.active
        if active is None or active.descriptor.sensor_id != sensor_id:
            return
        if self._live is None or self._live_for is not active:
            self._live = live_windows(active.descriptor, active.model.input_shape)
            self._live_for = active
        desc = active.descriptor
        for x in self._live.feed(block):
            y, latency = active.model.run(x)
            top = int(np.argmax(y))
            msg = mm.Inference(self.window_index, latency, top, y.tobytes(),
                               desc.output_scale, desc.output_zero_point)  # fmt: skip
            seq = self.inference_seq.get(sensor_id, 0)
            self.inference_seq[sensor_id] = (seq + 1) & 0xFFFF
            self.window_index += 1
            self.send(MsgType.INFERENCE, sensor_id, seq, mm.encode_inference(msg))


def _corrupt_in_transit(frame: Frame) -> Frame | None:
    """Flip one bit of the frame as a noisy line would, and run it through a real decoder."""
    from tinystudio.devices.protocol import FrameDecoder, encode_frame

    wire = bytearray(encode_frame(frame.type, frame.stream, frame.seq, frame.body))
    i = len(wire) // 2
    wire[i] ^= 0x10 if wire[i] != 0x10 else 0x01  # never creates a 0x00 delimiter
    frames = FrameDecoder().feed(bytes(wire))
    return frames[0] if frames else None  # a CRC failure: nothing reaches the handler


def attach(board) -> ModelService:
    """Give a :class:`~tinystudio.boards.virtual.board.VirtualBoard` its model slot."""
    every = [0, 0]  # fault 4: corrupt every n-th outgoing frame; [n, counter]

    def corrupt_outgoing(n: int) -> None:
        every[0], every[1] = n, 0

    def outgoing(frame: bytes) -> bytes | None:
        if every[0]:
            every[1] += 1
            if every[1] >= every[0]:
                every[1] = 0
                wire = bytearray(frame)
                i = len(wire) // 2
                wire[i] ^= 0x10 if wire[i] != 0x10 else 0x01
                return bytes(wire)
        return frame

    def send(t: int, stream: int, seq: int, body: bytes) -> None:
        if t == MsgType.INFERENCE:
            board.send_data(t, stream, body)
        else:
            board.send(t, stream, body, seq)

    info = board.info
    service = ModelService(
        info.model_slot_bytes,
        info.arena_bytes,
        send,
        max_body=info.max_body,
        close_port=board.unplug,
        corrupt_outgoing=corrupt_outgoing,
    )

    def incoming(frame: Frame) -> Frame | None:
        if frame.type == MsgType.MODEL_CHUNK and service.corrupt_chunks:
            service.corrupt_chunks -= 1
            service.chunks_corrupted += 1
            return _corrupt_in_transit(frame)
        return frame

    start = board.handlers.get(MsgType.START)

    def on_start(frame: Frame) -> None:
        service.restart_live()  # windows are cut from the first sample of the new stream
        if start is not None:
            start(frame)

    board.register(MsgType.START, on_start)
    for msg_type, handler in service.handlers().items():
        board.register(msg_type, handler)
    board.incoming_filters.append(incoming)
    board.outgoing_filters.append(outgoing)
    board.add_block_listener(lambda sensor, block, first: service.on_block(sensor.info.sensor_id, block))
    board.model_service = service
    return service
