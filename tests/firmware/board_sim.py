"""Talk to the C core's device (the driver's fake board) with Python-encoded frames.

Why: the model slot and the request handlers are exercised the way a host would use
them -- frames built by tinystudio.devices.protocol and fw_reference, replies decoded by
the host's FrameDecoder -- so the tests check the C behaviour on the wire, not internals.
The fake board (firmware_recorders/common/test/driver.c) has a 2 x 8192-byte slot, loads
models carrying the .tflite identifier "TFL3", reports arena = 1000 + model bytes, and its
"model" outputs (sum(input) + i) mod 256 for each label i.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import fw_reference as ref
from c_core import Driver, hx, unhex

from tinystudio.devices import protocol as p

SLOT_BYTES = 8192
T = p.MsgType

IMU_DESC = ref.Descriptor(0, 0, 6, 119, 20, 0.0390625, -128, 1 / 256, -128, ("punch", "flex", "rest"),
                          (0.25,) * 6, (0.5,) * 6)  # fmt: skip


@dataclass
class SlotState:
    active: bool
    model_bytes: int
    crc: int
    arena: int
    loads: int
    runs: int


@dataclass
class Status:
    status: int
    model_bytes: int
    crc: int
    arena: int
    descriptor: bytes


def parse_status(body: bytes) -> Status:
    st, n, crc, arena, dl = struct.unpack_from("<BIIIH", body)
    assert len(body) == 15 + dl
    return Status(st, n, crc, arena, body[15:])


def parse_ack(body: bytes) -> tuple[int, int, int]:
    return struct.unpack("<IBI", body)


class Board:
    def __init__(self, driver: Driver) -> None:
        self.d = driver
        self.dec = p.FrameDecoder()
        assert self.d.cmd("devreset") == "ok"

    def wire(self, data: bytes) -> list[p.Frame]:
        out = self.dec.feed(unhex(self.d.cmd("dev", hx(data))))
        assert self.dec.crc_errors == 0 and self.dec.framing_errors == 0
        return out

    def send(self, t: int, seq: int = 0, body: bytes = b"", stream: int = p.NO_STREAM) -> list[p.Frame]:
        return self.wire(p.encode_frame(t, stream, seq, body))

    def one(self, t: int, seq: int = 0, body: bytes = b"") -> p.Frame:
        frames = self.send(t, seq, body)
        assert len(frames) == 1, frames
        return frames[0]

    def state(self) -> SlotState:
        a, n, crc, arena, loads, runs, _ = self.d.cmd("devstate").split()
        return SlotState(a == "1", int(n), int(crc, 16), int(arena), int(loads), int(runs))

    def status(self) -> Status:
        f = self.one(T.MODEL_STATUS, 3)
        assert f.type == T.MODEL_STATUS and f.seq == 3
        return parse_status(f.body)

    def begin(self, model: bytes, tid: int, chunk: int = 256, desc: ref.Descriptor = IMU_DESC,
              crc: int | None = None) -> tuple[int, int, int]:  # fmt: skip
        import zlib

        body = ref.model_begin(len(model), zlib.crc32(model) if crc is None else crc, chunk, ref.descriptor(desc))
        f = self.one(T.MODEL_BEGIN, tid, body)
        assert f.type == T.MODEL_ACK and f.seq == tid
        return parse_ack(f.body)

    def chunk(self, tid: int, offset: int, data: bytes) -> list[tuple[int, int, int]]:
        frames = self.send(T.MODEL_CHUNK, tid, ref.model_chunk(offset, data))
        assert all(f.type == T.MODEL_ACK and f.seq == tid for f in frames)
        return [parse_ack(f.body) for f in frames]

    def upload(self, model: bytes, tid: int, chunk: int = 256, commit: bool = True, **kw) -> Status | None:
        assert self.begin(model, tid, chunk, **kw) == (0, p.Status.OK, SLOT_BYTES)
        acks = []
        for off in range(0, len(model), chunk):
            acks += self.chunk(tid, off, model[off : off + chunk])
        assert acks and acks[-1] == (len(model), p.Status.OK, SLOT_BYTES)
        if not commit:
            return None
        f = self.one(T.MODEL_COMMIT, tid)
        assert f.type == T.MODEL_STATUS
        return parse_status(f.body)
