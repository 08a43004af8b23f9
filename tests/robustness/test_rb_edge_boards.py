"""Hostile boards on a real pty: HELLOs outside the protocol's limits, malformed frames
mixed into a stream, and text lines far too wide. Each case ends in a clear error naming
the board and the field, or in exactly the right samples with the bad part counted."""

from __future__ import annotations

import math
import os
import select
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from tests.robustness.edge_helpers import FakeBoard, imu_hello
from tinystudio.cli import main
from tinystudio.devices import protocol as p
from tinystudio.devices.session import BoardSession
from tinystudio.devices.text_stream import TextStreamParser
from tinystudio.errors import DeviceError


def _hello(info: p.DeviceInfo) -> bytes:
    return p.encode_hello(info)


def _cam(w: int, h: int, **kw) -> p.DeviceInfo:
    s = p.SensorInfo(2, p.SensorKind.CAMERA, "cam", p.SampleType.U8, 10.0, (p.ChannelInfo("gray"),), w, h)
    return p.DeviceInfo("Fake cam", "fake 1.0", sensors=(replace(s, **kw),))


def _bad_pixel_format() -> bytes:
    body = bytearray(_hello(_cam(8, 8)))
    body[-1] = 9  # pixel format byte
    return bytes(body)


HOSTILE_HELLOS = {
    "rate zero": (lambda: _hello(imu_hello(rate_hz=0.0)), "rate_hz"),
    "rate negative": (lambda: _hello(imu_hello(rate_hz=-100.0)), "rate_hz"),
    "rate NaN": (lambda: _hello(imu_hello(rate_hz=math.nan)), "rate_hz"),
    "rate infinite": (lambda: _hello(imu_hello(rate_hz=math.inf)), "rate_hz"),
    "rate absurd": (lambda: _hello(imu_hello(rate_hz=3e9)), "rate_hz"),
    "scale NaN": (lambda: _hello(imu_hello(channels=(p.ChannelInfo("aX", "g", math.nan),))), "scale"),
    "zero channels": (lambda: _hello(imu_hello(channels=())), "n_channels"),
    "65 channels": (lambda: _hello(imu_hello(channels=tuple(p.ChannelInfo(f"c{i}") for i in range(65)))),
                    "n_channels"),
    "40000x40000 camera": (lambda: _hello(_cam(40000, 40000)), "image size"),
    "camera 0 wide": (lambda: _hello(_cam(0, 96)), "image size"),
    "unknown pixel format": (_bad_pixel_format, "pixel format"),
    "200-char board name": (lambda: _hello(replace(imu_hello(), board_name="B" * 200)), "board_name"),
    "newline in sensor name": (lambda: _hello(imu_hello(name="imu\nrm -rf")), "name"),
    "escape in channel name": (lambda: _hello(imu_hello(channels=(p.ChannelInfo("a\x1b[2J"),))), "channel 0 name"),
    "duplicate sensor ids": (lambda: _hello(replace(imu_hello(), sensors=imu_hello().sensors * 2)), "used twice"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_HELLOS))
def test_hostile_hello_is_refused_naming_board_and_field(case):
    make, field = HOSTILE_HELLOS[case]
    with FakeBoard(make()) as board:
        t0 = time.monotonic()
        with pytest.raises(DeviceError) as info:
            BoardSession.open(board.path, hello_timeout=3.0, reconnect=False)
        assert time.monotonic() - t0 < 2.0  # refused at the first HELLO, no waiting out the timeout
    msg = str(info.value)
    assert "malformed HELLO" in msg and board.path in msg and field in msg, msg
    assert "\n" not in msg and "\x1b" not in msg


