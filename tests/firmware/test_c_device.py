"""The C device's request handling and streaming, decoded by the Python host codec."""

from __future__ import annotations

import struct

import pytest
from board_sim import Board, T
from c_core import Driver, bits, hx, unhex

from tinystudio.devices import protocol as p

S = p.Status


@pytest.fixture()
def board(driver: Driver) -> Board:
    return Board(driver)


def test_boot_hello_describes_the_board(board: Board) -> None:
    raw = unhex(board.d.cmd("devhello"))
    assert raw[0] == 0  # flushes a half frame on the host side first
    (f,) = p.FrameDecoder().feed(raw)
    assert (f.type, f.stream, f.seq) == (T.HELLO, p.NO_STREAM, 0)
    info = p.decode_hello(f.body)
    assert info.board_name == "Host test board" and info.board_id == "host_test"
    assert info.firmware_version == "tinystudio-recorder 0.1.0"
    assert (info.model_slot_bytes, info.arena_bytes, info.max_body) == (8192, 65536, 1024)
    imu, mic, cam = info.sensors
    assert imu.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"] and imu.rate_hz == 104.0
    assert imu.channels[3].unit == "deg/s" and imu.channels[0].scale == pytest.approx(1 / 8192)
    assert (mic.kind, mic.rate_hz, mic.sample_type) == (p.SensorKind.MICROPHONE, 16000.0, p.SampleType.I16)
    assert (cam.sensor_id, cam.width, cam.height, cam.pixel_format) == (3, 96, 96, p.PixelFormat.GRAY8)


def test_get_info_and_ping(board: Board) -> None:
    f = board.one(T.GET_INFO, 77)
    assert (f.type, f.seq) == (T.HELLO, 77)
    assert p.decode_hello(f.body).board_id == "host_test"
    f = board.one(T.PING, 12, b"hello\x00board")
    assert (f.type, f.seq, f.body) == (T.PONG, 12, b"hello\x00board")
    f = board.one(T.PING, 13, bytes(range(100)))
    assert f.body == bytes(range(64))  # PING bodies are at most 64 bytes


def test_start_stop_and_sample_framing(board: Board) -> None:
    d = board.d
    samples = struct.pack("<150h", *range(-75, 75))  # 25 IMU samples of 6 int16
    assert d.cmd("devsamples", 0, 12, 10, samples.hex()) == "-"  # not started: nothing sent
    assert p.decode_ack(board.one(T.START, 1, b"\x00").body) == (T.START, S.OK)
    frames = p.FrameDecoder().feed(unhex(d.cmd("devsamples", 0, 12, 10, samples.hex())))
    assert [(f.type, f.stream, f.seq) for f in frames] == [(T.SAMPLES, 0, 0), (T.SAMPLES, 0, 1)]
    assert b"".join(f.body for f in frames) == samples[: 20 * 12]  # 5 wait for the next frame
    frames = p.FrameDecoder().feed(unhex(d.cmd("devsamples", 0, 12, 10, samples[:60].hex())))
    assert [f.seq for f in frames] == [2] and frames[0].body == samples[240:300] + samples[:60]
    assert p.decode_ack(board.one(T.STOP, 2, b"\xff").body) == (T.STOP, S.OK)
    assert d.cmd("devsamples", 0, 12, 10, samples.hex()) == "-"


def test_start_errors(board: Board) -> None:
    assert p.decode_ack(board.one(T.START, 1, b"\x09").body) == (T.START, S.UNKNOWN_SENSOR)
    assert p.decode_ack(board.one(T.START, 1, b"").body) == (T.START, S.BAD_REQUEST)
    assert board.d.cmd("devfail", 1) == "ok"  # the microphone fails to start
    assert p.decode_ack(board.one(T.START, 1, b"\x01").body) == (T.START, S.INTERNAL)
    assert p.decode_ack(board.one(T.START, 1, b"\xff").body) == (T.START, S.INTERNAL)


def test_camera_image_travels_in_chunks(board: Board) -> None:
    img = bytes((x * 3 + y) & 0xFF for y in range(96) for x in range(96))
    frames = p.FrameDecoder().feed(unhex(board.d.cmd("devimage", 3, 42, 96, 96, 0, img.hex())))
    assert len(frames) == 10 and [f.seq for f in frames] == list(range(10))
    chunks = [p.decode_camera_chunk(f.body) for f in frames]
    assert all(f.stream == 3 and f.type == T.CAMERA_CHUNK and len(f.body) <= 1024 for f in frames)
    assert all(c.image_id == 42 and (c.width, c.height) == (96, 96) for c in chunks)
    assert b"".join(c.data for c in chunks) == img
    assert chunks[-1].offset + len(chunks[-1].data) == 96 * 96


def test_inference_and_log_frames(board: Board) -> None:
    scores = bytes([0x90, 0x70, 0x10])
    (f,) = p.FrameDecoder().feed(unhex(board.d.cmd("devinf", 0, 5, 812, bits(1 / 256), -128, scores.hex())))
    assert (f.type, f.stream, f.seq) == (T.INFERENCE, 0, 0)
    wi, lat, top, n = struct.unpack_from("<IIBB", f.body)
    assert (wi, lat, top, n) == (5, 812, 1, 3) and f.body[10:13] == scores
    assert struct.unpack_from("<fb", f.body, 13) == (1 / 256, -128)
    (f,) = p.FrameDecoder().feed(unhex(board.d.cmd("devlog", 1, hx("IMU: BMI270 (Rev2)"))))
    assert f.type == T.LOG and p.decode_log(f.body) == (p.LogLevel.INFO, "IMU: BMI270 (Rev2)")


def test_unknown_and_fault_requests(board: Board) -> None:
    f = board.one(0x55, 3, b"??")
    assert f.type == T.LOG and p.decode_log(f.body) == (p.LogLevel.WARNING, "unknown message type 0x55")
    f = board.one(T.FAULT, 4, b"\x01\x05\x00")
    assert (f.type, f.seq) == (T.ACK, 4) and p.decode_ack(f.body) == (T.FAULT, S.UNSUPPORTED)


def test_board_resynchronizes_after_garbage(board: Board) -> None:
    garbage = bytes(range(1, 200)) + b"\x00" + b"\x07\x07\x07" + b"\x00"
    frames = board.wire(garbage + p.encode_frame(T.GET_INFO, 0xFF, 8) + b"\x00\x00")
    assert [(f.type, f.seq) for f in frames] == [(T.HELLO, 8)]
