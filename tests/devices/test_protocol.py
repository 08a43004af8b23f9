"""Wire protocol: round trips (property-based) and resynchronization after damage."""

from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinystudio.devices import protocol as p

bodies = st.binary(min_size=0, max_size=p.MAX_BODY)


@given(t=st.integers(0, 255), stream=st.integers(0, 255), seq=st.integers(0, 0xFFFF), body=bodies)
def test_frame_round_trip(t, stream, seq, body):
    wire = p.encode_frame(t, stream, seq, body)
    assert wire.endswith(b"\x00") and b"\x00" not in wire[:-1]
    frames = p.FrameDecoder().feed(wire)
    assert frames == [p.Frame(t, stream, seq, body)]


@given(body=st.lists(bodies, min_size=1, max_size=20), data=st.data())
def test_any_slicing_of_the_stream_gives_the_same_frames(body, data):
    wire = b"".join(p.encode_frame(0x10, 1, i, b) for i, b in enumerate(body))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=10)))
    dec = p.FrameDecoder()
    out = []
    prev = 0
    for c in [*cuts, len(wire)]:
        out += dec.feed(wire[prev:c])
        prev = c
    assert [f.body for f in out] == body
    assert [f.seq for f in out] == list(range(len(body)))


def test_crc_is_the_zlib_crc32_and_residue_is_constant():
    assert zlib.crc32(b"123456789") == 0xCBF43926
    raw = b"\x10\x00\x05\x00" + bytes(24)
    framed = raw + zlib.crc32(raw).to_bytes(4, "little")
    assert zlib.crc32(framed) == p.CRC_RESIDUE


def _channel(n_frames: int, seed: int):
    rng = random.Random(seed)
    frames = [
        p.encode_frame(p.MsgType.SAMPLES, 0, i, rng.randbytes(rng.randint(1, 60)))
        for i in range(n_frames)
    ]
    return frames, rng


@pytest.mark.parametrize("seed", range(25))
def test_resync_after_random_corruption_counts_exactly_the_damaged_frames(seed):
    frames, rng = _channel(400, seed)
    damaged = set(rng.sample(range(len(frames)), 30))
    wire = bytearray()
    for i, f in enumerate(frames):
        f = bytearray(f)
        if i in damaged:
            kind = rng.choice(["flip", "drop", "insert", "truncate"])
            pos = rng.randrange(len(f) - 1)  # never touch the delimiter here
            if kind == "flip":
                f[pos] ^= 1 << rng.randrange(8) or 1
            elif kind == "drop":
                del f[pos]
            elif kind == "insert":
                f.insert(pos, rng.randrange(1, 256))
            else:
                f = f[:pos] + b"\x00"  # truncated frame, then the line recovers
        wire += f
    dec = p.FrameDecoder()
    got = dec.feed(bytes(wire))
    seqs = [f.seq for f in got]
    assert set(seqs) == set(range(len(frames))) - damaged
    # Exactly the damaged frames are missing from the sequence count.
    lost = 0
    expected = 0
    for s in seqs:
        lost += s - expected
        expected = s + 1
    lost += len(frames) - expected
    assert lost == len(damaged)


def test_garbage_without_delimiters_is_dropped_and_stream_recovers():
    dec = p.FrameDecoder(max_encoded=2000)
    rng = random.Random(1)
    garbage = bytes(b or 1 for b in rng.randbytes(10_000))
    good = p.encode_frame(p.MsgType.LOG, p.NO_STREAM, 7, b"\x01hello")
    out = dec.feed(garbage) + dec.feed(b"\x00" + good)
    assert [f.seq for f in out] == [7]
    assert dec.framing_errors >= 1


def test_garbage_with_zeros_never_produces_a_frame():
    dec = p.FrameDecoder()
    rng = random.Random(2)
    assert dec.feed(rng.randbytes(50_000)) == []
    assert dec.crc_errors + dec.framing_errors > 0


# Printable text (HELLO refuses control and invisible format characters: docs/protocol.md 3.1).
printable = st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))
hello_sensors = st.lists(
    st.builds(
        p.SensorInfo,
        sensor_id=st.integers(0, 254),
        kind=st.sampled_from([p.SensorKind.IMU, p.SensorKind.MICROPHONE, p.SensorKind.GENERIC]),
        name=st.text(printable, max_size=20),
        sample_type=st.sampled_from(list(p.SampleType)),
        rate_hz=st.floats(0.5, 100_000.0, width=32),
        channels=st.lists(
            st.builds(
                p.ChannelInfo,
                st.text(printable, max_size=10),
                st.text(printable, max_size=6),
                st.floats(0.0001220703125, 1000.0, width=32),
            ),
            min_size=1,
            max_size=9,
        ).map(tuple),
    ),
    max_size=4,
    unique_by=lambda s: s.sensor_id,
).map(tuple)


@settings(max_examples=60)
@given(
    name=st.text(printable, max_size=40),
    fw=st.text(printable, max_size=20),
    slot=st.integers(0, 2**32 - 1),
    arena=st.integers(0, 2**32 - 1),
    sensors=hello_sensors,
)
def test_hello_round_trip(name, fw, slot, arena, sensors):
    info = p.DeviceInfo(
        name, fw, "nano33ble", model_slot_bytes=slot, arena_bytes=arena, sensors=sensors
    )
    assert p.decode_hello(p.encode_hello(info)) == info


def test_hello_with_camera_round_trip():
    cam = p.SensorInfo(
        2, p.SensorKind.CAMERA, "cam", p.SampleType.U8, 10.0, (p.ChannelInfo("gray"),), 96, 96
    )
    info = p.DeviceInfo("b", "1", sensors=(cam,))
    assert p.decode_hello(p.encode_hello(info)).sensors[0].frame_bytes == 96 * 96


def test_truncated_hello_is_a_clear_protocol_error():
    body = p.encode_hello(p.DeviceInfo("board", "1.0", sensors=()))
    with pytest.raises(p.ProtocolError, match="HELLO"):
        p.decode_hello(body[:-3])


def test_newer_protocol_version_is_named():
    body = bytearray(p.encode_hello(p.DeviceInfo("board", "1.0")))
    body[0] = 9
    with pytest.raises(p.ProtocolError, match="version 9"):
        p.decode_hello(bytes(body))


def test_camera_chunk_round_trip():
    c = p.CameraChunk(3, 96, 96, p.PixelFormat.GRAY8, 1000, bytes(range(200)))
    assert p.decode_camera_chunk(p.encode_camera_chunk(c)) == c
