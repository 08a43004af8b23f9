"""`tinystudio sim --mcu` as a user runs it: the unchanged `stream` and `flash` commands work on it.

The acceptance of issue 15, end to end: the firmware is built from source by the command
(into a fresh cache), QEMU prints its pty, `stream --json` reports both sensors within
0.5% of their declared rates with no lost frame, a punch/flex project trained here is
flashed and verified by the board, and SIGTERM shuts QEMU down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STREAM_SECONDS = 5.0


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, f"tinystudio {args[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _qemu_children(pid: int) -> list[str]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "qemu-system-arm" in line]


def test_sim_mcu_stream_and_flash(start_sim, monkeypatch, tmp_path: Path, punch_csv: Path, flex_csv: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # build from source, here
    sim = start_sim("--mcu")
    assert sim.port.startswith("/dev/pts/")
    assert (tmp_path / "cache" / "tinystudio" / "qemu_mps2" / "qemu_mps2.elf").exists()
    assert _qemu_children(sim.proc.pid)

    report = json.loads(_cli("stream", "--port", sim.port, "--seconds", str(STREAM_SECONDS), "--json").stdout)
    assert report["board"].startswith("TinyStudio emulated board")
    sensors = {s["name"]: s for s in report["sensors"]}
    assert set(sensors) == {"imu", "mic"}
    for name, per_frame in (("imu", 10), ("mic", 128)):
        s = sensors[name]
        assert abs(s["rate_hz"] / s["declared_rate_hz"] - 1) < 0.005, s
        assert s["lost_frames"] == 0 and s["crc_errors"] == 0, s
        assert s["samples"] % per_frame == 0  # whole SAMPLES frames, as the firmware frames them
        expected = s["declared_rate_hz"] * STREAM_SECONDS
        assert 0.9 * expected <= s["samples"] <= 1.01 * expected, s

    # a punch/flex project trained for a real board (the op contract is checked on the way)
    from tinystudio.dataset.importers import import_paths
    from tinystudio.ml.pipeline import TrainOptions, train_project

    project = tmp_path / "punch_flex"
    import_paths(project, [punch_csv], label="punch")
    import_paths(project, [flex_csv], label="flex")
    trained = train_project(project, TrainOptions(seed=0, board="nano33ble_rev1"))
    from tinystudio.ml.op_contract import glue_ops

    assert set(trained.tflm["ops"]) <= set(glue_ops())  # every op in the firmware's table
    flashed = json.loads(_cli("flash", str(project), "--port", sim.port, "--json").stdout)
    assert flashed["verified"] is True and flashed["bytes"] == trained.model_bytes

    assert sim.stop() == 0  # SIGTERM: clean exit ...
    assert not _qemu_children(sim.proc.pid)  # ... and QEMU is gone
