"""The project index (index.sqlite): used instead of opening every file, never trusted over
the files, rebuilt when missing or damaged, consistent after concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tinystudio.dataset import Project, index
from tinystudio.dataset.recording import Recording, RecordingMeta, write_recording
from tinystudio.dataset.segments import Segment

from .helpers import cli_env, cli_json

AGE_S = 10  # files older than the index's racy window (index.RACY_NS)


def _write(project: Project, stem: str, n: int = 200, rate: float = 100.0, label: str = "a",
           subject: str = "") -> str:
    rid, path = project.new_recording_path(stem)
    samples = (np.arange(n * 3, dtype=np.int16).reshape(n, 3) % 97)
    meta = RecordingMeta("imu", ["x", "y", "z"], rate, "int16", subject=subject)
    write_recording(path, samples, meta, [Segment.new(10, n - 10, label)])
    project.add_recording(path)
    return rid


def _age(project_dir: Path) -> None:
    """Make every recording look older than the racy window (as after a few seconds)."""
    past = time.time() - AGE_S
    for f in (project_dir / "recordings").glob("*.h5"):
        os.utime(f, (past, past))


def _view(project: Project) -> dict:
    """What commands see of each recording."""
    return {r.id: (r.sensor_kind, r.rate_hz, r.n_samples, r.channel_names, str(r.attrs.get("subject", "")),
                   r.checksummed, [s.to_json() for s in r.segments], r.dtype.str, tuple(r.shape))
            for r in sorted(project.recordings(), key=lambda r: r.id)}


@pytest.fixture
def project_dir(tmp_path) -> Path:
    p = Project.create(tmp_path / "p")
    for i in range(6):
        _write(p, f"take{i}", n=200 + i, label="ab"[i % 2], subject=f"s{i % 3}")
    p.save()
    _age(p.path)
    Project.open(p.path)  # indexes the aged files
    return p.path


def _no_opening(monkeypatch) -> list:
    opened = []

    def refuse(self, path, *a, **k):
        opened.append(Path(path).name)
        raise AssertionError(f"{path} was opened although the index describes it")

    monkeypatch.setattr(Recording, "__init__", refuse)
    return opened


def test_open_uses_the_index_and_opens_no_recording(project_dir, monkeypatch):
    before = _view(Project.open(project_dir))
    opened = _no_opening(monkeypatch)
    project = Project.open(project_dir)
    assert opened == [] and _view(project) == before
    rows = {r["id"]: r for r in index.rows(project_dir)}
    assert sorted(rows) == sorted(before)
    assert rows["take1"]["rate_hz"] == 100.0 and rows["take1"]["n_samples"] == 201
    assert rows["take1"]["labels"] == "b" and rows["take1"]["subject"] == "s1"
    assert rows["take1"]["checksummed"] == 1
    # samples still come from the file
    assert project.recording("take2").read(0, 3).tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_deleting_or_damaging_the_index_loses_nothing(project_dir):
    before = _view(Project.open(project_dir))
    rows_before = index.rows(project_dir)
    for damage in ("delete", "garbage", "truncate"):
        ipath = project_dir / index.INDEX_FILE
        if damage == "delete":
            ipath.unlink()
        elif damage == "garbage":
            ipath.write_bytes(b"this is not a database" * 100)
        else:
            ipath.write_bytes(ipath.read_bytes()[:200] if ipath.exists() else b"")
        project = Project.open(project_dir)
        assert _view(project) == before, damage
        assert project.repairs == [], damage
        strip = [{k: v for k, v in r.items() if k not in ("ino",)} for r in index.rows(project_dir)]
        assert strip == [{k: v for k, v in r.items() if k not in ("ino",)} for r in rows_before], damage


def test_a_replaced_file_is_read_again_not_taken_from_the_index(project_dir):
    project = Project.open(project_dir)
    path = project.recording("take3").path
    samples = np.zeros((500, 3), dtype=np.int16)
    write_recording(path, samples, RecordingMeta("imu", ["x", "y", "z"], 250.0, "int16"), [])
    again = Project.open(project_dir)
    rec = again.recording("take3")
    assert (rec.rate_hz, rec.n_samples) == (250.0, 500)
    assert {r["id"]: r["rate_hz"] for r in index.rows(project_dir)}["take3"] == 250.0


def test_a_file_changed_in_place_within_the_timestamp_granularity_is_not_trusted(tmp_path):
    p = Project.create(tmp_path / "p")
    rid = _write(p, "fresh")
    p.save()
    st = os.stat(p.recording(rid).path)
    Project.open(p.path)  # indexes a file modified just now (racy)
    import h5py

    with h5py.File(p.recording(rid).path, "r+") as f:  # same size, maybe the same mtime tick
        f.attrs["rate_hz"] = 333.0
    os.utime(p.recording(rid).path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert Project.open(p.path).recording(rid).rate_hz == 333.0


def test_removed_recordings_leave_the_index(project_dir):
    (project_dir / "recordings" / "take0.h5").unlink()
    project = Project.open(project_dir)
    assert "take0" in project.quarantined
    assert "take0" not in {r["id"] for r in index.rows(project_dir)}


def test_label_and_split_summaries_follow_the_project_file(project_dir):
    cli_json("split", project_dir, "--test-fraction", "0.5", "--seed", "1")
    project = Project.open(project_dir)
    assign = project.split_config["assignments"]
    rows = {r["id"]: r for r in index.rows(project_dir)}
    for rec in project.recordings():
        assert (rows[rec.id]["labels"], rows[rec.id]["n_segments"], rows[rec.id]["split"]) == \
            index.summary_of(rec.segments, assign, rec.id)
    assert {r["split"] for r in rows.values()} == {"train", "test"}
    project.set_segments("take4", [Segment.new(0, 20, "c"), Segment.new(30, 40, "a")])
    project.save()
    assert {r["id"]: r for r in index.rows(project_dir)}["take4"]["labels"] == "a,c"


def test_info_reads_the_index_as_a_command(project_dir):
    out = cli_json("info", project_dir)
    assert out["recordings"] == 6 and out["classes"]["a"]["segments"] == 3


WRITER = textwrap.dedent("""
    import sys, numpy as np
    from tinystudio.dataset import Project
    from tinystudio.dataset.recording import RecordingMeta, write_recording
    from tinystudio.dataset.segments import Segment
    path, who, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(rounds):
        p = Project.open(path)
        rid, f = p.new_recording_path(f"{who}-{i}")
        write_recording(f, np.ones((100 + i, 3), np.int16), RecordingMeta("imu", ["x", "y", "z"], 50.0,
                        "int16", subject=who), [Segment.new(0, 50, who)])
        p.add_recording(f)
        mine = [r for r in p.recordings() if r.id.startswith("take")]
        r = mine[i % len(mine)]
        p.set_segments(r.id, [Segment.new(0, 30 + i, f"{who}{i}")])
        p.save()
