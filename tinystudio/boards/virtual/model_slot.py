"""The board side of a model upload: a double-buffered slot (docs/protocol.md section 6).

Pure state machine, no I/O and no threads, so the virtual board runs it behind its
serial port and tests run it in-process against the host's uploader. The active model
keeps running while a new one arrives in the inactive half; only a complete,
CRC-verified model that the loader accepts replaces it. Anything else (an interrupted
transfer, an ABORT, a failed commit) leaves the active model untouched.

Acknowledgement policy: an ACK after every ``ack_every`` accepted chunks and after the
last byte; a chunk at an unexpected offset is dropped and answered at once with one ACK
(status ``CRC_MISMATCH``: "something was lost, resend from ``next_offset``"). The gap
ACK is sent once per host pass: again only after the board accepted a chunk or saw the
host rewind to a lower offset.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import ProtocolError, Status

#: Builds the runnable model from its bytes and descriptor; returns ``(model, arena_used)``
#: or raises ValueError with a reason when the board cannot run it.
Loader = Callable[[bytes, mm.BoardDescriptor], tuple[Any, int]]


@dataclass(frozen=True)
class ActiveModel:
    tflite: bytes
    crc32: int
    descriptor_bytes: bytes
    descriptor: mm.BoardDescriptor
    model: Any  # whatever the loader returned (the virtual board: a TFLM interpreter)
    arena_used: int


class ModelSlot:
    """One board's model slot; call the handlers with request bodies, send their replies."""

    def __init__(
        self, slot_bytes: int, max_body: int, loader: Loader, ack_every: int = 4
    ) -> None:
        self.slot_bytes = slot_bytes
        self.max_body = max_body
        self.loader = loader
        self.ack_every = ack_every
        self.active: ActiveModel | None = None
        self.last_error = ""
        self.commits = 0
        self._reset_transfer()

    def _reset_transfer(self) -> None:
        self._begin: mm.ModelBegin | None = None
        self._desc: mm.BoardDescriptor | None = None
        self._transfer_id = -1
        self._buf = bytearray()
        self._next = 0
        self._since_ack = 0
        self._gap_acked = False
        self._last_offset = -1

    @property
    def receiving(self) -> bool:
        return self._begin is not None

    @property
    def next_offset(self) -> int:
        return self._next

    def _ack(self, status: Status = Status.OK) -> mm.ModelAck:
        return mm.ModelAck(self._next, status, self.slot_bytes)

    # ---------------------------------------------------------------- handlers

    def begin(self, transfer_id: int, body: bytes) -> mm.ModelAck:
        self._reset_transfer()  # a new BEGIN discards any unfinished transfer
        try:
            begin = mm.decode_model_begin(body)
            desc = mm.decode_descriptor(begin.descriptor)
        except ProtocolError as exc:
            self.last_error = str(exc)
            return self._ack(Status.BAD_REQUEST)
        if begin.total_bytes > self.slot_bytes:
            self.last_error = f"model of {begin.total_bytes} bytes > slot of {self.slot_bytes}"
            return self._ack(Status.TOO_LARGE)
        if not 0 < begin.chunk_bytes <= self.max_body - mm.CHUNK_HEADER.size or not begin.total_bytes:
            self.last_error = f"chunk size {begin.chunk_bytes} or total {begin.total_bytes} invalid"
            return self._ack(Status.BAD_REQUEST)
        self._begin, self._desc, self._transfer_id = begin, desc, transfer_id
        self._buf = bytearray(begin.total_bytes)
        return self._ack()

    def chunk(self, transfer_id: int, body: bytes) -> mm.ModelAck | None:
        """Store an in-order chunk; return the ACK to send now, if any."""
        begin = self._begin
        if begin is None or transfer_id != self._transfer_id:
            return None  # stale chunk of an old transfer
        try:
            offset, data = mm.decode_model_chunk(body)
        except ProtocolError:
            return None
        rewound = offset < self._last_offset
        self._last_offset = offset
        if rewound:
            self._gap_acked = False
        end = offset + len(data)
        if offset != self._next or not data or end > begin.total_bytes:
            if offset < self._next and end <= self._next:
                return None  # a duplicate of stored data: harmless
            if self._gap_acked:
                return None
            self._gap_acked = True
            self._since_ack = 0
            return self._ack(Status.CRC_MISMATCH)
        self._buf[offset:end] = data
        self._next = end
        self._gap_acked = False
        self._since_ack += 1
        if self._since_ack >= self.ack_every or end == begin.total_bytes:
            self._since_ack = 0
            return self._ack()
        return None

    def commit(self) -> mm.ModelStatus:
        begin, desc = self._begin, self._desc
        if begin is None or desc is None:
            self.last_error = "MODEL_COMMIT without a transfer"
            return self.status(Status.BAD_REQUEST)
        if self._next != begin.total_bytes:
            self.last_error = f"MODEL_COMMIT after {self._next} of {begin.total_bytes} bytes"
            return self.status(Status.BAD_REQUEST)
        data = bytes(self._buf)
        crc = zlib.crc32(data)
        if crc != begin.model_crc32:
            self._reset_transfer()
            self.last_error = f"model CRC {crc:08x} != announced {begin.model_crc32:08x}"
            return self.status(Status.CRC_MISMATCH)
        try:
            model, arena = self.loader(data, desc)
        except ValueError as exc:
            self._reset_transfer()
            self.last_error = f"model refused: {exc}"
            return self.status(Status.MODEL_INVALID)
        except MemoryError:  # the board process' address-space limit (limits.py)
            self._reset_transfer()
            self.last_error = "model refused: loading it ran out of the board's memory"
            return self.status(Status.MODEL_INVALID)
        self.active = ActiveModel(data, crc, begin.descriptor, desc, model, arena)
        self.commits += 1
        self._reset_transfer()
        return self.status(Status.OK)

    def abort(self) -> mm.ModelStatus:
        self._reset_transfer()
        return self.status()

    def status(self, status: Status | None = None) -> mm.ModelStatus:
        a = self.active
        if a is None:
            return mm.ModelStatus(Status.NO_MODEL if status is None else status)
        return mm.ModelStatus(
            Status.OK if status is None else status,
            len(a.tflite),
            a.crc32,
            a.arena_used,
            a.descriptor_bytes,
        )
