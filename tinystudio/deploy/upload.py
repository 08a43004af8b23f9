"""Send a model to a board's slot over the same cable: go-back-N with CRC-checked chunks.

The host keeps up to ``window_chunks`` chunks in flight beyond the last acknowledged
byte, so the link never idles waiting for an ACK (that is what makes >= 80 % of the raw
baud rate reachable). A damaged chunk fails its frame CRC at the board and never reaches
the slot; the board answers the gap at once and the host resends from there. Nothing
becomes active before MODEL_COMMIT has checked the whole model's CRC-32 and the board
has loaded it, so an upload that fails in any way leaves the board's old model running.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from tinystudio.deploy.board_package import BoardPackage, to_board_package
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import MAX_BODY, MsgType, ProtocolError, Status
from tinystudio.errors import DeployError, DeviceError

ProgressCallback = Callable[[int, int], None]  # (bytes acknowledged, total bytes)
MIN_TIMEOUT_S = 0.5
MIN_GIVE_UP_S = 3.0
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop


@dataclass(frozen=True)
class UploadResult:
    bytes: int
    seconds: float
    throughput_bytes_per_s: float
    link_efficiency: float  # model bytes/s over the link's raw bytes/s (baud / 10)
    verified: bool
    resends: int = 0
    model_crc32: int = 0

    def to_json(self) -> dict:
        return {
            "bytes": self.bytes,
            "seconds": round(self.seconds, 4),
            "throughput_bytes_per_s": round(self.throughput_bytes_per_s, 1),
            "link_efficiency": round(self.link_efficiency, 4),
            "verified": self.verified,
        }


@dataclass(frozen=True)
class SlotStatus:
    status: Status
    model_bytes: int
    model_crc32: int
    arena_used_bytes: int
    descriptor: mm.BoardDescriptor | None


def model_status(session, timeout: float = 2.0) -> SlotStatus:
    """What model the board is running now (``status`` NO_MODEL if none)."""
    reply = session.request(MsgType.MODEL_STATUS, b"", timeout=timeout)
    st = mm.decode_model_status(reply.body)
    desc = None
    if st.descriptor:
        try:
            desc = mm.decode_descriptor(st.descriptor)
        except ProtocolError:
            desc = None
    return SlotStatus(st.status, st.model_bytes, st.model_crc32, st.arena_used_bytes, desc)


def check_fits(package: BoardPackage, slot_bytes: int, where: str) -> None:
    size = len(package.tflite)
    if slot_bytes <= 0:
        raise DeployError(f"{where} has no model slot; it cannot receive models over the cable")
    if size > slot_bytes:
        raise DeployError(
            f"model {package.name!r} is {size} bytes but the model slot of {where} holds "
            f"{slot_bytes} bytes; make the model smaller (fewer units/filters) or use a "
            "board with more flash"
        )


def upload_model(
    session,
    package,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    window_chunks: int = 8,
    begin_timeout: float = 3.0,
) -> UploadResult:
    """Upload ``package`` into the board's inactive slot half and activate it."""
    info = session.info
    pkg = to_board_package(package, info)
    where = f"{info.board_name} on {session.port}"
    check_fits(pkg, info.model_slot_bytes, where)
    data = pkg.tflite
    total = len(data)
    chunk_bytes = min(info.max_body, MAX_BODY) - mm.CHUNK_HEADER.size
    crc = zlib.crc32(data)
    baud = getattr(session, "baud", 0) or 0
    raw_rate = baud / BITS_PER_BYTE if baud else 0.0
    window_bytes = max(1, window_chunks) * chunk_bytes
    timeout = MIN_TIMEOUT_S
    if raw_rate:
        timeout = max(MIN_TIMEOUT_S, 1.5 * (window_bytes + 64) / raw_rate)
    give_up = max(MIN_GIVE_UP_S, 4 * timeout)

    acks: queue.Queue = queue.Queue()
    lost = threading.Event()
    unsub_frames = session.subscribe_frames(acks.put, types=[MsgType.MODEL_ACK])
    board_said: list[str] = []  # the board's own reasons (TFLM's text arrives as LOG frames)
    unsub_logs = session.subscribe_frames(lambda f: board_said.append(_log_error(f.body)), types=[MsgType.LOG])
    unsub_state = session.subscribe_state(lambda state, msg: lost.set() if state.value != "connected" else None)
    t0 = time.perf_counter()
    acked = 0
    try:
        begin = mm.ModelBegin(total, crc, chunk_bytes, pkg.descriptor_bytes)
        reply = _request(session, MsgType.MODEL_BEGIN, mm.encode_model_begin(begin), begin_timeout)
        ack = mm.decode_model_ack(reply.body)
        if ack.status != Status.OK:
            raise DeployError(_refusal(ack, pkg, where))
        tid = reply.seq
        if progress:
            progress(0, total)
        sent = acked = sent_high = 0
        resends = 0
        last_ack = ack.next_offset
        last_progress = last_event = time.monotonic()
        st = None
        while acked < total:
            if stop is not None and stop.is_set():
                _abort(session)
                raise DeployError(f"upload to {where} stopped; the board keeps its previous model")
            if lost.is_set():
                raise DeviceError("port closed")
            while sent < total and sent - acked < window_bytes:
                end = min(total, sent + chunk_bytes)
                session.send(MsgType.MODEL_CHUNK, mm.encode_model_chunk(sent, data[sent:end]), seq=tid)
                sent = end
                sent_high = max(sent_high, sent)
            now = time.monotonic()
            try:
                frame = acks.get(timeout=max(0.005, min(timeout - (now - last_event), 0.1)))
            except queue.Empty:
                now = time.monotonic()
                if now - last_progress > give_up:
                    raise DeployError(
                        f"upload to {where} made no progress for {give_up:.1f} s at byte {acked} "
                        f"of {total}; the board keeps its previous model. Check the cable and retry"
                    ) from None
                if now - last_event > timeout:
                    if sent >= total:
                        # Everything was sent but the last ACK never came (lost on the way
                        # back?): a COMMIT tells; an incomplete slot answers BAD_REQUEST and
                        # keeps the transfer, so nothing is lost by asking.
                        st = _commit(session, crc, total, begin_timeout)
                        if st.status != Status.BAD_REQUEST or _is_ours(st, crc, total):
                            break
                    sent, last_event = acked, time.monotonic()  # go back N
                    resends += 1
                continue
            if frame.seq != tid:
                continue
            ack = mm.decode_model_ack(frame.body)
            if ack.next_offset == 0 and ack.status == Status.OK:
                continue  # the reply to MODEL_BEGIN (it reaches subscribers too)
            if ack.status not in (Status.OK, Status.CRC_MISMATCH):
                raise DeployError(_refusal(ack, pkg, where))
            if ack.next_offset > sent_high:
                # A lie (0xFFFFFFFF) or a confusion: never count bytes that were not sent.
                _abort(session)
                raise DeployError(
                    f"{where} acknowledged byte {ack.next_offset} of a {total}-byte model when only "
                    f"{sent_high} were sent; the board's firmware is misbehaving. It keeps its previous "
                    "model; reset the board and flash again")
            now = time.monotonic()
            if ack.next_offset <= acked and now - last_progress > give_up:
                # NAKs and repeated ACKs keep arriving but nothing advances: a NAK storm
                # must give up as silence does (the wait above never times out then).
                _abort(session)
                raise DeployError(
                    f"upload to {where} made no progress for {give_up:.1f} s at byte {acked} "
                    f"of {total} (the board keeps rejecting chunks); the board keeps its previous "
                    "model. Check the cable and retry")
            last_event = now
            advanced = ack.next_offset > acked
            if advanced:
                acked = ack.next_offset
                last_progress = now
                if progress:
                    progress(acked, total)
            if ack.status == Status.CRC_MISMATCH or ack.next_offset == last_ack < sent:
                sent = ack.next_offset  # the board saw a gap: resend from there
                resends += 1
            last_ack = ack.next_offset
            sent = max(sent, acked)
        else:
            st = _commit(session, crc, total, begin_timeout)
        seconds = time.perf_counter() - t0
        if progress and acked < total and _is_ours(st, crc, total):
            progress(total, total)
    except DeviceError as exc:
        raise DeployError(
            f"connection to {where} lost during the upload after {acked} of {total} bytes "
            f"({exc}); the board keeps running its previous model. Reconnect and flash again"
        ) from None
    finally:
        unsub_frames()
        unsub_logs()
        unsub_state()
    if st.status != Status.OK and not _is_ours(st, crc, total):
        raise DeployError(_commit_failure(st.status, pkg, where, [t for t in board_said if t]))
    verified = st.model_bytes == total and st.model_crc32 == crc
    if not verified:
        raise DeployError(
            f"{where} reports model of {st.model_bytes} bytes, CRC {st.model_crc32:08x} after the "
            f"commit; expected {total} bytes, CRC {crc:08x}. Flash again"
        )
    rate = total / seconds if seconds > 0 else 0.0
    return UploadResult(total, seconds, rate, rate / raw_rate if raw_rate else 0.0, verified,
                        resends, crc)  # fmt: skip


