"""Full disks, on a real small filesystem (a tmpfs mounted for the test, always unmounted):
long work is refused up front when it cannot fit; a recording that fills the disk stops
cleanly within a second and keeps what it wrote; no segfault, no temp file left, and
nothing else in the project changes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import h5py
import numpy as np
import pytest

from tests.robustness.rb_data_common import (
    EXAMPLES,
    assert_one_clear_line,
    cli,
    env,
    fill_disk,
    hostile_copy,
    make_project,
    small_filesystem,
)
from tests.robustness.snapshot import Snapshot
from tinystudio.dataset import Project
from tinystudio.errors import DatasetError

LEFTOVERS = ("*.tmp", "*.reserve", ".*.tmp*", "*.part")


def _leftovers(project):
    return [p.name for pat in LEFTOVERS for p in project.rglob(pat)]


@pytest.fixture()
def disk(tmp_path):
    with small_filesystem(tmp_path / "disk", "4m") as mount:
        yield mount


@pytest.fixture()
def project(disk):
    return make_project(disk / "p")


def test_recording_that_fills_the_disk_stops_within_a_second_and_keeps_its_samples(project, disk):
    from tinystudio.boards.virtual.board import SimConfig, build_board

    board = build_board(SimConfig(sensors=("mic",), mic_rate=16000.0, seed=5))
    sent, lock = [], threading.Lock()

    def on_block(sensor, block, first):
        with lock:
            sent.append(np.array(block))

    board.add_block_listener(on_block)
    board.start()
    snap = Snapshot(project)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "record", str(project), "--new", "--port",
                                 board.port, "--seconds", "30", "--label", "hello"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        deadline = time.monotonic() + 20
        while not list((project / "recordings").glob("*.h5.lock")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        time.sleep(1.0)
        filler = fill_disk(disk)
        t_full = time.monotonic()
        with lock:
            sent_when_full = sum(len(b) for b in sent)
        out, err = proc.communicate(timeout=30)
        stopped_after = time.monotonic() - t_full
    finally:
        board.stop()
    proc = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert_one_clear_line(proc, "disk is full", "recording stopped after", code=4)
    print(f"record exited {stopped_after:.3f} s after the disk filled")
    assert stopped_after < 1.5, f"record went on for {stopped_after:.2f} s after the disk filled"
    assert not _leftovers(project), _leftovers(project)
    filler.unlink()
    p = Project.open(project)
    new = [r for r in p.recordings() if r.id not in ("punch", "flex")]
    # everything up to about the last flush (0.25 s) before the disk filled is kept
    assert len(new) == 1 and new[0].n_samples >= sent_when_full - 0.5 * 16000, (new[0].n_samples, sent_when_full)
    got = new[0].read()[:, 0]
    with lock:
        board_samples = np.concatenate(sent).reshape(-1)
    assert np.array_equal(got, board_samples[: len(got)])  # intact, sample for sample
    assert [s.label for s in new[0].segments] == ["hello"]
    snap.assert_unchanged(except_=["recordings/hello*", "damaged/*", "project.json"])


def test_record_is_refused_up_front_when_the_disk_is_too_small(project, disk):
    fill_disk(disk, leave=300_000)
    snap = Snapshot(project)
    from tinystudio.boards.virtual.board import SimConfig, build_board

    board = build_board(SimConfig(sensors=("mic",), seed=1))
    board.start()
    try:
        proc = cli("record", project, "--new", "--port", board.port, "--seconds", "60")
    finally:
        board.stop()
    assert_one_clear_line(proc, "needs about", "MB free", code=4)
    snap.assert_unchanged()  # refused before any file was created


def test_import_onto_a_nearly_full_disk_is_refused_and_leaves_nothing(project, disk):
    fill_disk(disk, leave=150_000)
    snap = Snapshot(project)
    proc = cli("import", project, EXAMPLES / "punch.csv", "--label", "punch")
    assert_one_clear_line(proc, "needs about", "free some space", code=4)
    assert not _leftovers(project)
    snap.assert_unchanged()


def test_saving_the_project_file_on_a_full_disk_keeps_the_old_one(project, disk):
    p = Project.open(project)
    fill_disk(disk)
    snap = Snapshot(project)
    p.settings["big"] = "x" * 100_000
    with pytest.raises(DatasetError, match="project.json: the disk is full"):
        p.save()
    assert not _leftovers(project)
    snap.assert_unchanged()


def test_label_sync_on_a_full_disk_saves_the_labels_and_refreshes_the_copy_later(project, disk):
    filler = fill_disk(disk, leave=120_000)
    snap = Snapshot(project)
    proc = cli("label", project, "--recording", "punch", "--whole", "--label", "punch")
    assert proc.returncode == 0 and "label copy not refreshed" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not _leftovers(project)
    snap.assert_unchanged(except_=["project.json"])
    filler.unlink()
    p = Project.open(project)
    with h5py.File(project / "recordings" / "punch.h5", "r") as f:
        assert len(f["segments/start"]) == 1 == len(p.segments("punch"))


def test_repair_on_a_full_disk_keeps_the_file_readable_and_does_not_grow_damaged(project, disk):
    def abandoned(f):  # as a recorder leaves it: no segments yet, 700 rows flushed
        del f["segments"]
        f.attrs["state"] = "recording"
        f.create_dataset("valid_samples", data=np.array([700], np.int64))

    hostile_copy(project, "crashed", abandoned)
    filler = fill_disk(disk, leave=100_000)
    for _ in range(3):
        p = Project.open(project)
        assert any("crashed.h5" in r and "not finished" in r for r in p.repairs), p.repairs
        assert p.recording("crashed").n_samples == 700
    assert len(list((project / "damaged").iterdir())) == 1 and not _leftovers(project)
    filler.unlink()
    p = Project.open(project)
    assert any("recovered 700 samples" in r for r in p.repairs)
    assert p.recording("crashed").state == "complete" and p.recording("crashed").n_samples == 700


CHILD = """
import sys, numpy as np
import tinystudio.dataset.recorder as R
from tinystudio.dataset import Project
from tinystudio.devices.protocol import ChannelInfo, DeviceInfo, SampleType, SensorInfo, SensorKind
R.free_bytes = lambda path: 1 << 50   # defeat the free-space check: HDF5 itself meets ENOSPC
mic = SensorInfo(1, SensorKind.MICROPHONE, "mic", SampleType.I16, 16000.0, (ChannelInfo("m", "FS", 1.0),))
rec = R.Recorder(Project.open(sys.argv[1]), mic, DeviceInfo("t", "1", sensors=(mic,)), label="x")
n = 0
while rec.error is None and n < 10**8:
    try:
        rec.append((np.arange(n, n + 4000) % 30011).astype("<i2").reshape(-1, 1)); n += 4000
    except Exception:
        break  # the feeder is told too
    rec.flush()
