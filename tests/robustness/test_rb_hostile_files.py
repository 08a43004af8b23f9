"""Files confined (issue 24): recordings self-contained, paths kept inside the project,
project files regular, JSON strict. Real HDF5 files crafted with h5py, real symlinks and
FIFOs, the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.robustness.edge_helpers import gesture_project, snapshot
from tinystudio.dataset import Project
from tinystudio.dataset.recording import Recording
from tinystudio.errors import DatasetError, TrainingError


@pytest.fixture
def project(tmp_path):
    return gesture_project(tmp_path / "proj")


def _rec_path(project) -> Path:
    return sorted((project.path / "recordings").glob("*.h5"))[0]


def _rewrite_samples(path: Path, make) -> None:
    """Replace /samples of a real recording by ``make(f, shape, dtype)``; attrs kept."""
    with h5py.File(path, "r+") as f:
        shape, dtype = f["samples"].shape, f["samples"].dtype
        del f["samples"]
        make(f, shape, dtype)


def _cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "tinystudio", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_external_storage_is_refused_and_never_read(project, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 4096)
    path = _rec_path(project)
    _rewrite_samples(path, lambda f, shape, dt: f.create_dataset(
        "samples", shape=shape, dtype=dt, external=[(str(secret), 0, h5py.h5f.UNLIMITED)]))
    with pytest.raises(DatasetError, match="keeps its data in another file"):
        Recording(path)
    out = tmp_path / "out"
    proc = _cli("export", project.path, "--format", "csv", "--out", out)
    exported = "".join(p.read_text() for p in out.rglob("*.csv")) if out.exists() else ""
    assert proc.returncode != 70 and "Traceback" not in proc.stderr
    assert "root" not in exported and str(secret) not in exported


def test_external_link_is_refused(project, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(10)
    path = _rec_path(project)
    with h5py.File(path, "r+") as f:
        f["extra"] = h5py.ExternalLink(str(other), "/x")
    with pytest.raises(DatasetError, match="external link"):
        Recording(path)


def test_virtual_dataset_is_refused(project, tmp_path):
    src = tmp_path / "src.h5"
    path = _rec_path(project)
    with h5py.File(path, "r") as f:
        shape, dtype = f["samples"].shape, f["samples"].dtype
    with h5py.File(src, "w") as f:
        f.create_dataset("d", data=np.zeros(shape, dtype))

    def make(f, shape, dt):
        layout = h5py.VirtualLayout(shape=shape, dtype=dt, maxshape=(None, shape[1]))
        layout[:] = h5py.VirtualSource(str(src), "d", shape=shape)
        f.create_virtual_dataset("samples", layout)

    _rewrite_samples(path, make)
    with pytest.raises(DatasetError, match="virtual dataset"):
        Recording(path)


def test_a_small_file_claiming_ten_billion_rows_is_refused_at_once(project):
    path = _rec_path(project)
    _rewrite_samples(path, lambda f, shape, dt: f.create_dataset(
        "samples", shape=(10**10, shape[1]), maxshape=(None, shape[1]), dtype=dt, chunks=(1024, shape[1])))
    with h5py.File(path, "r+") as f:
        f.attrs["n_samples"] = 10**10
    assert path.stat().st_size < 100_000
    t0 = time.monotonic()
    with pytest.raises(DatasetError, match="stores only 0 of its"):
        Recording(path)
    assert time.monotonic() - t0 < 2
    proc = _cli("info", project.path, "--verify", timeout=60)
    assert proc.returncode != 70 and "Traceback" not in proc.stderr


def test_a_fifo_as_project_json_is_refused_not_waited_on(tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    os.mkfifo(proj / "project.json")
    t0 = time.monotonic()
    proc = _cli("info", proj, timeout=30)
    assert time.monotonic() - t0 < 30
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 4 and len(lines) == 1 and "not a regular file" in lines[0]


@pytest.mark.parametrize("entry", ["recordings", "damaged", "models"])
def test_a_symlinked_folder_in_a_project_is_refused(project, tmp_path, entry):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    target = project.path / entry
    if target.exists():
        os.rename(target, tmp_path / f"{entry}.orig")
    os.symlink(outside, target)
    before = snapshot(outside)
    with pytest.raises(DatasetError, match="symbolic link"):
        Project.open(project.path)
    assert snapshot(outside) == before


def test_a_symlinked_recording_file_is_refused(project, tmp_path):
    path = _rec_path(project)
    real = tmp_path / "real.h5"
    os.rename(path, real)
    os.symlink(real, path)
    with pytest.raises(DatasetError, match="symbolic link"):
        Recording(path)


def test_a_symlink_as_the_lock_file_is_not_followed(project, tmp_path):
    victim = tmp_path / "victim"
    lock = project.path / ".project.lock"
    if lock.exists():
        lock.unlink()
    os.symlink(victim, lock)
    with pytest.raises(DatasetError):
        Project.open(project.path)
    assert not victim.exists()


def test_current_json_cannot_point_outside_the_project(project):
    from tinystudio.ml.store import current_package_dir

    models = project.path / "models"
    models.mkdir(exist_ok=True)
    for name in ("../../..", "/etc", "..", ""):
        (models / "current.json").write_text(json.dumps({"model": name}))
        with pytest.raises(TrainingError, match="current.json"):
            current_package_dir(project.path)


def test_duplicate_keys_in_project_json_are_refused_not_dropped(project):
    jpath = project.path / "project.json"
    text = jpath.read_text()
    data = json.loads(text)
    rid = next(iter(data["recordings"]))
    entry = json.dumps(data["recordings"][rid])
    dup = text.replace(f'"{rid}":', f'"{rid}": {entry}, "{rid}":', 1)
    assert dup != text
    jpath.write_text(dup)
    with pytest.raises(DatasetError, match="appears twice"):
        Project.open(project.path)
    assert jpath.read_text() == dup  # never rewritten to "fix" it


def test_deep_json_is_one_line_not_a_recursion_traceback(tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "project.json").write_text("[" * 100_000 + "]" * 100_000)
    proc = _cli("info", proj)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 4 and len(lines) == 1 and "nested too deeply" in lines[0]


def test_links_inside_an_edge_impulse_export_are_skipped_not_followed(tmp_path, examples_dir):
    """A symlinked sample (to a file outside the export), a symlinked folder and a
    symlinked info.labels are listed as skipped; nothing outside the export is read."""
    from tests.dataset.helpers import cli_json

    export = tmp_path / "export"
    shutil.copytree(examples_dir / "ei_phone_motion", export)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "idle.secret.csv"
    secret.write_text("timestamp,accX,accY,accZ\n" + "".join(f"{i * 16},9,9,9\n" for i in range(200)))
    os.symlink(secret, export / "training" / "idle.linked.csv")
    os.symlink(outside, export / "training" / "more")
    labels = export / "testing" / "info.labels"
    (outside / "info.labels").write_bytes(labels.read_bytes())
    labels.unlink()
    os.symlink(outside / "info.labels", labels)

    out = cli_json("import", tmp_path / "p", export)
    skipped = {Path(s["path"]).name: s["reason"] for s in out["skipped"]}
    assert "symbolic link" in skipped["idle.linked.csv"]
    assert "symbolic link" in skipped["info.labels"]
    assert out["split"] == {"train": 65, "test": 19, "unassigned": 0}  # the root info.labels still holds
    project = Project.open(tmp_path / "p")
    assert not any(np.allclose(r.read_physical()[:, :3], 9.0) for r in project.recordings())


@pytest.mark.parametrize("image", ["person_detection/person/person.png", "digits/one/one_10_row93.png"])
def test_a_png_whose_ihdr_length_is_zero_is_one_line(tmp_path, examples_dir, image):
    """Found by the import fuzzer (`python -m tests.fuzz`, import_bytes_target(2,
    [(0.09375, 0)])): a PNG whose IHDR chunk length byte is 0 made PIL raise ValueError
    ("Truncated IHDR chunk"), which reached the user as a crash report (exit 70)."""
    from tinystudio.dataset.importers import parse_paths

    png = tmp_path / "imgs" / "person" / "p.png"
    png.parent.mkdir(parents=True)
    data = bytearray((examples_dir / image).read_bytes())
    assert data[12:16] == b"IHDR"
    data[11] = 0  # the low byte of IHDR's length (13)
    png.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="not a readable PNG/JPEG image") as info:
        parse_paths([tmp_path / "imgs"])
    assert str(png) in str(info.value) and "\n" not in str(info.value)
