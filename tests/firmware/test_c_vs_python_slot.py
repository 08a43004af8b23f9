"""Differential test: the C model slot and the host's virtual-board slot answer alike.

tinystudio/boards/virtual/model_slot.py (what `tinystudio sim` runs) and the C core
(what boards run) implement the same section of docs/protocol.md independently. Seeded
random sessions -- begins with good and bad parameters, chunks in order, out of order,
duplicated, overrunning, of other transfers, commits, aborts, status requests -- go to
both; every reply must be byte-identical.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest
from board_sim import SLOT_BYTES, Board, T
from c_core import Driver

from tinystudio.boards.virtual.model_slot import ModelSlot
from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import MAX_BODY

DESCS = [
    mm.encode_descriptor(mm.BoardDescriptor(0, mm.Frontend.RAW, 6, 20, 10, 0.05, -128, 1 / 256, -128,
                                            ("idle", "wave"), (0.01,) * 6, (0.5,) * 6)),
    mm.encode_descriptor(mm.BoardDescriptor(3, mm.Frontend.IMAGE, 1, 1, 1, 1.0, -128, 1 / 256, -128, ("a", "b"))),
]  # fmt: skip


def loader(data: bytes, desc: mm.BoardDescriptor) -> tuple[object, int]:
    """The same rule as the C driver's fake board: a .tflite identifier, arena 1000 + size."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError("not a .tflite")
    return object(), 1000 + len(data)


@pytest.fixture(scope="module")
def models(tflm_models: Path) -> list[bytes]:
    d = tflm_models
    hello = (d / "hello_world_int8.tflite").read_bytes()
    return [hello, (d / "audio_preprocessor_float.tflite").read_bytes(), bytes(range(256)) * 12,
            hello + bytes(SLOT_BYTES)]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_random_sessions_get_identical_replies(driver: Driver, models: list[bytes], seed: int) -> None:
    rng = random.Random(seed)
    board = Board(driver)
    py = ModelSlot(SLOT_BYTES, MAX_BODY, loader)
    model, tid, chunk, nxt = models[0], 0, 256, 0
    kinds: dict[str, int] = {}
    for step in range(400):
        op = rng.choices(["begin", "chunk", "finish", "commit", "abort", "status"], [8, 60, 10, 4, 2, 3])[0]
        if op == "finish":  # the rest of the model in order, as a well-behaved host sends it
            c = max(chunk, 1)
            while py.receiving and nxt < len(model):
                body = mm.encode_model_chunk(nxt, model[nxt : nxt + min(c, MAX_BODY - 4)])
                reply = py.chunk(tid, body)
                expect = [] if reply is None else [mm.encode_model_ack(reply)]
                assert [f.body for f in board.send(T.MODEL_CHUNK, tid, body)] == expect, f"seed {seed} step {step}"
                nxt = py.next_offset
            op = "commit"
        if op == "begin":
            model = rng.choice(models)
            tid = rng.randrange(3)
            chunk = rng.choice([256, 1020, 100, 0, 1021])
            crc = zlib.crc32(model) if rng.random() < 0.85 else 0x1234
            body = mm.encode_model_begin(mm.ModelBegin(len(model), crc, chunk, rng.choice(DESCS)))
            nxt = 0
            expect = [mm.encode_model_ack(py.begin(tid, body))]
        elif op == "chunk":
            c = max(chunk, 1)
            off = rng.choice([nxt, nxt, nxt, nxt + c, max(0, nxt - c), 0, rng.randrange(len(model) + 1)])
            n = min(rng.choice([c, c, c // 2, 0, c + 7]), MAX_BODY - 4)  # the host never sends more
            data = model[off : off + n]
            t = tid if rng.random() < 0.95 else tid + 1
            body = mm.encode_model_chunk(off, data)
            reply = py.chunk(t, body)
            expect = [] if reply is None else [mm.encode_model_ack(reply)]
            nxt = py.next_offset
        else:
            call = {"commit": py.commit, "abort": py.abort, "status": py.status}[op]
            expect = [mm.encode_model_status(call())]
            t = {"commit": T.MODEL_COMMIT, "abort": T.MODEL_ABORT, "status": T.MODEL_STATUS}[op]
            body = b""
        msg_type = {"begin": T.MODEL_BEGIN, "chunk": T.MODEL_CHUNK}.get(op, t if op != "chunk" else T.MODEL_CHUNK)
        seq = tid if op == "begin" else (t if op == "chunk" else 7)
        got = [f.body for f in board.send(msg_type, seq, body)]
        assert got == expect, f"seed {seed} step {step}: {op} -> C {got} vs Python {expect}"
        kinds[op] = kinds.get(op, 0) + 1
        if op == "commit" and expect[0][0] == 0:
            kinds["commit_ok"] = kinds.get("commit_ok", 0) + 1
        if op == "chunk" and expect and expect[0][4] != 0:
            kinds["gap_acks"] = kinds.get("gap_acks", 0) + 1
    assert kinds.get("gap_acks", 0) > 5 and kinds.get("commit_ok", 0) >= 1, (seed, kinds)
