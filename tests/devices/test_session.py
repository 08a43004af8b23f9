"""BoardSession against the virtual board over real ptys, and its failure modes."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tinystudio.devices import protocol as p
from tinystudio.devices.session import BoardSession, ConnectionState
from tinystudio.devices.transport import _open_error
from tinystudio.errors import DeviceError


def _stream_cli(port: str, seconds: float, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tinystudio",
            "stream",
            "--port",
            port,
            "--seconds",
            str(seconds),
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("sensors", "extra"),
    [("imu", ["--imu-rate", "1000"]), ("mic", []), ("camera", [])],
)
def test_sim_to_stream_each_sensor_rate_within_1_percent_no_loss(start_sim, sensors, extra):
    sim = start_sim("--sensors", sensors, *extra)
    out = _stream_cli(sim.port, 6)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["mode"] == "binary"
    (s,) = result["sensors"]
    assert s["samples"] > 0
    assert s["lost_frames"] == 0 and s["crc_errors"] == 0
    assert abs(s["rate_hz"] - s["declared_rate_hz"]) <= 0.01 * s["declared_rate_hz"], s


def test_session_delivers_every_sample_to_subscribers_and_ring(start_sim):
    sim = start_sim("--sensors", "imu,mic", "--imu-rate", "1000")
    got: dict[int, list[np.ndarray]] = {0: [], 1: []}
    with BoardSession.open(sim.port) as s:
        s.subscribe(lambda b: got[b.sensor_id].append(b.samples))
        s.start()
        time.sleep(2.0)
        s.stop()
        imu = np.concatenate(got[0])
        stats = s.stats("imu")
        assert stats.samples == len(imu) and stats.lost_frames == 0
        assert imu.shape[1] == 6 and imu.dtype == np.int16
        np.testing.assert_array_equal(s.ring("imu").latest(500), imu[-500:])
        assert s.stats("mic").samples == sum(len(b) for b in got[1]) > 16000


def test_ping_round_trip(start_sim):
    sim = start_sim("--sensors", "imu")
    with BoardSession.open(sim.port) as s:
        assert s.ping(b"xyz") < 0.5
        assert s.info.sensor("imu").n_channels == 6


def test_killed_board_is_reported_within_a_second_and_nothing_hangs(start_sim):
    sim = start_sim("--sensors", "imu,mic")
    states: list[tuple[float, ConnectionState, str]] = []
    s = BoardSession.open(sim.port, reconnect=False)
    s.subscribe_state(lambda st, msg: states.append((time.monotonic(), st, msg)))
    s.start()
    time.sleep(0.5)
    t_kill = time.monotonic()
    sim.kill()
    deadline = t_kill + 3
    while not states and time.monotonic() < deadline:
        time.sleep(0.01)
    assert states, "disconnect was never reported"
    t, state, msg = states[0]
    assert state == ConnectionState.DISCONNECTED and sim.port in msg
    assert t - t_kill < 1.0
    t0 = time.monotonic()
    s.close()
    assert time.monotonic() - t0 < 2.5


def test_stream_cli_reports_a_board_killed_mid_stream(start_sim):
    sim = start_sim("--sensors", "imu")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinystudio",
            "stream",
            "--port",
            sim.port,
            "--seconds",
            "20",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # CLI start-up plus a little streaming
    sim.kill()
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 2.0
    assert proc.returncode != 0
    assert "disconnected" in err and "Traceback" not in err


def test_reconnects_when_the_port_comes_back(start_sim, tmp_path):
    link = tmp_path / "ttyBOARD"
    first = start_sim("--sensors", "imu")
    os.symlink(first.port, link)
    states = []
    with BoardSession.open(str(link), reconnect=True) as s:
        s.subscribe_state(lambda st, msg: states.append(st))
        s.start()
        time.sleep(0.5)
        before = s.stats("imu").samples
        first.kill()
        second = start_sim("--sensors", "imu")
        os.unlink(link)
        os.symlink(second.port, link)
        deadline = time.monotonic() + 5
        while s.state != ConnectionState.CONNECTED or ConnectionState.DISCONNECTED not in states:
            assert time.monotonic() < deadline, f"no reconnect: {states}"
            time.sleep(0.05)
        time.sleep(1.0)
        assert s.stats("imu").samples > before + 50  # streaming resumed after reconnect


def _fake_board(behaviour: str):
    """A pty whose other end stays silent or spews garbage: no TinyStudio board."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    stop = threading.Event()

    def spew():
        rng = random.Random(0)
        while not stop.is_set():
            try:
                os.write(master, rng.randbytes(256))
            except OSError:
                return
            time.sleep(0.01)

    t = threading.Thread(target=spew, daemon=True)
    if behaviour == "garbage":
        t.start()

    def close():
        stop.set()
        if t.is_alive():
            t.join()
        os.close(master)
        os.close(slave)

    return path, close


@pytest.mark.parametrize(
    ("behaviour", "phrase"),
    [("silent", "sends nothing"), ("garbage", "neither TinyStudio frames nor text")],
)
def test_silent_or_garbage_device_gives_one_clear_line(behaviour, phrase):
    path, close = _fake_board(behaviour)
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tinystudio",
                "stream",
                "--port",
                path,
                "--seconds",
                "1",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        close()
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and phrase in lines[0] and path in lines[0], out.stderr


def test_missing_port_is_a_clear_error():
    out = subprocess.run(
        [sys.executable, "-m", "tinystudio", "stream", "--port", "/dev/ttyNOPE9", "--seconds", "1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "tinystudio: error: serial port /dev/ttyNOPE9 does not exist; plug the board in, or run "
        "`tinystudio ports` to list ports (`tinystudio sim` starts a virtual board)"
    ]


def test_permission_error_explains_dialout_group(monkeypatch):
    # As root we cannot be refused a port, so check the mapping of the OS error itself.
    monkeypatch.setattr(sys, "platform", "linux")
    err = _open_error("/dev/ttyACM0", PermissionError(13, "Permission denied"))
    assert "no permission to open serial port /dev/ttyACM0" in str(err) and "dialout" in str(err)


def test_request_on_closed_session_raises_device_error(start_sim):
    sim = start_sim("--sensors", "imu")
    s = BoardSession.open(sim.port)
    s.close()
    with pytest.raises(DeviceError, match="not connected"):
        s.request(p.MsgType.PING, b"x")


def test_text_header_seen_after_connect_renames_channels():
    """Connecting to a text board mid-stream gives ch0..; its next header names them."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    stop = threading.Event()

    def board():
        i = 0
        while not stop.is_set():
            line = b"aX,aY,aZ\n" if i == 60 else f"{i},{i + 1},{i + 2}\n".encode()
            os.write(master, line)
            i += 1
            time.sleep(0.005)

    t = threading.Thread(target=board, daemon=True)
    t.start()
    try:
        with BoardSession.open(path, mode="text") as s:
            assert s.info.sensors[0].channel_names == ["ch0", "ch1", "ch2"]
            deadline = time.monotonic() + 3
            while s.info.sensors[0].channel_names != ["aX", "aY", "aZ"]:
                assert time.monotonic() < deadline, s.info.sensors[0].channel_names
                time.sleep(0.05)
            assert s.streams[0].info.channel_names == ["aX", "aY", "aZ"]
    finally:
        stop.set()
        t.join()
        os.close(master)
        os.close(slave)