""")


def test_two_processes_writing_at_once_leave_the_index_consistent(project_dir):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(project_dir), who, "8"], env=cli_env(),
                              stderr=subprocess.PIPE, text=True) for who in ("u", "v")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    rows = {r["id"]: r for r in index.rows(project_dir)}
    truth = Project.open(project_dir)  # not a rebuild: only reads what is trusted
    assert sorted(rows) == sorted(r.id for r in truth.recordings()) and len(rows) == 6 + 16
    assign = truth.split_config.get("assignments", {})
    for rec in truth.recordings():
        fresh = Recording(rec.path)  # the file itself
        row = rows[rec.id]
        assert (row["rate_hz"], row["n_samples"], row["subject"]) == (
            fresh.rate_hz, fresh.n_samples, str(fresh.attrs.get("subject", "")))
        assert (row["labels"], row["n_segments"], row["split"]) == index.summary_of(rec.segments, assign, rec.id)
        assert (row["ino"], row["mtime_ns"], row["size"]) == index.signature(rec.path)
    (project_dir / index.INDEX_FILE).unlink()
    assert _view(Project.open(project_dir)) == _view(truth)


def test_a_recording_swapped_for_a_link_is_not_taken_from_the_index(project_dir, tmp_path):
    """The very same file moved out and linked back keeps inode, mtime and size: the index
    still never vouches for it (lstat), so the open checks it and refuses the link."""
    outside = tmp_path / "elsewhere.h5"
    (project_dir / "recordings" / "take2.h5").rename(outside)
    (project_dir / "recordings" / "take2.h5").symlink_to(outside)
    project = Project.open(project_dir)
    assert "take2" not in {r.id for r in project.recordings()} and "take2" in project.quarantined
    assert outside.exists()
