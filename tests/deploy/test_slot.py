"""The board-side double-buffered slot as a pure state machine (no I/O)."""

from __future__ import annotations

import zlib

import pytest

from tinystudio.boards.virtual.model_slot import ModelSlot
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import Status

DESC = mm.encode_descriptor(mm.BoardDescriptor(0, mm.Frontend.IMAGE, 1, 1, 1, 1.0, 0, 1.0, 0, ("a", "b")))
CHUNK = 100


def loader(data: bytes, desc):
    if data.startswith(b"BAD"):
        raise ValueError("not a model")
    return ("model", data[:4]), 1000


def begin(slot, data: bytes, tid=1) -> mm.ModelAck:
    return slot.begin(tid, mm.encode_model_begin(mm.ModelBegin(len(data), zlib.crc32(data), CHUNK, DESC)))


def send_all(slot, data: bytes, tid=1, skip=()):
    acks = []
    for off in range(0, len(data), CHUNK):
        if off in skip:
            continue
        ack = slot.chunk(tid, mm.encode_model_chunk(off, data[off : off + CHUNK]))
        if ack is not None:
            acks.append(ack)
    return acks


def upload(slot, data: bytes, tid=1) -> mm.ModelStatus:
    assert begin(slot, data, tid).status == Status.OK
    send_all(slot, data, tid)
    return slot.commit()


@pytest.fixture
def slot():
    return ModelSlot(slot_bytes=5000, max_body=1024, loader=loader)


def test_in_order_upload_acks_every_four_chunks_and_at_the_end(slot):
    data = bytes(range(256)) * 4  # 1024 bytes = 11 chunks
    assert begin(slot, data) == mm.ModelAck(0, Status.OK, 5000)
    acks = send_all(slot, data)
    assert [a.next_offset for a in acks] == [400, 800, 1024]
    st = slot.commit()
    assert (st.status, st.model_bytes, st.model_crc32, st.descriptor) == (Status.OK, 1024, zlib.crc32(data), DESC)
    assert slot.active.tflite == data


def test_gap_is_acked_once_with_crc_mismatch_then_rewind_recovers(slot):
    data = bytes(1000)
    begin(slot, data)
    acks = send_all(slot, data, skip={200})
    assert acks == [mm.ModelAck(200, Status.CRC_MISMATCH, 5000)]  # one gap ACK, not one per chunk
    acks = send_all(slot, data[:0] or data, skip={0, 100})  # host rewinds to 200 (0/100 are duplicates)
    assert acks[-1].next_offset == 1000 and acks[-1].status == Status.OK
    assert slot.commit().status == Status.OK


def test_gap_ack_rearms_when_the_host_rewinds_again(slot):
    data = bytes(600)
    begin(slot, data)
    assert slot.chunk(1, mm.encode_model_chunk(100, data[100:200])).status == Status.CRC_MISMATCH
    assert slot.chunk(1, mm.encode_model_chunk(200, data[200:300])) is None
    # the host went back to 0 but its chunk 0 was lost again: the next gap is reported again
    assert slot.chunk(1, mm.encode_model_chunk(100, data[100:200])).status == Status.CRC_MISMATCH


def test_too_large_refused_and_old_model_kept(slot):
    assert upload(slot, b"A" * 500).status == Status.OK
    ack = begin(slot, b"x" * 5001)
    assert ack.status == Status.TOO_LARGE and ack.slot_bytes == 5000
    assert slot.active.tflite == b"A" * 500


def test_failed_commits_keep_the_old_model(slot):
    assert upload(slot, b"A" * 300).status == Status.OK
    # incomplete
    begin(slot, b"B" * 300, tid=2)
    slot.chunk(2, mm.encode_model_chunk(0, b"B" * 100))
    st = slot.commit()
    assert st.status == Status.BAD_REQUEST and st.model_crc32 == zlib.crc32(b"A" * 300)
    # CRC of the whole model wrong (announced CRC does not match the bytes)
    slot.begin(3, mm.encode_model_begin(mm.ModelBegin(300, 1234, CHUNK, DESC)))
    send_all(slot, b"C" * 300, tid=3)
    assert slot.commit().status == Status.CRC_MISMATCH
    # loadable check fails
    assert upload(slot, b"BAD" + b"D" * 297, tid=4).status == Status.MODEL_INVALID
    # abort mid-transfer
    begin(slot, b"E" * 300, tid=5)
    send_all(slot, b"E" * 200, tid=5)
    assert slot.abort().model_bytes == 300
    assert slot.active.tflite == b"A" * 300
    assert not slot.receiving


def test_new_begin_discards_unfinished_and_stale_chunks_are_ignored(slot):
    begin(slot, b"X" * 300, tid=1)
    send_all(slot, b"X" * 200, tid=1)
    begin(slot, b"Y" * 300, tid=2)
    assert slot.chunk(1, mm.encode_model_chunk(0, b"X" * 100)) is None  # old transfer id
    assert slot.next_offset == 0
    send_all(slot, b"Y" * 300, tid=2)
    assert slot.commit().status == Status.OK
    assert slot.active.tflite == b"Y" * 300


def test_bad_begin_bodies(slot):
    assert slot.begin(1, b"\x01\x02").status == Status.BAD_REQUEST
    assert slot.begin(1, mm.encode_model_begin(mm.ModelBegin(10, 0, 1021, DESC))).status == Status.BAD_REQUEST
    assert slot.begin(1, mm.encode_model_begin(mm.ModelBegin(10, 0, 100, b"\x07"))).status == Status.BAD_REQUEST
    assert slot.commit().status == Status.BAD_REQUEST
    assert slot.status().status == Status.NO_MODEL
