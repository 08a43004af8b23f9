"""The virtual board's model loader: real TFLM, the board's arena limit, clear refusals."""

from __future__ import annotations

import pytest

from tinystudio.boards.virtual.model import BoardModel
from tinystudio.deploy.upload import model_status, upload_model
from tinystudio.errors import DeployError


def test_arena_used_is_measured_and_reported(make_board, connect, micro_speech_package):
    m = BoardModel(micro_speech_package.tflite, micro_speech_package.descriptor, 131072)
    assert 1000 < m.arena_used < 131072
    session = connect(make_board())
    upload_model(session, micro_speech_package)
    assert model_status(session).arena_used_bytes == m.arena_used


def test_a_model_needing_more_arena_than_the_board_has_is_refused(micro_speech_package):
    with pytest.raises(ValueError, match=r"needs a \d+-byte tensor arena; the board has 2048"):
        BoardModel(micro_speech_package.tflite, micro_speech_package.descriptor, 2048)


def test_garbage_that_passes_the_crc_is_not_activated(make_board, connect, micro_speech_package, hello_package):
    from dataclasses import replace

    session = connect(make_board())
    upload_model(session, hello_package)
    garbage = replace(micro_speech_package, tflite=bytes(range(256)) * 40)
    with pytest.raises(DeployError, match="cannot run model"):
        upload_model(session, garbage)
    assert model_status(session).model_bytes == len(hello_package.tflite)