def _request(session, msg_type: MsgType, body: bytes, timeout: float, attempts: int = 3):
    """A request retried when its reply was lost on a noisy line (not when the port is gone)."""
    for attempt in range(attempts):
        try:
            return session.request(msg_type, body, timeout=timeout)
        except DeviceError:
            if attempt == attempts - 1 or session.state.value != "connected":
                raise
    raise AssertionError("unreachable")


def _is_ours(st: mm.ModelStatus, crc: int, total: int) -> bool:
    return st.model_bytes == total and st.model_crc32 == crc


def _commit(session, crc: int, total: int, timeout: float) -> mm.ModelStatus:
    """MODEL_COMMIT; if its reply is lost and a retry finds no transfer (BAD_REQUEST), the
    active model's CRC tells whether the first COMMIT succeeded."""
    reply = _request(session, MsgType.MODEL_COMMIT, b"", max(timeout, 2.0))
    return mm.decode_model_status(reply.body)


def _abort(session) -> None:
    with contextlib.suppress(DeviceError):
        session.request(MsgType.MODEL_ABORT, b"", timeout=1.0)


def _refusal(ack: mm.ModelAck, pkg: BoardPackage, where: str) -> str:
    if ack.status == Status.TOO_LARGE:
        return (
            f"{where} refused model {pkg.name!r}: {len(pkg.tflite)} bytes do not fit its "
            f"{ack.slot_bytes}-byte model slot"
        )
    if ack.status == Status.BUSY:
        return f"{where} is busy and refused the upload; retry in a moment"
    return f"{where} refused the upload of {pkg.name!r} ({ack.status.name}); update its firmware"