try:
    rec.close()
except Exception as exc:
    print("ERROR", exc)
"""


def test_enospc_inside_hdf5_is_no_segfault_and_the_file_stays_readable(project, disk):
    snap = Snapshot(project)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(project)], capture_output=True, text=True,
                          env=env(), timeout=60)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)  # -11 would be the segfault
    assert "ERROR" in proc.stdout and "disk is full" in proc.stdout, proc.stdout
    assert not _leftovers(project)
    for f in disk.glob("filler*"):
        f.unlink()
    os.sync()
    p = Project.open(project)
    rec = next(r for r in p.recordings() if r.id.startswith("x-"))
    assert rec.n_samples > 0
    assert np.array_equal(rec.read()[:, 0], (np.arange(rec.n_samples) % 30011).astype("<i2"))
    snap.assert_unchanged(except_=["recordings/x-*", "damaged/*", "project.json"])


def test_read_only_project_still_reads_and_a_change_is_one_clear_error(project, disk):
    hostile_copy(project, "bad", lambda f: f.attrs.__setitem__("rate_hz", -1.0))  # needs a repair
    snap = Snapshot(project)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    try:
        info = cli("info", project, "--json")
        assert info.returncode == 0 and "bad.h5" in info.stderr and "Traceback" not in info.stderr
        label = cli("label", project, "--recording", "punch", "--whole", "--label", "punch")
        assert_one_clear_line(label, "project", "Read-only file system", code=4)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    snap.assert_unchanged()
