"""Acceptance, end to end on real data, through the CLI as a user runs it.

The virtual board replays the Arduino GestureToEmoji recordings (punch.csv, then flex.csv);
`record` labels each; `train` builds an int8 model; `flash` sends it over the pty;
the board replays punch.csv and infers on it itself; `infer` must report punch for at
least 90 % of results, and `verify` must find the board's outputs identical to the host's.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(900)


def cli(*args: str, timeout: float = 600) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"tinystudio {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_record_train_flash_infer_verify_on_real_gestures(tmp_path, spawn_sim, punch_csv, flex_csv):
    project = str(tmp_path / "gestures")
    for label, csv in (("punch", punch_csv), ("flex", flex_csv)):
        port = spawn_sim("--sensors", "imu", "--replay", str(csv))
        # Two recordings per class: the replay goes on, so the first holds gestures 1-5 of
        # the file and the second gestures 6-10 (the test split gets unseen gestures).
        for _ in range(2):
            rec = cli("record", project, "--new", "--port", port, "--seconds", "5", "--label", label, "--json")
            assert rec, rec
    cli("split", project, "--by", "recording", "--test-fraction", "0.5", "--json")
    # Each recording is labeled as a whole (gestures back to back); the model sees
    # one-second windows (119 samples, the IMU_Capture gesture length) every 30 samples.
    from tinystudio.dataset import Project

    proj = Project.open(project)
    proj.settings.setdefault("train", {}).update({"window": 119, "stride": 30})
    proj.save()
    train = cli("train", project, "--json", "--quiet")
    assert train["int8_accuracy"] >= 0.8, train

    port = spawn_sim("--sensors", "imu", "--replay", str(punch_csv), "--baud", "115200")
    flash = cli("flash", project, "--port", port, "--baud", "115200", "--json")
    assert flash["verified"] is True and flash["bytes"] > 0, flash
    assert flash["link_efficiency"] >= 0.5, flash

    infer = cli("infer", "--port", port, "--seconds", "8", "--json")
    assert infer["results"] >= 10, infer
    assert infer["counts"].get("punch", 0) >= 0.9 * infer["results"], infer
    assert infer["mean_latency_us"] > 0

    verify = cli("verify", project, "--port", port, "--json")
    print(json.dumps({"train": {k: train[k] for k in ("int8_accuracy", "model_bytes") if k in train},
                      "flash": flash, "infer": infer, "verify": verify}))
    assert verify["windows"] > 0 and verify["mismatches"] == 0 and verify["max_abs_diff"] == 0, verify
