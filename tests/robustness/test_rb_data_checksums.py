"""Damaged samples and non-finite numbers: a flipped byte is detected by the Fletcher-32
checksums and reported (never read back as 2.5e38); NaN/Inf stop training with their
place named; older files without checksums still read."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from tests.robustness.rb_data_common import assert_one_clear_line, cli, make_project
from tests.robustness.snapshot import Snapshot
from tinystudio.dataset import Project
from tinystudio.dataset.integrity import verify
from tinystudio.dataset.recording import RecordingMeta, write_recording
from tinystudio.errors import DatasetError


@pytest.fixture()
def project(tmp_path):
    return make_project(tmp_path / "p")


def flip_byte_in_samples(path, at: int = 100) -> None:
    with h5py.File(path, "r") as f:
        ds = f["samples"]
        assert ds.fletcher32, "new recordings must carry checksums"
        offset = ds.id.get_chunk_info(0).byte_offset + at
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0x40]))


def test_flipped_byte_is_a_clear_error_naming_the_file(project):
    flip_byte_in_samples(project / "recordings" / "punch.h5")
    snap = Snapshot(project)
    p = Project.open(project)  # opening reads no samples: still fine
    with pytest.raises(DatasetError, match=r"punch\.h5: samples .* damaged: a checksum does not match"):
        p.recording("punch").read()
    assert p.recording("flex").read().shape == (1190, 6)
    snap.assert_unchanged()


def test_info_verify_sets_the_damaged_recording_aside_once(project):
    flip_byte_in_samples(project / "recordings" / "flex.h5")
    snap = Snapshot(project)
    proc = cli("info", project, "--verify", "--json")
    assert proc.returncode == 0 and proc.stderr.count("flex.h5") == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["recordings"] == 1 and "flex" in out["quarantined"] and "checksum" in out["quarantined"]["flex"]
    again = cli("info", project, "--json")
    assert again.returncode == 0 and "flex.h5" not in again.stderr
    snap.assert_unchanged(except_=["recordings/flex.h5", "damaged/*", "project.json"])


def test_training_preflight_sets_damaged_recordings_aside_and_keeps_the_rest(project):
    flip_byte_in_samples(project / "recordings" / "punch.h5")
    p = Project.open(project)
    result = verify(p, labeled_only=True)
    assert len(result.quarantined) == 1 and "punch.h5" in result.quarantined[0]
    assert [r.id for r in Project.open(project).recordings()] == ["flex"]


def _float_recording(project, rid, bad_value):
    x = np.zeros((300, 2), np.float32)
    x[123, 1] = bad_value
    meta = RecordingMeta(sensor_kind="generic", channel_names=["a", "b"], rate_hz=100.0, sample_type="float32")
    write_recording(project / "recordings" / f"{rid}.h5", x, meta, [])
    p = Project.open(project)
    from tinystudio.dataset.segments import Segment

    p.set_segments(rid, [Segment.new(0, 300, "punch")])
    p.save()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_training_refuses_non_finite_inputs_naming_the_place(project, bad):
    _float_recording(project, "hostile", bad)
    snap = Snapshot(project)
    proc = cli("train", project, "--quiet")
    assert_one_clear_line(proc, "training needs finite inputs", "hostile.h5", "sample 123", "channel b", code=5)
    snap.assert_unchanged()


def test_recording_written_without_checksums_still_reads(project):
    path = project / "recordings" / "old.h5"
    with h5py.File(project / "recordings" / "punch.h5", "r") as src, h5py.File(path, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        dst.create_dataset("samples", data=src["samples"][:], chunks=True, maxshape=(None, 6))
        src.copy("segments", dst)
    p = Project.open(project)
    assert np.array_equal(p.recording("old").read(), p.recording("punch").read())
    assert not p.recording("old").checksummed and p.recording("punch").checksummed


def test_flipped_byte_in_an_attribute_is_detected_by_the_metadata_checksum(project):
    path = project / "recordings" / "punch.h5"
    data = bytearray(path.read_bytes())
    at = data.find(b"rate_hz")
    assert at > 0
    data[at + 30] ^= 0x10  # inside the attribute message that holds the rate
    path.write_bytes(bytes(data))
    snap = Snapshot(project)
    p = Project.open(project)
    assert [r.id for r in p.recordings()] == ["flex"]
    assert any("punch.h5" in r and "metadata is damaged" in r for r in p.repairs), p.repairs
    snap.assert_unchanged(except_=["recordings/punch.h5", "damaged/*", "project.json"])
