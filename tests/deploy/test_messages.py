"""Section 6-8 message bodies: exact byte layouts (shared with the C firmware) and round trips."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinystudio.devices import model_messages as mm
from tinystudio.devices.protocol import ProtocolError, Status


def test_descriptor_byte_layout_raw():
    d = mm.BoardDescriptor(0, mm.Frontend.RAW, 2, 119, 30, 0.5, -3, 1 / 256, -128, ("punch", "flex"),
                           (2.0, 0.25), (-1.0, 4.0))  # fmt: skip
    body = mm.encode_descriptor(d)
    expected = (
        struct.pack("<BBBBHHfbfb", 1, 0, 0, 2, 119, 30, 0.5, -3, 1 / 256, -128)
        + struct.pack("<ffff", 2.0, -1.0, 0.25, 4.0)
        + bytes([2, 5]) + b"punch" + bytes([4]) + b"flex"
    )
    assert body == expected
    assert mm.decode_descriptor(body) == d


def test_descriptor_without_affine_for_audio():
    d = mm.BoardDescriptor(1, mm.Frontend.MICRO_SPEECH, 40, 49, 25, 1.0, 0, 1 / 256, -128, ("yes", "no"))
    body = mm.encode_descriptor(d)
    assert len(body) == 18 + 1 + 4 + 3
    assert mm.decode_descriptor(body) == d


def test_descriptor_rejects_missing_affine_and_bad_bodies():
    with pytest.raises(ValueError, match="mul/add"):
        mm.encode_descriptor(mm.BoardDescriptor(0, mm.Frontend.RAW, 3, 10, 5, 1.0, 0, 1.0, 0, ("a",)))
    good = mm.encode_descriptor(
        mm.BoardDescriptor(0, mm.Frontend.IMAGE, 1, 1, 1, 1.0, 0, 1.0, 0, ("cat", "dog")))
    for cut in range(len(good)):
        with pytest.raises(ProtocolError):
            mm.decode_descriptor(good[:cut])
    with pytest.raises(ProtocolError, match="front end"):
        mm.decode_descriptor(good[:2] + b"\x09" + good[3:])
    with pytest.raises(ProtocolError, match="version"):
        mm.decode_descriptor(b"\x02" + good[1:])


def test_upload_message_layouts():
    begin = mm.ModelBegin(18800, 0xDEADBEEF, 1020, b"\x01\x02")
    assert mm.encode_model_begin(begin) == struct.pack("<IIHH", 18800, 0xDEADBEEF, 1020, 2) + b"\x01\x02"
    assert mm.decode_model_begin(mm.encode_model_begin(begin)) == begin
    assert mm.encode_model_chunk(4080, b"abc") == struct.pack("<I", 4080) + b"abc"
    assert mm.decode_model_chunk(mm.encode_model_chunk(4080, b"abc")) == (4080, b"abc")
    ack = mm.ModelAck(4080, Status.CRC_MISMATCH, 262144)
    assert mm.encode_model_ack(ack) == struct.pack("<IBI", 4080, 5, 262144)
    assert mm.decode_model_ack(mm.encode_model_ack(ack)) == ack
    status = mm.ModelStatus(Status.OK, 18800, 0x12345678, 6000, b"xyz")
    assert mm.encode_model_status(status) == struct.pack("<BIIIH", 0, 18800, 0x12345678, 6000, 3) + b"xyz"
    assert mm.decode_model_status(mm.encode_model_status(status)) == status


def test_inference_run_and_fault_layouts():
    inf = mm.Inference(7, 1234, 1, bytes([0x80, 0x7F]), 1 / 256, -128)
    body = mm.encode_inference(inf)
    assert body == struct.pack("<IIBB", 7, 1234, 1, 2) + bytes([0x80, 0x7F]) + struct.pack("<fb", 1 / 256, -128)
    back = mm.decode_inference(body)
    assert back == inf
    assert back.probabilities() == pytest.approx([0.0, 255 / 256])
    run = mm.RunInput(1016, 1960, b"\x05" * 944)
    assert mm.decode_run_input(mm.encode_run_input(run)) == run
    out = mm.RunOutput(Status.OK, 88, b"\x01\xff")
    assert mm.encode_run_output(out) == struct.pack("<BI", 0, 88) + b"\x01\xff"
    assert mm.decode_run_output(mm.encode_run_output(out)) == out
    assert mm.encode_fault(mm.FaultKind.CORRUPT_CHUNKS, 3) == bytes([2, 3, 0])
    assert mm.decode_fault(bytes([3, 0, 0])) == (mm.FaultKind.CLOSE_PORT, 0)
    with pytest.raises(ProtocolError, match="unknown fault"):
        mm.decode_fault(bytes([9, 0, 0]))
    with pytest.raises(ProtocolError, match="unknown status"):
        mm.decode_model_ack(struct.pack("<IBI", 0, 77, 0))


@given(
    labels=st.lists(st.text(min_size=0, max_size=20).filter(lambda s: len(s.encode()) < 256), max_size=12),
    window=st.integers(1, 65535), stride=st.integers(1, 65535), nch=st.integers(1, 8),
    zp=st.integers(-128, 127),
)  # fmt: skip
def test_descriptor_round_trip(labels, window, stride, nch, zp):
    d = mm.BoardDescriptor(3, mm.Frontend.RAW, nch, window, stride, 0.25, zp, 0.5, -zp - 1 if zp < 127 else 0,
                           tuple(labels), tuple(float(i) for i in range(nch)),
                           tuple(float(-i) for i in range(nch)))  # fmt: skip
    assert mm.decode_descriptor(mm.encode_descriptor(d)) == d
