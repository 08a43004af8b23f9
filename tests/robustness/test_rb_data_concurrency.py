"""Several writers on one project: nothing anyone saved is lost, in the project file or in
the recordings, and files nobody targeted stay byte-identical."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import h5py
import pytest

from tests.robustness.rb_data_common import cli, env, make_project
from tests.robustness.snapshot import Snapshot
from tinystudio.dataset import Project, projectfile
from tinystudio.dataset.labels import label_whole
from tinystudio.dataset.segments import Segment
from tinystudio.dataset.splits import make_split
from tinystudio.errors import DatasetError


@pytest.fixture()
def project(tmp_path):
    return make_project(tmp_path / "p")


def _json(project):
    return json.loads((project / "project.json").read_text())


def _file_segments(path):
    with h5py.File(path, "r") as f:
        g = f["segments"]
        return [{"id": i, "start": int(s), "end": int(e), "label": lab} for i, s, e, lab in
                zip(g["id"].asstr()[:], g["start"][:], g["end"][:], g["label"].asstr()[:], strict=True)]


def test_label_and_split_made_while_record_runs_are_both_kept(project):
    """The issue's acceptance case, with the real commands and the virtual board."""
    from tinystudio.boards.virtual.board import SimConfig, build_board

    board = build_board(SimConfig(sensors=("imu",), imu_rate=119.0, seed=3))
    board.start()
    try:
        rec = subprocess.Popen([sys.executable, "-m", "tinystudio", "record", str(project), "--new", "--port",
                                board.port, "--seconds", "6", "--label", "tap", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        deadline = time.monotonic() + 20
        while not list((project / "recordings").glob("*.h5.lock")):
            assert rec.poll() is None and time.monotonic() < deadline, rec.communicate()
            time.sleep(0.05)
        snap = Snapshot(project)
        # both at once, while record runs (and each other runs: three writers)
        label, split = (subprocess.Popen([sys.executable, "-m", "tinystudio", *args], env=env(),
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                        for args in (["label", str(project), "--recording", "punch", "--whole", "--label",
                                      "punch"], ["split", str(project), "--by", "segment", "--seed", "3"]))
        for p in (label, split):
            _, perr = p.communicate(timeout=60)
            assert p.returncode == 0, perr
        assert rec.poll() is None, "record ended before label and split: the case tests nothing"
        out, err = rec.communicate(timeout=30)
        assert rec.returncode == 0, err
    finally:
        board.stop()
    new_id = json.loads(out.strip().splitlines()[-1])["recording"]
    for _ in range(2):  # and the next open must not revert anything
        data = _json(project)
        punch = data["recordings"]["punch"]["segments"]
        assert len(punch) == 1 and punch[0]["end"] == 1190  # label --whole
        # the split (made at the same time as the label: it may predate the new punch
        # segment, which is then "unassigned") is kept, with every flex segment in it
        flex_ids = {s["id"] for s in data["recordings"]["flex"]["segments"]}
        assert data["split"]["by"] == "segment" and flex_ids <= set(data["split"]["assignments"])
        assert [s["label"] for s in data["recordings"][new_id]["segments"]] == ["tap"]
        assert _file_segments(project / "recordings" / "punch.h5") == punch
        assert _file_segments(project / "recordings" / f"{new_id}.h5") == data["recordings"][new_id]["segments"]
        Project.open(project)
    snap.assert_unchanged(except_=["project.json", "recordings/punch.h5", f"recordings/{new_id}.h5*"])


def test_stale_object_saving_keeps_labels_saved_by_another(project):
    stale, other = Project.open(project), Project.open(project)
    label_whole(other, "punch", "punch").apply(other)
    other.save()
    snap = Snapshot(project)
    stale.settings["target_per_class"] = 12
    stale.save()
    data = _json(project)
    assert len(data["recordings"]["punch"]["segments"]) == 1 and data["settings"]["target_per_class"] == 12
    assert len(stale.segments("punch")) == 1  # the stale object now sees the latest labels
    snap.assert_unchanged(except_=["project.json"])


def test_split_made_from_an_old_state_does_not_replace_a_newer_split(project):
    trainer, user = Project.open(project), Project.open(project)
    make_split(user, 0.3, seed=1, by="segment")
    user.save()
    snap = Snapshot(project)
    make_split(trainer, 0.2, seed=9, by="recording")  # computed from the state read earlier
    trainer.save()
    assert _json(project)["split"]["by"] == "segment" and trainer.split_config["by"] == "segment"
    snap.assert_unchanged()


CHILD = """
import sys
from tinystudio.dataset import Project
for i in range(20):
    p = Project.open(sys.argv[1])
    p.settings[f"{sys.argv[2]}{i}"] = i
    # a class exists while a segment uses it (issue 21): each writer recolours its own class
    p.set_class_color("punch" if sys.argv[2] == "a" else "flex", f"#0000{i:02x}")
    p.save()
"""


def test_two_processes_saving_in_a_tight_loop_lose_nothing(project):
    snap = Snapshot(project)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(project), tag], env=env(),
                              stderr=subprocess.PIPE, text=True) for tag in ("a", "b")]
    for proc in procs:
        assert proc.wait(60) == 0, proc.stderr.read()
    data = _json(project)
    assert {f"{t}{i}" for t in "ab" for i in range(20)} <= set(data["settings"])
    assert {c["name"]: c["color"] for c in data["classes"]} == {"punch": "#000013", "flex": "#000013"}
    snap.assert_unchanged(except_=["project.json"])


