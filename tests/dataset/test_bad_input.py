"""Bad input: a clear one-line error naming the file and line/offset; project unchanged."""

from __future__ import annotations

import json

import h5py
import pytest

from tests.dataset.helpers import cli, cli_json, tree_digest
from tinystudio.dataset import Project
from tinystudio.dataset.importers.wav import write_wav


@pytest.fixture()
def project(tmp_path, punch_csv):
    proj = tmp_path / "proj"
    cli_json("import", proj, punch_csv, "--label", "punch")
    return proj


def _fails_cleanly(project, path, *needles):
    before = tree_digest(project)
    proc = cli("import", project, path, "--label", "x", check=False)
    assert proc.returncode == 4, proc.stderr
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("tinystudio: error:") and str(path) in err, err
    for n in needles:
        assert n in err, err
    assert tree_digest(project) == before
    return err


def test_ragged_rows(project, tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    _fails_cleanly(project, f, "line 3", "expected 3 values, found 2")


def test_text_in_numeric_column(project, tmp_path):
    f = tmp_path / "text.csv"
    f.write_text("aX,aY\n1,2\n3,abc\n")
    _fails_cleanly(project, f, "line 3", "'aY'", "'abc' is not a number")


def test_empty_file(project, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    _fails_cleanly(project, f, "empty")


def test_truncated_wav(project, tmp_path):
    f = tmp_path / "cut.wav"
    write_wav(f, (list(range(1000))), 16000, 16)
    f.write_bytes(f.read_bytes()[:1200])
    _fails_cleanly(project, f, "truncated", "offset 36", "offset 1200")


def test_non_hdf5_file_named_h5(project, tmp_path):
    f = tmp_path / "fake.h5"
    f.write_text("this is not HDF5\n")
    _fails_cleanly(project, f, "not an HDF5 file", "byte 0")


def test_newer_schema_version(project, tmp_path):
    good = next((project / "recordings").glob("*.h5"))
    newer = tmp_path / "newer.h5"
    newer.write_bytes(good.read_bytes())
    with h5py.File(newer, "r+") as f:
        f.attrs["schema_version"] = 99
    _fails_cleanly(project, newer, "schema version 99", "update TinyStudio")


def test_bad_file_among_good_ones_writes_nothing(tmp_path, punch_csv, flex_csv):
    bad = tmp_path / "bad.csv"
    bad.write_text("aX,aY\n1,2\n3\n4,5\n")  # a cut row inside the file (a cut last line is skipped)
    target = tmp_path / "new_project"
    proc = cli("import", target, punch_csv, bad, flex_csv, check=False)
    assert proc.returncode == 4 and "bad.csv: line 3" in proc.stderr
    assert not target.exists()


def test_garbage_h5_inside_project_is_moved_aside_not_deleted(project):
    junk = project / "recordings" / "junk.h5"
    junk.write_bytes(b"garbage" * 10)
    p = Project.open(project)
    assert any("junk.h5" in r and "unreadable" in r for r in p.repairs)
    assert [r.id for r in p.recordings()] == ["punch"]
    (moved,) = (project / "damaged").glob("junk*.h5")
    assert moved.read_bytes() == b"garbage" * 10


def test_open_missing_project_is_a_clear_error(tmp_path):
    proc = cli("info", tmp_path / "nope", "--json", check=False)
    assert proc.returncode == 4 and "project.json missing" in proc.stderr


def test_foreign_hdf5_inside_project_is_moved_aside(project):
    foreign = project / "recordings" / "other.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    p = Project.open(project)
    assert any("other.h5" in r and "not a TinyStudio recording" in r for r in p.repairs), p.repairs
    assert [r.id for r in p.recordings()] == ["punch"]
    assert len(list((project / "damaged").glob("other*.h5"))) == 1


def test_newer_schema_recording_is_set_aside_and_changes_nothing(project):
    good = next((project / "recordings").glob("*.h5"))
    newer = project / "recordings" / "future.h5"
    newer.write_bytes(good.read_bytes())
    with h5py.File(newer, "r+") as f:
        f.attrs["schema_version"] = 2
    before = tree_digest(project)
    proc = cli("info", project, "--json", check=False)
    # never brick the project: the rest works, the newer file is left alone and reported
    assert proc.returncode == 0 and "future.h5" in proc.stderr and "schema version 2" in proc.stderr
    assert json.loads(proc.stdout)["recordings"] == 1
    assert tree_digest(project) == before


def test_unfinished_copy_from_a_crash_is_moved_aside(project):
    import os
    import time

    tmp = project / "recordings" / "punch.h5.tmp"
    tmp.write_bytes(b"\x89HDF\r\n\x1a\npartial")
    old = time.time() - 3600
    os.utime(tmp, (old, old))
    p = Project.open(project)
    assert not tmp.exists() and any("unfinished copy" in r for r in p.repairs)
    assert [r.id for r in p.recordings()] == ["punch"]
    assert len(list((project / "damaged").glob("punch*.tmp"))) == 1


def test_record_from_a_missing_port_creates_no_project(tmp_path):
    proc = cli("record", tmp_path / "p", "--new", "--port", tmp_path / "no-such-port", "--seconds", "1", check=False)
    assert proc.returncode == 3 and "no-such-port" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "p").exists()
