"""The recorder: block appends, flushes at least once a second, survives SIGKILL."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.dataset.helpers import cli_env
from tinystudio.dataset import Project
from tinystudio.dataset.recorder import Recorder
from tinystudio.devices.protocol import ChannelInfo, DeviceInfo, SampleType, SensorInfo, SensorKind

IMU = SensorInfo(0, SensorKind.IMU, "imu", SampleType.I16, 1000.0,
                 tuple(ChannelInfo(n, "g", 1 / 4096) for n in ("ax", "ay", "az")))
DEV = DeviceInfo("test", "fw 1.2", board_id="abc", sensors=(IMU,))
CHILD = Path(__file__).with_name("record_child.py")


def test_recorder_writes_self_describing_file_from_a_reader_thread(tmp_path):
    p = Project.create(tmp_path / "p")
    rec = Recorder(p, IMU, DEV, label="wave", subject="ann", session="s1")
    data = np.random.default_rng(0).integers(-2000, 2000, (5000, 3)).astype(np.int16)

    def reader():
        for i in range(0, 5000, 37):
            rec.append(data[i : i + 37])

    t = threading.Thread(target=reader)
    t.start()
    t.join()
    out = rec.close()
    assert out.n_samples == 5000 and np.array_equal(out.read(), data)
    assert [(s.start, s.end, s.label) for s in out.segments] == [(0, 5000, "wave")]
    with h5py.File(out.path, "r") as f:
        a = f.attrs
        assert a["sensor_kind"] == "imu" and a["board"] == "test" and a["firmware"] == "fw 1.2"
        assert a["subject"] == "ann" and a["session"] == "s1" and a["state"] == "complete"
        assert a["schema_version"] == 1 and len(a["uuid"]) == 36 and a["start_time"]
        assert list(a["channel_names"]) == ["ax", "ay", "az"] and a["rate_hz"] == 1000.0
        assert np.allclose(a["scale"], 1 / 4096) and a["sample_type"] == "int16"
    assert np.allclose(out.read_physical(0, 10), data[:10] / 4096)
    assert not list((tmp_path / "p" / "recordings").glob("*.lock"))


def test_flushes_at_least_once_a_second_while_open(tmp_path):
    p = Project.create(tmp_path / "p")
    rec = Recorder(p, IMU, DEV)
    rec.append(np.ones((100, 3), np.int16))  # far below the write-block size: stays buffered
    deadline = time.monotonic() + 1.0
    seen = 0
    while time.monotonic() < deadline and seen < 100:
        with h5py.File(rec.path, "r", swmr=True, libver="latest") as f:
            seen = int(f["valid_samples"][0])
        time.sleep(0.05)
    rec.close()
    assert seen == 100, "buffered samples were not flushed within one second"


def test_project_open_skips_a_recording_in_progress(tmp_path):
    p = Project.create(tmp_path / "p")
    rec = Recorder(p, IMU, DEV)
    rec.append(np.ones((10, 3), np.int16))
    other = Project.open(tmp_path / "p")  # e.g. `tinystudio info` while recording
    assert other.recordings() == [] and other.repairs == []
    rec.close()
    assert len(Project.open(tmp_path / "p").recordings()) == 1


def _kill_once(project: Path, seed: int) -> None:
    proc = subprocess.Popen([sys.executable, str(CHILD), str(project), str(seed)], stdout=subprocess.PIPE,
                            text=True, env=cli_env())
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    t_start = time.monotonic()
    while "READY\n" not in lines and time.monotonic() - t_start < 30:
        time.sleep(0.01)
    assert "READY\n" in lines, "child did not start"
    time.sleep(random.Random(seed).uniform(0.05, 1.4))
    t_kill = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(5)
    done = {}
    appended: dict[str, list[tuple[int, float]]] = {}
    for ln in lines:
        parts = ln.split()
        if parts[:1] == ["DONE"]:
            done[parts[1]] = int(parts[2])
        elif parts[:1] == ["APPENDED"]:
            appended.setdefault(parts[1], []).append((int(parts[2]), float(parts[3])))
    project_obj = Project.open(project)  # repairs what the kill left behind
    recs = {r.id: r for r in project_obj.recordings()}
    for rid, n in done.items():  # completed recordings and their labels are intact
        r = recs[rid]
        assert r.n_samples == n and [(s.start, s.end, s.label) for s in r.segments] == [(0, n, "speech")]
    for rid, marks in appended.items():
        if rid in done:
            continue
        # the recording being written: readable, nothing older than one second lost
        must = max((n for n, t in marks if t <= t_kill - 1.0), default=0)
        got = recs[rid].n_samples if rid in recs else 0
        assert got >= must, f"kill at {t_kill:.3f}: {rid} kept {got} samples, needed {must}"
        if rid in recs and got:
            assert [s.label for s in recs[rid].segments] == ["speech"]
    for r in recs.values():
        x = r.read()[:, 0]
        assert np.array_equal(x, (np.arange(len(x)) % 30011).astype(np.int16)), r.id
    # opening again is quiet: everything was repaired the first time
    assert Project.open(project).repairs == []


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_at_most_a_second(tmp_path):
    project = tmp_path / "p"
    for seed in range(6):  # 20 more kills, of `tinystudio record`, in test_record_sim.py
        _kill_once(project, seed)
