"""`tinystudio record` against the virtual board, checked against what the board sent.

The board runs in this process on a real pty, so a block listener sees every sample it
generates; the recorder runs in a `tinystudio record` subprocess, as a user would run it.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tests.dataset.helpers import cli_env
from tinystudio.boards.virtual.board import SimConfig, build_board  # noqa: E402
from tinystudio.dataset import Project


class SentLog:
    """Every block the virtual board generated, per sensor, with the time it was sent."""

    def __init__(self, board) -> None:
        self.blocks: dict[int, list[tuple[float, np.ndarray]]] = {}
        self.lock = threading.Lock()
        board.add_block_listener(self._on_block)

    def _on_block(self, sensor, block, first) -> None:
        with self.lock:
            self.blocks.setdefault(sensor.info.sensor_id, []).append((time.monotonic(), np.array(block)))

    def samples(self, sensor_id: int, before: float | None = None) -> np.ndarray:
        with self.lock:
            parts = [b for t, b in self.blocks.get(sensor_id, []) if before is None or t <= before]
        return np.concatenate(parts) if parts else np.zeros((0,))


@pytest.fixture()
def board():
    b = build_board(SimConfig(sensors=("imu", "mic"), imu_rate=1000.0, mic_rate=16000.0, seed=1))
    log = SentLog(b)
    b.start()
    yield b, log
    b.stop()


def _record_cmd(project, port, seconds, label="tap"):
    return [sys.executable, "-m", "tinystudio", "record", str(project), "--new", "--port", port,
            "--seconds", str(seconds), "--label", label, "--json"]


def _sensor_ids(board):
    return {s.info.sensor_id: s.info for s in (st.sensor for st in board.streams.values())}


@pytest.mark.slow
def test_ten_seconds_zero_loss_bit_exact(board, tmp_path):
    b, log = board
    import json

    proc = subprocess.run(_record_cmd(tmp_path / "p", b.port, 10), capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["lost_frames"] == 0 and out["seconds"] == pytest.approx(10, abs=0.5)
    by_sensor = {r["sensor"]: r for r in out["recordings"]}
    assert set(by_sensor) == {"imu", "mic"}
    # a fresh process opens the files (this one never had them open)
    project = Project.open(tmp_path / "p")
    ids = _sensor_ids(b)
    for sid, info in ids.items():
        r = by_sensor[info.name]
        rec = project.recording(r["recording"])
        sent = log.samples(sid)
        assert r["lost_frames"] == 0
        assert rec.n_samples == r["samples"] == r["board_samples"] == len(sent)
        assert rec.n_samples == pytest.approx(10 * info.rate_hz, rel=0.05)
        assert np.array_equal(rec.read(), sent.reshape(rec.read().shape)), info.name
        assert rec.rate_hz == info.rate_hz and rec.channel_names == info.channel_names
        assert [(s.start, s.end, s.label) for s in rec.segments] == [(0, rec.n_samples, "tap")]


@pytest.mark.slow
def test_sigkill_during_record_from_the_virtual_board(tmp_path):
    project_dir = tmp_path / "p"
    Project.create(project_dir)
    rng = random.Random(42)
    interrupted = 0
    for i in range(20):
        b = build_board(SimConfig(sensors=("imu", "mic"), imu_rate=1000.0, mic_rate=16000.0, seed=i))
        log = SentLog(b)
        b.start()
        try:
            proc = subprocess.Popen(_record_cmd(project_dir, b.port, 30, label=f"k{i}"), env=cli_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # wait until the recorder holds its lock (recording started), then a random moment
            deadline = time.monotonic() + 30
            while not list((project_dir / "recordings").glob("*.lock")) and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.3, 1.8))
            t_kill = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            ids = _sensor_ids(b)
        finally:
            b.stop()
        project = Project.open(project_dir)
        assert Project.open(project_dir).repairs == []  # repaired once, quiet afterwards
        mine = {r.sensor_name: r for r in project.recordings() if r.attrs.get("pending_label") == f"k{i}"}
        for sid, info in ids.items():
            sent = log.samples(sid)
            must = len(log.samples(sid, before=t_kill - 1.0))
            rec = mine.get(info.name)
            got = rec.n_samples if rec is not None else 0
            assert got >= must, f"kill {i} at {t_kill:.2f}: {info.name} kept {got} of {must} samples"
            if rec is not None and got:
                interrupted += "interrupted" in rec.attrs.get("repaired", "")
                x = rec.read()
                assert np.array_equal(x, sent[:got].reshape(x.shape)), f"kill {i}: {info.name} content differs"
                assert [s.label for s in rec.segments] == [f"k{i}"]
    assert interrupted >= 15, f"only {interrupted} kills hit a recording in progress"
    # all earlier recordings are still intact after 20 kills
    project = Project.open(project_dir)
    assert all(r.n_samples == r.read().shape[0] for r in project.recordings())


def _record(project, port, seconds, label):
    import json

    proc = subprocess.run(_record_cmd(project, port, seconds, label), capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_text_board_blocks_become_segments_with_measured_rate(tmp_path):
    b = build_board(SimConfig(sensors=("imu",), text="imu_capture", text_pause=0.15))
    b.start()
    try:
        out = _record(tmp_path / "p", b.port, 4, "wave")
    finally:
        b.stop()
    rec = Project.open(tmp_path / "p").recording(out["recording"])
    assert rec.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    # measured from arrival times by the session, on a loaded 2-core machine: 5 %
    assert rec.rate_hz == pytest.approx(119, rel=0.05), out
    segs = rec.segments
    assert len(segs) >= 2 and all(s.label == "wave" for s in segs), segs
    assert segs[0].start == 0 and segs[-1].end == rec.n_samples
    assert all(a.end == b.start for a, b in zip(segs, segs[1:], strict=False))


def test_camera_images_recorded_as_sent(tmp_path):
    b = build_board(SimConfig(sensors=("camera",), camera_fps=10, camera_size=16))
    log = SentLog(b)
    b.start()
    try:
        out = _record(tmp_path / "p", b.port, 2, "cup")
    finally:
        b.stop()
    rec = Project.open(tmp_path / "p").recording(out["recording"])
    (sid,) = _sensor_ids(b)
    sent = log.samples(sid)
    x = rec.read()
    assert rec.sensor_kind == "camera" and x.shape[1:3] == (16, 16) and x.dtype == np.uint8
    assert len(x) == len(sent) >= 15 and np.array_equal(x, sent.reshape(x.shape))