def test_same_recording_edited_twice_last_writer_wins_and_copy_matches(project):
    a, b = Project.open(project), Project.open(project)
    a.set_segments("punch", [Segment.new(0, 100, "punch")])
    b.set_segments("punch", [Segment.new(200, 300, "punch")])
    a.save()
    b.save()
    segs = _json(project)["recordings"]["punch"]["segments"]
    assert [(s["start"], s["end"]) for s in segs] == [(200, 300)]
    assert _file_segments(project / "recordings" / "punch.h5") == segs


def test_window_notices_external_changes_and_keeps_its_unsaved_edit(project):
    window = Project.open(project)
    window.set_segments("flex", [Segment.new(0, 119, "flex")])  # not saved yet
    assert not window.changed_on_disk()
    assert cli("split", project, "--seed", "4").returncode == 0
    assert window.changed_on_disk()
    assert window.reload() is True and not window.changed_on_disk()
    assert window.split_config.get("assignments") and len(window.segments("flex")) == 1
    window.save()
    data = _json(project)
    assert data["split"]["assignments"] and len(data["recordings"]["flex"]["segments"]) == 1
    assert window.reload() is False


def test_reload_brings_in_a_recording_finished_elsewhere(project):
    import numpy as np

    from tinystudio.dataset.recorder import Recorder
    from tinystudio.devices.protocol import (
        ChannelInfo,
        DeviceInfo,
        SampleType,
        SensorInfo,
        SensorKind,
    )

    window = Project.open(project)
    other = Project.open(project)
    imu = SensorInfo(1, SensorKind.IMU, "imu", SampleType.I16, 100.0, (ChannelInfo("aX", "g", 1 / 4096),))
    r = Recorder(other, imu, DeviceInfo("t", "1", sensors=(imu,)), label="wave")
    r.append(np.arange(300, dtype=np.int16).reshape(-1, 1))
    new = r.close()
    assert window.reload() and window.recording(new.id).n_samples == 300
    assert "wave" in window.classes


def test_lock_of_a_killed_process_is_free(project):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from tinystudio.dataset.projectfile import project_lock\n"
                               "with project_lock(sys.argv[1]):\n    print('HELD', flush=True)\n"
                               "    time.sleep(60)\n", str(project)],
                              stdout=subprocess.PIPE, text=True, env=env())
    assert holder.stdout.readline().strip() == "HELD"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    p = Project.open(project)
    p.settings["x"] = 1
    t0 = time.monotonic()
    p.save()
    assert time.monotonic() - t0 < 1.0 and _json(project)["settings"]["x"] == 1


def test_lock_held_too_long_is_a_clear_error_and_changes_nothing(project, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from tinystudio.dataset.projectfile import project_lock\n"
                               "with project_lock(sys.argv[1]):\n    print('HELD', flush=True)\n"
                               "    time.sleep(30)\n", str(project)],
                              stdout=subprocess.PIPE, text=True, env=env())
    try:
        assert holder.stdout.readline().strip() == "HELD"
        snap = Snapshot(project)
        monkeypatch.setattr(projectfile, "LOCK_TIMEOUT_S", 0.3)
        p = Project.open(project)
        p.settings["x"] = 1
        with pytest.raises(DatasetError, match="another TinyStudio process.*lock"):
            p.save()
        snap.assert_unchanged()
    finally:
        holder.kill()
        holder.wait(10)


def test_import_while_an_editor_has_unsaved_labels(project, tmp_path):
    from tests.robustness.rb_data_common import EXAMPLES
    from tinystudio.dataset.importers import import_paths

    editor = Project.open(project)
    label_whole(editor, "flex", "flex").apply(editor)
    import_paths(project, [EXAMPLES / "punch.csv"], label="punch")
    editor.save()
    data = _json(project)
    assert len(data["recordings"]) == 3 and len(data["recordings"]["flex"]["segments"]) == 1
    assert len(editor.recordings()) == 3
