"""`infer`, `verify` and `export` for anomaly and regression models (issue 23), on the
virtual board in its own process, with models trained on the example generators."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from tests.task_projects import (
    anomaly_project,
    sine_project,
    write_sine_replay,
    write_vibration_replay,
)
from tinystudio.cli import main


@pytest.fixture
def cli(capsys):
    """Run a command in this process (the board is `tinystudio sim` in its own): the code,
    stdout and stderr, as a subprocess would give them, without a Python start per command."""

    def run(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def test_anomaly_infer_says_normal_then_anomaly_and_verify_is_exact(spawn_sim, cli, task_base, tmp_path):
    from tinystudio.deploy.board_package import load_model_package

    project = anomaly_project(task_base)
    threshold = load_model_package(project).descriptor.score_threshold
    replay = write_vibration_replay(tmp_path / "machine.csv", normal_s=1.5, fault_s=1.5)
    port = spawn_sim("--sensors", "imu", "--replay", str(replay))
    assert cli("flash", str(project), "--port", port).returncode == 0
    out = cli("infer", "--port", port, "--seconds", "3.3", "--project", str(project))
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("#")]
    states = [ln.split()[1] for ln in lines]
    assert set(states) == {"NORMAL", "ANOMALY"}, out.stdout  # the replay's fault is found
    assert f"threshold {threshold:.2f}" in lines[0]
    assert out.stdout.splitlines()[-1].endswith(f"NORMAL at threshold {threshold:.2f}")
    out = cli("verify", str(project), "--port", port, "--json")
    assert out.returncode == 0, out.stderr
    v = json.loads(out.stdout)
    assert v["mismatches"] == 0 and v["windows"] == 240 + 2 * 3 * 20  # every test window, score for score


def test_regression_board_values_are_sine_and_verify_is_exact(spawn_sim, cli, task_base, tmp_path):
    project = sine_project(task_base)
    replay, x = write_sine_replay(tmp_path / "x.csv")
    port = spawn_sim("--sensors", "imu", "--replay", str(replay))
    assert cli("flash", str(project), "--port", port).returncode == 0
    out = cli("infer", "--port", port, "--seconds", "0.6", "--project", str(project))
    assert out.returncode == 0, out.stderr
    values = [float(ln.split("=")[1].split()[0]) for ln in out.stdout.splitlines() if ln.startswith("#")]
    assert len(values) >= len(x)  # one value per sample: a whole pass over [0, 2 pi]
    assert min(values) < -0.8 and max(values) > 0.8  # it traces sin(x), not a constant
    out = cli("infer", "--port", port, "--seconds", "0.3", "--project", str(project), "--json")
    s = json.loads(out.stdout)
    assert s["task"] == "regression" and s["min"] <= s["mean"] <= s["max"] and s["results"] >= 10
    out = cli("infer", "--port", port, "--seconds", "0.1")  # no project: one unnamed output
    assert out.returncode == 0 and "pass --project" in out.stderr
    out = cli("verify", str(project), "--port", port, "--json")
    assert out.returncode == 0, out.stderr  # the target channel is not sent as an input
    v = json.loads(out.stdout)
    assert v["windows"] == 200 and v["mismatches"] == 0


def test_export_says_the_task_and_the_c_threshold_reads_the_score(cli, task_base, tmp_path):
    from tinystudio.deploy.board_package import load_model_package

    vib, sine = anomaly_project(task_base), sine_project(task_base)
    for project, word in ((vib, "ANOMALY score"), (sine, 'Serial.print(" = ")')):
        out = cli("export", str(project), "--format", "arduino", "--out", str(tmp_path / project.name))
        assert out.returncode == 0, out.stderr
        sketch = next((tmp_path / project.name / "examples").rglob("*.ino")).read_text()
        assert word in sketch and "labels[best]" not in sketch
    out = cli("export", str(vib), "--format", "c", "--out", str(tmp_path / "c"))
    assert out.returncode == 0, out.stderr
    header = next((tmp_path / "c").glob("*_data.h"))
    prefix = header.name[: -len("_data.h")]
    desc = load_model_package(vib).descriptor
    cc = shutil.which("g++") or shutil.which("c++")
    if cc is None:
        pytest.skip("no C++ compiler to build the exported sources")
    # the exported constants alone turn int8 outputs into scores against the threshold
    main = tmp_path / "c" / "main.cpp"
    main.write_text(f'#include <cstdio>\n#include <cstring>\n#include "{header.name}"\nint main() {{\n'
                    f'  printf("%s %.6f\\n", {prefix.upper()}_TASK, (double){prefix.upper()}_SCORE_THRESHOLD);\n'
                    "  for (int q = -128; q < 128; q += 51)\n"
                    f'    printf("%d %d\\n", q, (q - {prefix}_output_zero_point) * {prefix}_output_scale'
                    f' > {prefix.upper()}_SCORE_THRESHOLD);\n  return 0;\n}}\n')
    exe = tmp_path / "c" / "main"
    subprocess.run([cc, "-o", str(exe), str(main), str(next((tmp_path / "c").glob("*_data.cpp")))],
                   check=True, capture_output=True)
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    task, thr = lines[0].split()
    assert task == "anomaly" and float(thr) == pytest.approx(desc.score_threshold, rel=1e-6)
    for line in lines[1:]:
        q, above = map(int, line.split())
        assert above == int((q - desc.output_zero_point) * desc.output_scale > desc.score_threshold)
    assert np.any([int(ln.split()[1]) for ln in lines[1:]])  # the range holds both verdicts
