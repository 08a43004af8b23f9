"""A board that lies about its arena, and uploads of crafted models (issue 24).

The boards are the real virtual board on a real pty; the lie is its HELLO profile, the
crafted model a reference model with one field made false (tests/robustness/hostile_models.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.robustness.hostile_models import MODELS, mutated


def test_a_board_claiming_a_huge_arena_does_not_size_the_host(make_board, connect, imu_package):
    """HELLO says 0xF0000000 bytes of arena: the host used to allocate that and segfault."""
    from tinystudio.deploy.parity import verify_parity
    from tinystudio.deploy.upload import upload_model

    board = make_board()
    first = connect(board)
    upload_model(first, imu_package)
    first.close()  # one host on the port at a time
    board.profile = replace(board.profile, arena_bytes=0xF0000000)
    session = connect(board)
    assert session.info.arena_bytes == 0xF0000000
    x = np.random.default_rng(1).integers(-128, 128, (3, imu_package.descriptor.window * imu_package.descriptor.n_channels)).astype(np.int8)
    result = verify_parity(session, imu_package, inputs=x)
    assert result.windows == 3 and result.mismatches == 0


def test_the_virtual_board_answers_model_invalid_to_a_crafted_upload(make_board, connect, imu_package):
    from tinystudio.deploy.upload import upload_model
    from tinystudio.errors import DeployError

    board = make_board()
    session = connect(board)
    bad = replace(imu_package, tflite=mutated("weight buffer index past the buffers",
                                              path=MODELS / "hello_world_int8.tflite"))
    with pytest.raises(DeployError, match="cannot run model"):
        upload_model(session, bad)
    assert board._thread.is_alive()
    upload_model(session, imu_package)  # the board still works


def test_a_board_that_naks_every_chunk_is_given_up_on(make_board, connect, micro_speech_package):
    """The board answers every chunk at once with CRC_MISMATCH at offset 0 (a NAK storm):
    the upload used to resend forever (memory 8 -> 367 MB in 2 minutes), since NAKs kept
    arriving and the no-progress clock was only read when nothing arrived."""
    import time

    from tinystudio.deploy.upload import upload_model
    from tinystudio.devices import model_messages as mm
    from tinystudio.devices.protocol import Status
    from tinystudio.errors import DeployError

    board = make_board(baud=921600)
    session = connect(board)
    naks = []
    board.model_service.slot.chunk = lambda seq, body: naks.append(1) or mm.ModelAck(0, Status.CRC_MISMATCH, 0)
    t0 = time.monotonic()
    with pytest.raises(DeployError, match="made no progress"):
        upload_model(session, micro_speech_package)
    assert time.monotonic() - t0 < 20
    assert len(naks) > 10


def test_an_ack_past_what_was_sent_is_refused_not_verified(make_board, connect, micro_speech_package):
    from tinystudio.deploy.upload import upload_model
    from tinystudio.devices import model_messages as mm
    from tinystudio.devices.protocol import Status
    from tinystudio.errors import DeployError

    board = make_board(baud=921600)
    session = connect(board)
    board.model_service.slot.chunk = lambda seq, body: mm.ModelAck(0xFFFFFFFF, Status.OK, 0)
    with pytest.raises(DeployError, match="acknowledged byte 4294967295"):
        upload_model(session, micro_speech_package)