def _log_error(body: bytes) -> str:
    """The text of an ERROR-level LOG frame ("" for other levels or a damaged body)."""
    from tinystudio.devices.protocol import LogLevel, ProtocolError, decode_log

    try:
        level, text = decode_log(body)
    except (ProtocolError, ValueError, IndexError):
        return ""
    return text.strip() if level == LogLevel.ERROR else ""


def _commit_failure(status: Status, pkg: BoardPackage, where: str, board_said: list[str] | None = None) -> str:
    if status == Status.CRC_MISMATCH:
        return f"{where}: the model arrived damaged (CRC-32 mismatch); flash again"
    if status == Status.MODEL_INVALID:
        if board_said:  # the board's (and TFLM's) own words, verbatim
            said = " / ".join(board_said[-6:])
            return f"{where} cannot run model {pkg.name!r}: {said}; it keeps its previous model"
        return (
            f"{where} cannot run model {pkg.name!r} (unsupported op, arena too small or a "
            "descriptor that does not match the model); it keeps its previous model"
        )
    return f"{where} did not activate the model ({status.name}); it keeps its previous model"


def upload_with_streams_paused(
    session,
    package,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> UploadResult:
    """Upload while the board streams: pause its sensors, upload, restart them.

    Samples queued ahead of the board's ACKs slow an upload down (about 56 % link
    efficiency at 115200 baud beside a 16 kHz stream). The CLI's `flash` opens a quiet
    session of its own; a window that keeps one session open uses this instead. The
    board infers on its live stream, so what ran before runs again afterwards.
    """
    paused = sorted(session.streaming) if session.mode == "binary" else []
    if paused:
        session.stop()
    try:
        return upload_model(session, package, progress=progress, stop=stop)
    finally:
        with contextlib.suppress(DeviceError):
            for sensor_id in paused:
                session.start(sensor_id)
