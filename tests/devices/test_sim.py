"""The virtual board over real ptys: protocol behaviour, pacing, replay, throttling, CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import wave

import numpy as np
import pytest
import serial

from tinystudio.boards.virtual.board import SimConfig, VirtualBoard, build_sensors
from tinystudio.boards.virtual.replay import load_csv
from tinystudio.boards.virtual.sensors import GESTURES, GestureImu, SyntheticCamera, SyntheticMic
from tinystudio.devices import protocol as p
from tinystudio.devices.rate import RateEstimator


class Host:
    """A minimal host on pyserial: send requests, collect frames, count sequence gaps."""

    def __init__(self, port: str, baud: int = 115200) -> None:
        self.ser = serial.Serial(port, baud, timeout=0.02)
        self.dec = p.FrameDecoder()
        self.frames: list[tuple[float, p.Frame]] = []
        self.bytes = 0

    def send(self, t: p.MsgType, body: bytes = b"", seq: int = 1) -> None:
        self.ser.write(p.encode_frame(t, p.NO_STREAM, seq, body))

    def pump(self, seconds: float) -> list[tuple[float, p.Frame]]:
        out = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            data = self.ser.read(self.ser.in_waiting or 1)
            now = time.monotonic()
            self.bytes += len(data)
            out += [(now, f) for f in self.dec.feed(data)]
        self.frames += out
        return out

    def wait_for(self, t: p.MsgType, timeout: float = 2.0) -> p.Frame:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for _, f in self.pump(0.02):
                if f.type == t:
                    return f
        raise AssertionError(f"no {t.name} within {timeout} s")

    def hello(self) -> p.DeviceInfo:
        self.send(p.MsgType.GET_INFO, seq=42)
        f = self.wait_for(p.MsgType.HELLO)
        return p.decode_hello(f.body)

    def close(self) -> None:
        self.ser.close()


def _per_stream(frames, info: p.DeviceInfo):
    """Samples, arrival-rate estimate and lost frames of each data stream."""
    stats: dict[int, dict] = {}
    for t, f in frames:
        if f.type not in (p.MsgType.SAMPLES, p.MsgType.CAMERA_CHUNK):
            continue
        s = stats.setdefault(f.stream, {"n": 0, "lost": 0, "seq": None, "rate": RateEstimator(), "bodies": []})
        if s["seq"] is not None:
            s["lost"] += (f.seq - s["seq"] - 1) & 0xFFFF
        s["seq"] = f.seq
        sensor = info.sensor(f.stream)
        if f.type == p.MsgType.SAMPLES:
            n = len(f.body) // sensor.frame_bytes
            s["bodies"].append(f.body)
        else:
            c = p.decode_camera_chunk(f.body)
            n = int(c.offset + len(c.data) == c.width * c.height)
        s["n"] += n
        s["rate"].update(t, n)
    return stats


@pytest.fixture
def board():
    b = VirtualBoard(build_sensors(SimConfig()), board="nano33ble_rev2")
    b.start()
    yield b
    b.stop()
    assert b.error is None


def test_hello_describes_profile_and_sensors(board):
    host = Host(board.port)
    try:
        info = host.hello()
    finally:
        host.close()
    assert info.board_id == "nano33ble_rev2" and "(virtual)" in info.board_name
    assert info.model_slot_bytes == 49152 and info.arena_bytes == 49152  # as the real sketch announces
    imu, mic, cam = info.sensors
    assert (imu.name, imu.n_channels, imu.rate_hz, imu.sample_type) == ("imu", 6, 119.0, p.SampleType.I16)
    assert imu.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert imu.channels[0].unit == "g" and imu.channels[3].unit == "deg/s"
    assert (mic.rate_hz, mic.n_channels) == (16000.0, 1)
    assert (cam.kind, cam.width, cam.height) == (p.SensorKind.CAMERA, 96, 96)


def test_requests_are_answered_and_nothing_streams_before_start(board):
    host = Host(board.port)
    try:
        host.send(p.MsgType.PING, b"hello board", seq=77)
        pong = host.wait_for(p.MsgType.PONG)
        assert (pong.seq, pong.body) == (77, b"hello board")
        assert not [f for _, f in host.pump(0.3) if f.type == p.MsgType.SAMPLES]

        host.send(p.MsgType.START, bytes([9]), seq=3)
        ack = host.wait_for(p.MsgType.ACK)
        assert ack.seq == 3 and p.decode_ack(ack.body) == (p.MsgType.START, p.Status.UNKNOWN_SENSOR)
        host.send(p.MsgType.START, b"", seq=4)
        assert p.decode_ack(host.wait_for(p.MsgType.ACK).body)[1] == p.Status.BAD_REQUEST

        host.send(p.MsgType.START, bytes([0]), seq=5)
        assert p.decode_ack(host.wait_for(p.MsgType.ACK).body) == (p.MsgType.START, p.Status.OK)
        got = host.pump(0.5)
        streams = {f.stream for _, f in got if f.type == p.MsgType.SAMPLES}
        assert streams == {0}
        host.send(p.MsgType.STOP, bytes([0xFF]), seq=6)
        host.wait_for(p.MsgType.ACK)
        host.pump(0.1)
        assert not [f for _, f in host.pump(0.3) if f.type == p.MsgType.SAMPLES]

        host.send(0x5A, b"?", seq=1)  # a type the board does not know: a LOG, no crash
        level, text = p.decode_log(host.wait_for(p.MsgType.LOG).body)
        assert level == p.LogLevel.WARNING and "0x5a" in text
    finally:
        host.close()


def test_dispatch_table_and_block_listener_hooks(board):
    seen = []
    board.add_block_listener(lambda sensor, block, first: seen.append((sensor.info.sensor_id, len(block), first)))
    board.register(p.MsgType.RUN_INPUT, lambda f: board.reply(f, p.MsgType.RUN_OUTPUT, b"\x00" + f.body))
    host = Host(board.port)
    try:
        host.send(p.MsgType.RUN_INPUT, b"xyz", seq=9)
        out = host.wait_for(p.MsgType.RUN_OUTPUT)
        assert (out.seq, out.body) == (9, b"\x00xyz")
        host.send(p.MsgType.START, bytes([1]))
        host.wait_for(p.MsgType.ACK)
        host.pump(0.3)
    finally:
        host.close()
    mic = [s for s in seen if s[0] == 1]
    assert mic and all(first == sum(n for _, n, _ in mic[:i]) for i, (_, _, first) in enumerate(mic))


def test_cli_streams_every_sensor_at_its_declared_rate_without_loss():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinystudio", "sim", "--imu-rate", "1000", "--seed", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT /dev/")
        host = Host(line.split()[1])
        info = host.hello()
        host.send(p.MsgType.START, bytes([0xFF]))
        host.pump(4.0)
        host.close()
        stats = _per_stream(host.frames, info)
        assert set(stats) == {0, 1, 2}
        for sid, s in stats.items():
            declared = info.sensor(sid).rate_hz
            assert s["lost"] == 0
            assert s["rate"].rate_hz == pytest.approx(declared, rel=0.01), info.sensor(sid).name
        assert host.dec.crc_errors == 0 and host.dec.framing_errors == 0
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0


def test_cli_exits_zero_on_sigterm_and_rejects_bad_options():
    proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "sim"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("PORT ")
    proc.terminate()
    assert proc.wait(timeout=5) == 0
    bad = subprocess.run(
        [sys.executable, "-m", "tinystudio", "sim", "--sensors", "imu,lidar"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode != 0 and "lidar" in bad.stderr and "Traceback" not in bad.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "tinystudio", "sim", "--replay", "/nonexistent.csv"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode != 0 and "/nonexistent.csv" in bad.stderr and "Traceback" not in bad.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "tinystudio", "sim", "--text", "--sensors", "camera"], capture_output=True, text=True, timeout=30
    )
    assert bad.returncode != 0 and "camera" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        ("aX,aY\n1,2\n3,oops\n", "line 3, column 2 ('aY'): 'oops' is not a number"),
        ("aX,aY\n1,2\n3,4,5\n", "line 3: expected 2 values, found 3"),
        ("aX,aY\n\n", "has a header but no data lines"),
    ],
)
def test_malformed_replay_csv_names_file_and_line(tmp_path, content, message):
    from tinystudio.errors import DeviceError

    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    with pytest.raises(DeviceError) as err:
        load_csv(bad)
    assert str(bad) in str(err.value) and message in str(err.value)


def test_replay_csv_round_trips_values_within_quantization(punch_csv):
    replay = load_csv(punch_csv)
    b = VirtualBoard([replay])
    b.start()
    host = Host(b.port)
    try:
        info = host.hello()
        sensor = info.sensor(0)
        assert sensor.rate_hz == 119.0 and sensor.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
        host.send(p.MsgType.START, bytes([0]))
        host.pump(1.5)
    finally:
        host.close()
        b.stop()
    body = b"".join(_per_stream(host.frames, info)[0]["bodies"])
    raw = np.frombuffer(body, dtype="<i2").reshape(-1, 6)
    values = raw * np.array([c.scale for c in sensor.channels], dtype=np.float32).astype(np.float64)
    text = [ln for ln in punch_csv.read_text().splitlines()[1:] if ln.strip()]
    csv = np.array([[float(v) for v in ln.split(",")] for ln in text])
    n = len(values)
    assert n > 100
    steps = np.array([c.scale for c in sensor.channels])
    assert np.all(np.abs(values - csv[:n]) <= steps / 2 + 1e-6)
    assert np.abs(values[:, :3] - csv[:n, :3]).max() < 1e-6  # accel decimals fit int16 exactly


def test_replay_wav_streams_the_file_at_its_rate(micro_speech_dir, tmp_path):
    src = micro_speech_dir / "yes_1000ms.wav"
    with wave.open(str(src)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate = w.getframerate()
    b = VirtualBoard(build_sensors(SimConfig(sensors=("mic",), replay=str(src))))
    b.start()
    host = Host(b.port)
    try:
        info = host.hello()
        assert info.sensor(1).rate_hz == rate
        host.send(p.MsgType.START, bytes([0xFF]))
        host.pump(1.5)
    finally:
        host.close()
        b.stop()
    got = np.frombuffer(b"".join(_per_stream(host.frames, info)[1]["bodies"]), dtype="<i2")
    assert len(got) > len(pcm)  # looped
    assert np.array_equal(got[: len(pcm)], pcm) and np.array_equal(got[len(pcm) : 2 * len(pcm)], pcm[: len(got) - len(pcm)])


def test_baud_throttles_output_and_a_saturated_link_drops_whole_frames():
    # 16 kHz int16 audio needs ~36 kB/s on the wire; 115200 baud carries 11.5 kB/s.
    b = VirtualBoard([SyntheticMic()], baud=115200, tx_queue_bytes=4096)
    b.start()
    host = Host(b.port)
    try:
        info = host.hello()
        host.send(p.MsgType.START, bytes([0xFF]))
        host.pump(0.5)
        before = host.bytes
        host.pump(2.0)
        rate = (host.bytes - before) / 2.0
    finally:
        host.close()
        b.stop()
    assert 0.7 * 11520 < rate < 1.05 * 11520  # the upper bound is the throttle
    stats = _per_stream(host.frames, info)[1]
    assert stats["lost"] > 0 and host.dec.crc_errors == 0


def test_baud_throttles_what_the_board_consumes():
    b = VirtualBoard([GestureImu()], baud=9600)  # 960 bytes/s
    b.start()
    host = Host(b.port)
    try:
        host.hello()
        t0 = time.monotonic()
        for i in range(30):  # 30 PINGs of 64 bytes: ~2.2 kB on the wire
            host.send(p.MsgType.PING, bytes(range(1, 65)), seq=i)
        pongs = 0
        while pongs < 30 and time.monotonic() - t0 < 10:
            pongs += sum(f.type == p.MsgType.PONG for _, f in host.pump(0.05))
        elapsed = time.monotonic() - t0
    finally:
        host.close()
        b.stop()
    assert pongs == 30
    assert elapsed > 1.5  # 2.2 kB at 960 B/s each way, not instant


def test_host_reconnect_keeps_the_board_running(board):
    host = Host(board.port)
    host.hello()
    host.send(p.MsgType.START, bytes([0]))
    host.pump(0.3)
    host.close()
    time.sleep(0.3)
    host = Host(board.port)
    try:
        info = host.hello()
        assert info.sensor(0).name == "imu"
        assert [f for _, f in host.pump(0.4) if f.type == p.MsgType.SAMPLES and f.stream == 0]
    finally:
        host.close()


def test_gestures_are_distinguishable_and_deterministic():
    feats = {}
    for g in GESTURES:
        raw = GestureImu(200.0, gesture=g, seed=1).generate(400).astype(float)
        acc, gyr = raw[:, :3] / 4096, raw[:, 3:] * (1 / 16.4)
        feats[g] = np.concatenate([acc.std(0), np.abs(gyr).mean(0)])
        assert abs(np.linalg.norm(acc.mean(0)) - 1.0) < 0.6  # gravity is there
    names = list(feats)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.linalg.norm(feats[a] - feats[b]) > 5.0, (a, b)
    assert np.array_equal(GestureImu(seed=4).generate(50), GestureImu(seed=4).generate(50))
    cyc = GestureImu(100.0, seconds_per_gesture=1.0)
    cyc.generate(250)
    assert cyc.label_at(0) == "idle" and cyc.label_at(150) == "wave"
    mic = SyntheticMic().generate(48000)
    assert mic.dtype == np.dtype("<i2") and mic[20000:30000].std() > 5 * mic[:16000].std()
    img = SyntheticCamera(size=32).generate(2)
    assert img.shape == (2, 32, 32) and img.dtype == np.uint8 and not np.array_equal(img[0], img[1])
