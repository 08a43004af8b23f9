"""Text-stream parser: formats, headers, boundaries, rate detection (simulated bursts and a
real pty with the text-mode virtual board)."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import serial

from tinystudio.devices import protocol as p
from tinystudio.devices.text_stream import TextStreamParser, looks_like_text


def _bursty_feed(text: str, rate: float, rng, pause_s: float = 0.0, poll_ms=(1, 16)):
    """Feed ``text`` as a board printing ``rate`` lines/s would deliver it: lines leave at
    their due time (blank lines start a pause of ``pause_s``), the host reads whatever has
    arrived every 1-16 ms, and reads split lines anywhere."""
    lines = text.splitlines(keepends=True)
    times, t = [], 0.0
    for ln in lines:
        if ln.strip():
            t += 1.0 / rate
        else:
            t += pause_s
        times.append(t)
    data = "".join(lines).encode()
    ends = np.cumsum([len(ln) for ln in lines])
    out, sent, now = [], 0, 0.0
    while sent < len(data):
        now += rng.uniform(*poll_ms) / 1000
        k = int(np.searchsorted(times, now, side="right"))
        avail = int(ends[k - 1]) if k else 0
        if rng.random() < 0.2 and avail > sent + 3:  # USB packet boundary inside a line
            avail -= int(rng.integers(1, 3))
        if avail > sent:
            out.append((data[sent:avail], now))
            sent = avail
    return out


def _csv_rows(path):
    return [ln for ln in path.read_text().splitlines()[1:] if ln.strip()]


@pytest.mark.parametrize("pause_s", [0.0, 1.5])
def test_imu_capture_format_axes_names_rate_and_boundaries(punch_csv, pause_s):
    text = punch_csv.read_text()
    parser = TextStreamParser()
    rows, bounds, offset = [], [], 0
    for data, t in _bursty_feed(text, 119.0, np.random.default_rng(1), pause_s=pause_s):
        chunk = parser.feed(data, t)
        assert chunk.samples.shape[1:] == (6,) or len(chunk.samples) == 0
        rows.append(chunk.samples)
        bounds += [offset + b for b in chunk.boundaries]
        offset += len(chunk.samples)
    got = np.concatenate([r for r in rows if len(r)])
    expected = np.array([[float(v) for v in ln.split(",")] for ln in _csv_rows(punch_csv)])
    assert parser.n_channels == 6 and parser.header_seen
    assert parser.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert np.array_equal(got, expected)
    assert bounds == [119 * k for k in range(1, 10)]  # blank line after each 119-sample gesture
    assert parser.pending_boundary  # the file ends with a blank line
    assert parser.bad_lines == 0
    assert parser.rate_hz == pytest.approx(119.0, rel=0.01)


def test_bursts_at_high_rate_and_line_counting_baseline():
    rng = np.random.default_rng(5)
    text = "".join(f"{i % 100},{-i % 7}.5\n" for i in range(4000))
    parser = TextStreamParser()
    feeds = _bursty_feed(text, 1000.0, rng, poll_ms=(5, 30))
    for data, t in feeds:
        parser.feed(data, t)
    assert parser.n_channels == 2 and parser.channel_names == ["ch0", "ch1"] and not parser.header_seen
    assert parser.rate_hz == pytest.approx(1000.0, rel=0.005)
    parser.rate_override = 250.0
    assert parser.rate_hz == 250.0 and parser.measured_rate_hz == pytest.approx(1000.0, rel=0.005)


@pytest.mark.parametrize(
    "text, names, first",
    [
        ("1.5 2 3\n4 5 6\r\n7 8 9\n", ["ch0", "ch1", "ch2"], [1.5, 2, 3]),  # Serial Plotter, spaces, CRLF
        ("1\t2\n3\t4\n5\t6\n", ["ch0", "ch1"], [1, 2]),  # Edge Impulse forwarder, tabs
        ("x;y\n1;2\n3;4\n", ["x", "y"], [1, 2]),  # semicolons with a header
        ("temp:21.5 hum:40\ntemp:21.6 hum:41\n", ["temp", "hum"], [21.5, 40]),  # plotter labels
        ("-1e-3,+2.5E2\n3,4\n5,6\n", ["ch0", "ch1"], [-0.001, 250]),
    ],
)
def test_common_formats(text, names, first):
    parser = TextStreamParser()
    chunk = parser.feed(text.encode(), 0.0)
    assert parser.channel_names == names
    assert chunk.samples[0].tolist() == first
    assert parser.bad_lines == 0


def test_cut_first_line_boot_messages_and_garbage_are_skipped():
    text = (
        "Y,gZ\n"  # the tail of a header: we connected mid-line
        "5,0.1\n"  # tail of a sample line
        "Started\n"  # a lone word from setup(): not a header for six channels
        "IMU initialized!\n"
        "aX,aY,aZ,gX,gY,gZ\n"
        "1,2,3,4,5,6\n"
        "1,2,3,4,5\n"  # a short line
        "1,2,x,4,5,6\n"  # garbage
        "\n\n"  # two blank lines: one boundary
        "7,8,9,10,11,12\n"
    )
    parser = TextStreamParser()
    chunk = parser.feed(text.encode(), 0.0)
    assert parser.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert chunk.samples.tolist() == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]
    assert chunk.boundaries == [1]
    assert parser.bad_lines >= 4


def test_width_locks_from_agreeing_lines_without_header():
    parser = TextStreamParser()
    out = []
    for line in ["3,4\n", "1,2,3\n", "4,5,6\n", "7,8,9\n", "10,11,12\n"]:
        out.append(parser.feed(line.encode(), 0.0).samples)
    assert parser.n_channels == 3
    assert np.concatenate([o for o in out if len(o)]).tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]
    assert parser.bad_lines == 1


def test_looks_like_text_tells_boards_apart():
    assert looks_like_text(b"0.1,0.2,0.3\n0.4,0.5,0.6\n")
    assert looks_like_text(b"aX,aY\n1,2\n")
    assert not looks_like_text(b"")
    assert not looks_like_text(b"no newline 1 2 3")
    info = p.DeviceInfo("b", "f", sensors=())
    binary = p.encode_hello(info) + b"".join(
        p.encode_frame(p.MsgType.SAMPLES, 0, i, bytes(range(i, i + 24))) for i in range(40)
    )
    assert not looks_like_text(binary)
    assert not looks_like_text(bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)))


def _read_text_board(args, seconds):
    proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "sim", *args], stdout=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().split()[1]
        ser = serial.Serial(port, 115200, timeout=0.02)
        ser.write(p.encode_frame(p.MsgType.GET_INFO, p.NO_STREAM, 0))  # as the host's connect does
        parser = TextStreamParser()
        rows, bounds, offset = [], [], 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            data = ser.read(ser.in_waiting or 1)
            if data:
                chunk = parser.feed(data, time.monotonic())
                rows.append(chunk.samples)
                bounds += [offset + b for b in chunk.boundaries]
                offset += len(chunk.samples)
        ser.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
    return parser, np.concatenate([r for r in rows if len(r)]), bounds


def test_text_sim_replaying_imu_capture_over_a_real_pty(punch_csv):
    parser, got, bounds = _read_text_board(["--text", "--replay", str(punch_csv), "--text-pause", "0.3"], 5.0)
    assert parser.n_channels == 6 and parser.header_seen
    assert parser.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert parser.rate_hz == pytest.approx(119.0, rel=0.01)
    assert len(bounds) >= 2 and all(b2 - b1 == 119 for b1, b2 in zip(bounds, bounds[1:], strict=False))
    expected = np.array([[float(v) for v in ln.split(",")] for ln in _csv_rows(punch_csv)])
    # The stream is the CSV from some gesture start on (the host connected mid-stream).
    start = bounds[0]
    k = (len(got) - start) // 119 * 119
    first_gesture = next(g for g in range(10) if np.array_equal(expected[g * 119], got[start]))
    loop = np.concatenate([expected, expected])
    assert np.array_equal(got[start : start + k], loop[first_gesture * 119 : first_gesture * 119 + k])


def test_text_sim_plotter_style_at_a_high_rate_over_a_real_pty():
    parser, got, bounds = _read_text_board(["--text", "plotter", "--sensors", "imu", "--imu-rate", "500"], 3.0)
    assert parser.n_channels == 6 and not parser.header_seen and bounds == []
    assert parser.rate_hz == pytest.approx(500.0, rel=0.01)
    assert np.abs(got[:, :3]).max() < 8 and np.abs(got[:, 3:]).max() > 10  # g and deg/s


@pytest.mark.parametrize("replay", [True, False])
def test_stream_command_reads_an_imu_capture_text_board_with_no_configuration(punch_csv, replay):
    """Acceptance: `sim --text` -> `stream` detects text mode, 6 named axes, 119 Hz within 1 %."""
    extra = ["--replay", str(punch_csv)] if replay else ["--sensors", "imu"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinystudio", "sim", "--text", *extra], stdout=subprocess.PIPE, text=True
    )
    try:
        port = proc.stdout.readline().split()[1]
        out = subprocess.run(
            [sys.executable, "-m", "tinystudio", "stream", "--port", port, "--seconds", "5", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
    assert out.returncode == 0, out.stderr
    import json

    result = json.loads(out.stdout)
    assert result["mode"] == "text"
    (s,) = result["sensors"]
    assert s["channels"] == 6 and s["channel_names"] == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert s["rate_hz"] == pytest.approx(119.0, rel=0.01)
    assert result["segments"] >= 2


def test_text_board_on_a_slow_link_prints_slower_and_loses_no_line():
    """At 9600 baud a 119 Hz IMU_Capture sketch blocks in Serial.print: fewer lines, all whole."""
    from tinystudio.boards.virtual.board import SimConfig, build_board

    board = build_board(SimConfig(sensors=("imu",), text="imu_capture", baud=9600, text_pause=0.0))
    board.start()
    try:
        ser = serial.Serial(board.port, 9600, timeout=0.05)
        ser.write(b"\n")  # the host opens the port: the sketch starts
        parser = TextStreamParser()
        nbytes, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < 4.0:
            data = ser.read(ser.in_waiting or 1)
            nbytes += len(data)
            parser.feed(data, time.monotonic())
        ser.close()
    finally:
        board.stop()
    assert nbytes / 4.0 < 1.05 * 960
    assert parser.bad_lines == 0 and parser.n_channels == 6
    line_bytes = nbytes / max(parser.lines, 1)
    assert parser.rate_hz * line_bytes == pytest.approx(960, rel=0.15)  # the link sets the pace
    assert board.link.dropped_frames == 0


def test_nan_inf_and_values_beyond_float32_are_skipped_and_counted_not_stored():
    """A text board printing nan / inf / 1e308 (a sensor glitch, a printf of garbage): those
    lines are skipped and counted; segment boundaries still land before the right sample."""
    parser = TextStreamParser()
    text = ("aX,aY\n1,2\n3,4\nnan,5\n6,inf\n\n1e308,7\n8,9\n-1e39,1\n\n10,11\n"
            "3.4e38,-3.4e38\n")
    chunk = parser.feed(text.encode(), 0.0)
    assert chunk.samples.tolist() == [[1, 2], [3, 4], [8, 9], [10, 11], [3.4e38, -3.4e38]]
    assert chunk.boundaries == [2, 3]
    assert parser.nonfinite_lines == 4 and parser.bad_lines == 4
    assert np.isfinite(chunk.samples.astype(np.float32)).all()
