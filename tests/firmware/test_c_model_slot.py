"""The C model slot on the wire: double buffering, in-order chunks, commit checks.

Real .tflite files from the shared TFLM examples are the payloads.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import fw_reference as ref
import pytest
from board_sim import IMU_DESC, SLOT_BYTES, Board, T, parse_ack, parse_status
from c_core import Driver

from tinystudio.devices import protocol as p

S = p.Status


@pytest.fixture()
def board(driver: Driver) -> Board:
    return Board(driver)


@pytest.fixture(scope="module")
def models(tflm_models: Path) -> dict[str, bytes]:
    d = tflm_models
    return {n: (d / f"{n}.tflite").read_bytes()
            for n in ("hello_world_int8", "audio_preprocessor_float", "micro_speech_quantized")}  # fmt: skip


def test_no_model_at_boot(board: Board) -> None:
    st = board.status()
    assert (st.status, st.model_bytes, st.crc, st.descriptor) == (S.NO_MODEL, 0, 0, b"")


def test_upload_commit_activates_the_model(board: Board, models: dict[str, bytes]) -> None:
    m = models["hello_world_int8"]
    acks = []
    assert board.begin(m, tid=9) == (0, S.OK, SLOT_BYTES)
    for i, off in enumerate(range(0, len(m), 256)):
        got = board.chunk(9, off, m[off : off + 256])
        acks += [(i, a) for a in got]
    # acked every 4 chunks and after the last byte (2704 bytes = 11 chunks)
    assert [i for i, _ in acks] == [3, 7, 10]
    assert [a[0] for _, a in acks] == [1024, 2048, 2704]
    f = board.one(T.MODEL_COMMIT, 9)
    st = parse_status(f.body)
    assert (st.status, st.model_bytes, st.crc, st.arena) == (S.OK, len(m), zlib.crc32(m), 1000 + len(m))
    assert st.descriptor == ref.descriptor(IMU_DESC)
    state = board.state()
    assert state.active and state.crc == zlib.crc32(m) and state.loads == 1
    assert board.status() == st


def test_interrupted_upload_leaves_the_old_model_running(board: Board, models: dict[str, bytes]) -> None:
    old, new = models["hello_world_int8"], models["audio_preprocessor_float"]
    assert board.upload(old, tid=1).status == S.OK
    # half of a new model arrives in the other half of the slot, then the host goes away
    assert board.begin(new, tid=2) == (0, S.OK, SLOT_BYTES)
    for off in range(0, 4096, 256):
        board.chunk(2, off, new[off : off + 256])
    state = board.state()
    assert state.crc == zlib.crc32(old) and state.model_bytes == len(old)  # old half untouched
    # a COMMIT of the incomplete transfer is refused, the old model stays
    st = parse_status(board.one(T.MODEL_COMMIT, 2).body)
    assert (st.status, st.model_bytes, st.crc) == (S.BAD_REQUEST, len(old), zlib.crc32(old))
    # ABORT discards it: a later COMMIT has nothing to commit
    st = parse_status(board.one(T.MODEL_ABORT, 5).body)
    assert (st.status, st.crc) == (S.OK, zlib.crc32(old))
    assert parse_status(board.one(T.MODEL_COMMIT, 2).body).status == S.BAD_REQUEST
    # a new BEGIN after a half transfer starts over; the new model then replaces the old
    board.begin(new, tid=3)
    board.chunk(3, 0, new[:256])
    st = board.upload(new, tid=4)
    assert (st.status, st.model_bytes, st.crc) == (S.OK, len(new), zlib.crc32(new))
    assert board.state().crc == zlib.crc32(new) and board.state().loads == 2


def test_out_of_order_chunk_is_answered_with_next_offset(board: Board, models: dict[str, bytes]) -> None:
    m = models["hello_world_int8"]
    board.begin(m, tid=7, chunk=100)
    assert board.chunk(7, 0, m[:100]) == []
    # chunk 100..200 was lost: the next one is dropped and answered at once
    assert board.chunk(7, 200, m[200:300]) == [(100, S.CRC_MISMATCH, SLOT_BYTES)]
    assert board.chunk(7, 300, m[300:400]) == []  # at most once per gap
    assert board.chunk(7, 0, m[:100]) == []  # duplicate of stored data: ignored
    for off in range(100, len(m), 100):  # the host goes back to next_offset
        board.chunk(7, off, m[off : off + 100])
    assert parse_status(board.one(T.MODEL_COMMIT, 7).body).status == S.OK
    assert board.state().crc == zlib.crc32(m)


def test_damaged_chunk_never_reaches_the_slot(board: Board, models: dict[str, bytes]) -> None:
    m = models["hello_world_int8"]
    board.begin(m, tid=4, chunk=512)
    wire = bytearray(p.encode_frame(T.MODEL_CHUNK, 0xFF, 4, ref.model_chunk(0, m[:512])))
    wire[100] ^= 0x10  # a noisy line
    assert board.wire(bytes(wire)) == []
    assert board.chunk(4, 512, m[512:1024]) == [(0, S.CRC_MISMATCH, SLOT_BYTES)]
    for off in range(0, len(m), 512):
        board.chunk(4, off, m[off : off + 512])
    assert parse_status(board.one(T.MODEL_COMMIT, 4).body).status == S.OK


def test_chunks_of_another_transfer_are_ignored(board: Board, models: dict[str, bytes]) -> None:
    m = models["hello_world_int8"]
    board.begin(m, tid=10)
    assert board.send(T.MODEL_CHUNK, 11, ref.model_chunk(0, m[:256])) == []
    assert board.send(T.MODEL_CHUNK, 10, b"\x00\x01") == []  # too short to carry an offset
    assert board.chunk(10, 0, m[:256]) == []
    assert board.chunk(10, 2600, m[2600:2704] + b"extra") == [(256, S.CRC_MISMATCH, SLOT_BYTES)]


def test_too_large_model_or_descriptor_is_refused(board: Board, models: dict[str, bytes]) -> None:
    big = models["micro_speech_quantized"]  # 18800 bytes > the 8192-byte half
    assert board.begin(big, tid=1) == (0, S.TOO_LARGE, SLOT_BYTES)
    assert board.send(T.MODEL_CHUNK, 1, ref.model_chunk(0, big[:256])) == []  # nothing to receive
    many = ref.Descriptor(1, 1, 40, 49, 1, 0.1, 0, 1 / 256, -128, tuple(f"label{i:03d}" for i in range(60)))
    assert board.begin(models["hello_world_int8"], tid=2, desc=many) == (0, S.TOO_LARGE, SLOT_BYTES)
    assert board.begin(bytes(SLOT_BYTES), tid=3) == (0, S.OK, SLOT_BYTES)  # exactly the limit


def test_bad_begin_is_refused(board: Board, models: dict[str, bytes]) -> None:
    m = models["hello_world_int8"]
    desc = ref.descriptor(IMU_DESC)
    for body in (ref.model_begin(len(m), 0, 256, desc)[:-1],  # truncated descriptor
                 ref.model_begin(len(m), 0, 1021, desc),  # chunk > max_body - 4
                 ref.model_begin(0, 0, 256, desc),  # empty model
                 ref.model_begin(len(m), 0, 256, b"\x02" + desc[1:])):  # descriptor version 2  # fmt: skip
        f = board.one(T.MODEL_BEGIN, 1, body)
        assert parse_ack(f.body) == (0, S.BAD_REQUEST, SLOT_BYTES)


def test_crc_mismatch_and_invalid_model_keep_the_old_one(board: Board, models: dict[str, bytes]) -> None:
    old = models["hello_world_int8"]
    board.upload(old, tid=1)
    st = board.upload(models["audio_preprocessor_float"], tid=2, crc=0x12345678)
    assert (st.status, st.crc) == (S.CRC_MISMATCH, zlib.crc32(old))
    assert parse_status(board.one(T.MODEL_COMMIT, 2).body).status == S.BAD_REQUEST  # discarded
    not_tflite = bytes(range(256)) * 4
    st = board.upload(not_tflite, tid=3)
    assert (st.status, st.model_bytes, st.crc) == (S.MODEL_INVALID, len(old), zlib.crc32(old))
    state = board.state()
    # the glue was asked to load the bad model, then to bring the old one back
    assert state.loads == 3 and state.crc == zlib.crc32(old) and state.arena == 1000 + len(old)


def test_run_input_invokes_the_active_model(board: Board, models: dict[str, bytes]) -> None:
    n = IMU_DESC.window * IMU_DESC.n_channels  # 714-byte input tensor
    tensor = bytes((i * 7) & 0xFF for i in range(n))
    f = board.one(T.RUN_INPUT, 5, ref.run_input(0, n, tensor))
    assert f.type == T.RUN_OUTPUT and f.body == ref.run_output(S.NO_MODEL, 0, b"")
    board.upload(models["hello_world_int8"], tid=1)
    assert board.send(T.RUN_INPUT, 6, ref.run_input(0, n, tensor[:500])) == []
    f = board.one(T.RUN_INPUT, 6, ref.run_input(500, n, tensor[500:]))
    expect = bytes((sum(tensor) + i) & 0xFF for i in range(3))
    assert (f.type, f.seq, f.body) == (T.RUN_OUTPUT, 6, ref.run_output(S.OK, 1234, expect))
    assert board.state().runs == 1
    # wrong size, out-of-order pieces and a short body are refused, nothing runs
    assert board.one(T.RUN_INPUT, 7, ref.run_input(0, n + 1, tensor)).body[0] == S.BAD_REQUEST
    board.send(T.RUN_INPUT, 8, ref.run_input(0, n, tensor[:100]))
    assert board.one(T.RUN_INPUT, 8, ref.run_input(200, n, tensor[200:300])).body[0] == S.BAD_REQUEST
    assert board.one(T.RUN_INPUT, 9, b"\x00\x00").body[0] == S.BAD_REQUEST
    assert board.state().runs == 1