def test_hostile_hello_through_the_cli_is_one_line(capsys):
    with FakeBoard(_hello(imu_hello(rate_hz=math.nan))) as board:
        assert main(["stream", "--port", board.path, "--seconds", "0.2"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'Fake board'" in err[0] and "rate_hz is nan" in err[0]


def _samples(seq: int, values: list[int], stream: int = 0) -> bytes:
    return p.encode_frame(p.MsgType.SAMPLES, stream, seq, np.array(values, "<i2").tobytes())


def _collect(board_frames: list[bytes], want: int, info: p.DeviceInfo | None = None):
    blocks = []
    with FakeBoard(_hello(info or imu_hello()), board_frames) as board, \
            BoardSession.open(board.path, reconnect=False) as s:
        s.subscribe(lambda b: blocks.append(b.samples.copy()))
        s.start(0)
        deadline = time.monotonic() + 3
        while sum(len(b) for b in blocks) < want and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # anything extra would arrive now
        return (np.concatenate(blocks) if blocks else np.zeros((0, 3), "<i2")), s.stats(0), s
    # (session closed by the with block)


def test_a_misaligned_samples_body_is_dropped_alone_and_counted():
    # 3 channels of int16 = 6 bytes per sample; frame 2 has 5 bytes (cut short).
    frames = [_samples(0, [1, 2, 3]),
              p.encode_frame(p.MsgType.SAMPLES, 0, 1, np.array([7, 7, 7], "<i2").tobytes()[:5]),
              _samples(2, [4, 5, 6, 7, 8, 9]),
              p.encode_frame(p.MsgType.SAMPLES, 0, 3, b""),
              _samples(4, [10, 11, 12])]
    got, stats, _ = _collect([b"".join(frames)], 4)  # one write: all frames in one read
    assert got.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]  # nothing shifted
    assert stats.malformed_frames == 2 and stats.lost_frames == 0 and stats.samples == 4


def test_malformed_control_frames_do_not_stop_the_stream():
    frames = [p.encode_frame(p.MsgType.ERROR, p.NO_STREAM, 0, b"\x01"),  # shorter than its u16 code
              p.encode_frame(p.MsgType.LOG, p.NO_STREAM, 0, b""),
              p.encode_frame(p.MsgType.CAMERA_CHUNK, 0, 0, b"\x00" * 40),  # camera data on an IMU stream
              p.encode_frame(p.MsgType.SAMPLES, 9, 0, b"\x00" * 6),  # an undeclared sensor
              _samples(0, [1, 2, 3]), _samples(1, [4, 5, 6])]
    got, stats, s = _collect([b"".join(frames)], 2)
    assert got.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert s.reader_errors == 0 and stats.malformed_frames == 1
    assert any("malformed ERROR" in text for _, text in s.logs)


def test_camera_chunk_with_another_geometry_is_dropped_not_written():
    info = _cam(4, 4)
    good = p.encode_camera_chunk(p.CameraChunk(1, 4, 4, p.PixelFormat.GRAY8, 0, bytes(range(16))))
    liar = p.encode_camera_chunk(p.CameraChunk(2, 4000, 4000, p.PixelFormat.GRAY8, 0, bytes(16)))
    frames = [p.encode_frame(p.MsgType.CAMERA_CHUNK, 2, 0, liar), p.encode_frame(p.MsgType.CAMERA_CHUNK, 2, 1, good)]
    images = []
    with FakeBoard(_hello(info), [b"".join(frames)]) as board, BoardSession.open(board.path, reconnect=False) as s:
        s.subscribe(lambda b: images.append(b.samples.copy()))
        s.start(2)
        deadline = time.monotonic() + 3
        while not images and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(images) == 1 and images[0].reshape(-1).tolist() == list(range(16))
        assert s.stats(2).malformed_frames == 1


def _text_board(lines: list[bytes]):
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    os.set_blocking(master, False)  # a full pty buffer (nobody reading) must not block the writer
    path = os.ttyname(slave)
    stop = threading.Event()

    def run():
        while not stop.is_set():
            for line in lines:
                if stop.is_set():
                    return
                view = memoryview(line)
                while view and not stop.is_set():
                    try:
                        view = view[os.write(master, view):]
                    except BlockingIOError:
                        select.select([], [master], [], 0.05)
                    except OSError:
                        return
                time.sleep(0.002)

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def close():
        stop.set()
        t.join(2)
        os.close(master)
        os.close(slave)

    return path, close


def test_a_5000_column_text_line_is_skipped_without_breaking_the_stream():
    wide = (",".join(["1"] * 5000) + "\n").encode()
    lines = [b"aX,aY,aZ\n"] + [f"{i},{i + 1},{i + 2}\n".encode() for i in range(10)] + [wide] * 3
    path, close = _text_board(lines)
    try:
        with BoardSession.open(path, mode="text", reconnect=False) as s:
            rows = []
            s.subscribe(lambda b: rows.append(b.samples.copy()))
            deadline = time.monotonic() + 3
            while sum(map(len, rows)) < 30 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert s.info.sensors[0].n_channels == 3
            got = np.concatenate(rows)
            assert got.shape[1] == 3 and sum(map(len, rows)) >= 30
            assert set(np.diff(got[:, :2], axis=1).ravel().tolist()) == {1.0}  # every row is i, i+1, i+2
            assert s.text_parser.bad_lines >= 3
    finally:
        close()


def test_wide_and_endless_lines_cannot_lock_or_shift_the_parser():
    parser = TextStreamParser()
    wide = (" ".join(["2"] * 5000) + "\n").encode()
    assert len(parser.feed(wide * 4, 0.0).samples) == 0 and parser.n_channels is None
    endless = b"9," * 5000  # no newline for 10 kB, then the line ends "…,9,9,1,2,3\n"
    parser.feed(endless, 0.1)
    parser.feed(b"9,9,1,2,3\n", 0.2)  # the tail of the dropped line: must not become a sample
    chunk = parser.feed(b"1,2,3\n4,5,6\n7,8,9\n", 0.3)
    assert parser.n_channels == 3 and chunk.samples.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert parser.bad_lines >= 5


def test_a_board_printing_only_5000_column_lines_gets_a_clear_message():
    path, close = _text_board([(",".join(["1"] * 5000) + "\n").encode()])
    try:
        with pytest.raises(DeviceError) as info:
            BoardSession.open(path, mode="text", hello_timeout=1.0, reconnect=False)
    finally:
        close()
    msg = str(info.value)
    assert path in msg and "from 1 to 64" in msg and "\n" not in msg


def test_a_board_that_restarts_with_another_layout_ends_the_take_and_keeps_only_old_layout_samples(tmp_path):
    """6 channels, then an unsolicited HELLO with 3: the two 3-channel samples after it must
    not be stored as one 6-channel row under the old names. The take ends with a message
    naming both layouts, its 6-channel samples kept; the session reconnects with 3 channels."""
    from tinystudio.commands.record import record
    from tinystudio.dataset import Project
    from tinystudio.dataset.recording import Recording

    six = imu_hello(channels=tuple(p.ChannelInfo(n, "g", 1 / 8192) for n in ("aX", "aY", "aZ", "gX", "gY", "gZ")))
    three = imu_hello()
    frames = [_samples(0, list(range(1, 13))),  # two 6-channel samples
              p.encode_frame(p.MsgType.HELLO, p.NO_STREAM, 0, _hello(three)),
              _samples(0, [7, 7, 7, 8, 8, 8])]  # two 3-channel samples: 12 bytes, one 6-ch row's worth
    project = Project.create(tmp_path / "proj")
    with FakeBoard(_hello(six), [b"".join(frames)]) as board, BoardSession.open(board.path) as s:
        board.hello_body = _hello(three)  # what it answers from now on (after its "reset")
        with pytest.raises(DeviceError, match=r"different sensor layout \(imu 6 ch @ 100 Hz -> imu 3 ch @ 100 Hz\)"):
            record(project, s, 5.0, list(s.info.sensors), label="wave")
        deadline = time.monotonic() + 5
        while s.info.sensors[0].n_channels != 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert s.info.sensors[0].n_channels == 3 and s.layout_changes == 1
    (rec_path,) = (tmp_path / "proj" / "recordings").glob("*.h5")
    rec = Recording(rec_path)
    assert rec.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert rec.read().tolist() == [list(range(1, 7)), list(range(7, 13))]


def test_the_same_hello_again_changes_nothing():
    frames = [_samples(0, [1, 2, 3]), p.encode_frame(p.MsgType.HELLO, p.NO_STREAM, 0, _hello(imu_hello())),
              _samples(1, [4, 5, 6])]
    got, stats, s = _collect([b"".join(frames)], 2)
    assert got.tolist() == [[1, 2, 3], [4, 5, 6]] and s.layout_changes == 0


def test_a_refused_start_leaves_no_empty_recording_in_the_project(tmp_path):
    from tinystudio.commands.record import record
    from tinystudio.dataset import Project

    project = Project.create(tmp_path / "proj")
    with FakeBoard(_hello(imu_hello()), start_status=p.Status.BUSY) as board, \
            BoardSession.open(board.path, reconnect=False) as s, \
            pytest.raises(DeviceError, match="refused START of sensor 0: BUSY"):
        record(project, s, 2.0, list(s.info.sensors), label="wave")
    assert list((tmp_path / "proj" / "recordings").iterdir()) == []
    assert list(Project.open(tmp_path / "proj").recordings()) == []


@pytest.mark.parametrize("baud, ok", [(9600, True), (115200, False)])
def test_stop_waits_for_an_ack_queued_behind_a_slow_links_backlog(baud, ok):
    """An ACK 2.5 s late is what 4 KB of queued results cost at 9600 baud: accepted there,
    a dead board at 115200 (where the same backlog drains in 0.36 s)."""
    with FakeBoard(_hello(imu_hello()), stop_delay=2.5) as board, \
            BoardSession.open(board.path, baud, reconnect=False) as s:
        s.start(0)
        if ok:
            s.stop(0)
        else:
            with pytest.raises(DeviceError, match="did not answer STOP within 1.4 s"):
                s.stop(0)
