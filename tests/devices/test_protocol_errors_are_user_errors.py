"""A malformed board reply is the board's fault: a one-line DeviceError, not exit 70 (issue 24)."""

from __future__ import annotations

import pytest

from tinystudio.cli import EXIT_INTERNAL
from tinystudio.devices import model_messages as mm
from tinystudio.devices import protocol as p
from tinystudio.errors import DeviceError, TinyStudioError


@pytest.mark.parametrize("decode, body", [
    (p.decode_hello, b"\x01\x02"),
    (p.decode_ack, b""),
    (p.decode_log, b""),
    (mm.decode_model_ack, b"\xff\xff"),
    # found by tests/fuzz: unknown enum values used to escape as a bare ValueError
    (p.decode_camera_chunk, b"\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00"),
    (p.decode_ack, b"\x01\xc8"),
])
def test_malformed_bodies_raise_a_user_facing_device_error(decode, body):
    with pytest.raises(p.ProtocolError) as err:
        decode(body)
    assert isinstance(err.value, DeviceError) and isinstance(err.value, TinyStudioError)
    assert err.value.exit_code == 3 != EXIT_INTERNAL
    assert isinstance(err.value, ValueError)  # callers that catch it as a ValueError still do
