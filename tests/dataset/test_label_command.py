"""`tinystudio label`: auto-segmentation and whole-recording labels from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from tinystudio.dataset import Project


def cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_auto_segments_a_recording_of_replayed_punches(tmp_path, start_sim, punch_csv):
    project = str(tmp_path / "p")
    sim = start_sim("--sensors", "imu", "--replay", str(punch_csv))
    cli("record", project, "--new", "--port", sim.port, "--seconds", "6", "--label", "punch", "--json")
    (rec,) = Project.open(project).recordings()
    assert [s.label for s in rec.segments] == ["punch"] and rec.segments[0].end == rec.n_samples

    result = cli("label", project, "--auto", "--json")
    rec = Project.open(project).recordings()[0]
    # 6 s at 119 Hz of back-to-back IMU_Capture gestures (each starts above 1.5 g of
    # motion, gravity removed): about five one-second gestures, each cut at its trigger.
    assert {k: result[k] for k in ("recordings", "segments")} == {"recordings": 1, "segments": len(rec.segments)}
    assert result["changes"][0]["removed_labels"] == ["punch"] and result["changes"][0]["before"] == 1
    assert 4 <= len(rec.segments) <= 7
    assert all(s.label == "punch" and s.end - s.start == 119 for s in rec.segments)
    from tinystudio.dataset.autoseg import accel_in_g, motion_activity, remove_gravity

    a, _ = accel_in_g(rec.read_physical(), rec.channel_names, rec.units)
    act = motion_activity(remove_gravity(a, rec.rate_hz))
    for s in rec.segments:
        assert act[s.start] > 1.5  # each segment starts at a trigger

    cli("label", project, "--whole", "--label", "flex", "--json")
    rec = Project.open(project).recordings()[0]
    assert [(s.start, s.end, s.label) for s in rec.segments] == [(0, rec.n_samples, "flex")]


def test_label_without_a_single_label_asks_for_one(tmp_path, punch_csv, flex_csv):
    project = str(tmp_path / "p")
    cli("import", project, str(punch_csv), "--label", "punch", "--json")
    proj = Project.open(project)
    rec = proj.recordings()[0]
    proj.set_segments(rec.id, [])
    proj.save()
    out = subprocess.run([sys.executable, "-m", "tinystudio", "label", project, "--auto"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "no single label" in out.stderr and "--label" in out.stderr and "Traceback" not in out.stderr
