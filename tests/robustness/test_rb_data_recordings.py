"""Hostile recording files inside a project: each is reported once and set aside (moved
to damaged/, its labels kept in the project file); every other recording and every
command keeps working; no file outside the case changes."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from tests.robustness.rb_data_common import cli, hostile_copy, make_project
from tests.robustness.snapshot import Snapshot
from tinystudio.dataset import Project


@pytest.fixture()
def project(tmp_path):
    return make_project(tmp_path / "p")


def _replace(f, name, data):
    del f[name]
    f[name] = data


def _zero_channels(f):
    f.attrs["channel_names"] = np.array([], dtype=h5py.string_dtype())
    f.attrs["units"] = np.array([], dtype=h5py.string_dtype())
    f.attrs["scale"] = np.zeros(0)
    _replace(f, "samples", np.zeros((1190, 0), np.int16))


HOSTILE = {
    "zero_channels": (_zero_channels, "zero channels"),
    "rate_zero": (lambda f: f.attrs.__setitem__("rate_hz", 0.0), "'rate_hz'"),
    "rate_nan": (lambda f: f.attrs.__setitem__("rate_hz", float("nan")), "'rate_hz'"),
    "rate_negative": (lambda f: f.attrs.__setitem__("rate_hz", -119.0), "'rate_hz'"),
    "rate_is_text": (lambda f: f.attrs.__setitem__("rate_hz", "fast"), "'rate_hz'"),
    "scale_nan": (lambda f: f.attrs.__setitem__("scale", np.full(6, np.nan)), "'scale'"),
    "scale_wrong_length": (lambda f: f.attrs.__setitem__("scale", np.ones(2)), "'scale'"),
    "unknown_sensor_kind": (lambda f: f.attrs.__setitem__("sensor_kind", "toaster"), "'sensor_kind'"),
    "channel_names_a_number": (lambda f: f.attrs.__setitem__("channel_names", 6), "'channel_names'"),
    "samples_is_a_group": (lambda f: (f.__delitem__("samples"), f.create_group("samples")), "'/samples'"),
    "samples_missing": (lambda f: f.__delitem__("samples"), "'/samples'"),
    "samples_wrong_width": (lambda f: _replace(f, "samples", np.zeros((1190, 3), np.int16)), "'/samples'"),
    "samples_are_text": (lambda f: _replace(f, "samples", np.array([["a"] * 6] * 4, dtype="S1")), "'/samples'"),
    "sample_type_lies": (lambda f: f.attrs.__setitem__("sample_type", "float64"), "'sample_type'"),
    "segment_past_the_end": (lambda f: _replace(f["segments"], "end", np.full(len(f["segments/end"]), 99999)),
                             "'/segments'"),
    "segment_columns_differ": (lambda f: _replace(f["segments"], "start", np.zeros(1, np.int64)), "'/segments'"),
    "valid_samples_too_large": (lambda f: f.create_dataset("valid_samples", data=np.array([10**9])),
                                "'/valid_samples'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_recording_is_quarantined_once_and_the_rest_works(project, case):
    mutate, field = HOSTILE[case]
    hostile_copy(project, "bad", mutate)
    # the bad file's labels live in the project file: they must survive its quarantine
    data = json.loads((project / "project.json").read_text())
    data["recordings"]["bad"] = {"segments": [{"id": "0123456789ab", "start": 0, "end": 5, "label": "punch"}]}
    (project / "project.json").write_text(json.dumps(data))
    snap = Snapshot(project)
    p = Project.open(project)
    assert sorted(r.id for r in p.recordings()) == ["flex", "punch"]
    lines = [r for r in p.repairs if "bad.h5" in r]
    assert len(lines) == 1 and field in lines[0] and "moved to damaged/" in lines[0], p.repairs
    assert len(p.labeled_segments()) == 20
    again = Project.open(project)  # reported once: quiet afterwards, nothing moved again
    assert again.repairs == [] and "bad" in again.quarantined
    assert len(list((project / "damaged").iterdir())) == 1
    kept = json.loads((project / "project.json").read_text())["recordings"]["bad"]
    assert kept["segments"][0]["id"] == "0123456789ab" and "quarantined" in kept
    snap.assert_unchanged(except_=["recordings/bad.h5", "damaged/*", "project.json"])


def test_truncated_and_non_hdf5_files_are_set_aside(project):
    good = (project / "recordings" / "punch.h5").read_bytes()
    (project / "recordings" / "half.h5").write_bytes(good[: len(good) // 2])
    (project / "recordings" / "text.h5").write_text("aX,aY,aZ\n1,2,3\n")
    snap = Snapshot(project)
    p = Project.open(project)
    assert sorted(r.id for r in p.recordings()) == ["flex", "punch"]
    assert sum("half.h5" in r for r in p.repairs) == 1 and sum("text.h5" in r for r in p.repairs) == 1
    assert len(list((project / "damaged").iterdir())) == 2
    snap.assert_unchanged(except_=["recordings/half.h5", "recordings/text.h5", "damaged/*", "project.json"])


def test_abandoned_recording_that_cannot_be_repaired_is_not_copied_at_every_open(project):
    """Regression: repair copied the file into damaged/ again at every open."""
    hostile_copy(project, "crashed", lambda f: (f.attrs.__setitem__("state", "recording"),
                                                f.__delitem__("samples"), f.create_group("samples")))
    snap = Snapshot(project)
    for _ in range(3):
        Project.open(project)
    assert len(list((project / "damaged").iterdir())) == 1
    assert not (project / "recordings" / "crashed.h5").exists()
    snap.assert_unchanged(except_=["recordings/crashed.h5", "damaged/*", "project.json"])


def test_newer_schema_recording_is_left_alone_byte_for_byte(project):
    hostile_copy(project, "future", lambda f: f.attrs.__setitem__("schema_version", 7))
    snap = Snapshot(project)
    for _ in range(2):
        p = Project.open(project)
        assert "future" in p.quarantined and "schema version 7" in p.quarantined["future"]
        assert sorted(r.id for r in p.recordings()) == ["flex", "punch"]
    snap.assert_unchanged()


def test_commands_work_on_the_rest_of_a_project_with_a_malformed_recording(project, tmp_path):
    hostile_copy(project, "bad", _zero_channels)  # e.g. from a board whose HELLO said so
    data = json.loads((project / "project.json").read_text())
    data["recordings"]["bad"] = {"segments": []}
    (project / "project.json").write_text(json.dumps(data))
    first = cli("info", project, "--json")
    assert first.returncode == 0 and first.stderr.count("bad.h5") == 1, first.stderr
    assert json.loads(first.stdout)["recordings"] == 2
    snap = Snapshot(project)
    second = cli("info", project, "--json")
    assert second.returncode == 0 and "bad.h5" not in second.stderr  # reported once
    assert "bad" in json.loads(second.stdout)["quarantined"]
    out = cli("export", project, "--format", "npz", "--out", tmp_path / "out")
    assert out.returncode == 0, out.stderr
    assert list((tmp_path / "out").rglob("*.npz"))
    snap.assert_unchanged()


def test_recording_a_sensor_with_zero_channels_is_refused_before_any_file(project):
    from tinystudio.dataset.recorder import Recorder
    from tinystudio.devices.protocol import DeviceInfo, SampleType, SensorInfo, SensorKind
    from tinystudio.errors import DatasetError

    empty = SensorInfo(1, SensorKind.IMU, "imu", SampleType.I16, 100.0, ())  # as a HELLO may say
    snap = Snapshot(project)
    with pytest.raises(DatasetError, match="zero channels"):
        Recorder(Project.open(project), empty, DeviceInfo("b", "1", sensors=(empty,)), label="x")
    snap.assert_unchanged()
