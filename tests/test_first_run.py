"""A new user's first minutes: doctor, example projects, top-level options, the launcher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinystudio import doctor
from tinystudio.desktop_entry import desktop_entry_text, install_launcher, uninstall_launcher
from tinystudio.errors import DatasetError
from tinystudio.examples import create_example, list_examples

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


# --- doctor -------------------------------------------------------------------------

LDD_WITH_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
"""


def test_missing_qt_libraries_are_named_with_their_packages(tmp_path, monkeypatch):
    plugins = tmp_path / "Qt" / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    (plugins / "platforms" / "libqxcb.so").write_bytes(b"")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)

    def fake_ldd(cmd, **kw):  # stands in for ldd's output on a machine without those libraries
        return subprocess.CompletedProcess(cmd, 0, stdout=LDD_WITH_MISSING, stderr="")

    check = doctor.check_qt_platform(plugins, run=fake_ldd)
    assert not check.ok
    assert "libxcb-icccm.so.4" in check.detail and "libxcb-keysyms.so.1" in check.detail
    assert check.fix.startswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_the_installed_qt_plugin_finds_its_libraries(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    check = doctor.check_qt_platform()
    assert check.ok, check.line()


def test_serial_check_names_the_command_that_adds_the_user_to_dialout():
    check = doctor.check_serial(groups=[1000], uid=1000, user="maker", devices=[])
    assert not check.ok
    assert "sudo usermod -aG dialout maker" in check.fix
    import grp

    ok = doctor.check_serial(groups=[grp.getgrnam("dialout").gr_gid], uid=1000, user="maker", devices=[])
    assert ok.ok, ok.line()


def test_display_check(tmp_path):
    assert not doctor.check_display({}).ok
    assert "DISPLAY" in doctor.check_display({}).detail
    assert not doctor.check_display({"DISPLAY": ":987"}).ok  # no X server on display 987
    assert doctor.check_display({"QT_QPA_PLATFORM": "offscreen"}).ok


def test_disk_check_fails_below_the_minimum(tmp_path):
    assert doctor.check_disk(tmp_path / "not" / "yet", minimum=1).ok
    low = doctor.check_disk(tmp_path, minimum=1 << 60)
    assert not low.ok and "GB free" in low.detail and low.fix


def test_doctor_json_lists_every_check_with_ok_and_fix(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ""
    proc = cli("doctor", "--json", "--project", str(tmp_path), env=env)
    report = json.loads(proc.stdout)
    names = [c["name"] for c in report["checks"]]
    assert names == ["display", "qt", "serial", "disk", "tensorflow", "tflite-micro", "h5py"]
    assert all(set(c) == {"name", "ok", "detail", "fix"} for c in report["checks"])
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["tensorflow"]["ok"] and by_name["tflite-micro"]["ok"]
    assert not by_name["display"]["ok"] and by_name["display"]["fix"]
    assert proc.returncode == 1 and report["ok"] is False


# --- examples -------------------------------------------------------------------------

def test_examples_are_listed():
    assert [e.name for e in list_examples()] == ["gestures", "keywords", "phone-motion", "images",
                                                 "person-detection", "sine", "vibration"]


def test_example_refuses_a_folder_that_holds_anything(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(DatasetError, match="not empty"):
        create_example("gestures", tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    with pytest.raises(DatasetError, match="choose one of"):
        create_example("nope", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_keywords_example_has_eight_takes_per_class(tmp_path):
    from tinystudio.dataset import Project

    create_example("keywords", tmp_path / "kw")
    project = Project.open(tmp_path / "kw")
    labels = sorted(s.label for r in project.recordings() for s in project.segments(r.id))
    assert {lab: labels.count(lab) for lab in set(labels)} == {"yes": 8, "no": 8, "noise": 8, "silence": 8}


@pytest.mark.slow
def test_gestures_example_then_train(tmp_path):
    project = tmp_path / "P"
    made = cli("example", "gestures", str(project), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["classes"] == {"punch": 10, "flex": 10}
    trained = cli("train", str(project), "--json")
    assert trained.returncode == 0, trained.stderr[-2000:]
    result = json.loads(trained.stdout.strip().splitlines()[-1])
    assert Path(result["model_path"]).is_file()


# --- top-level options, launcher, packaging ------------------------------------------------

def test_window_options_work_without_the_gui_subcommand():
    from tinystudio.cli import _default_to_gui, build_parser

    args = build_parser().parse_args(_default_to_gui(["--dark", "--project", "P"]))
    assert args.command == "gui" and args.dark and args.project == "P"
    assert _default_to_gui(["--version"]) == ["--version"]
    assert _default_to_gui(["info", "P"]) == ["info", "P"]


def test_bare_dark_option_opens_the_window(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TINYSTUDIO_SETTINGS_DIR": str(tmp_path)}
    proc = cli("--dark", "--exit-when-shown", env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "SHOWN" in proc.stdout


def test_desktop_launcher_installs_and_removes_only_its_files(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path)}
    (tmp_path / "applications").mkdir()
    (tmp_path / "applications" / "other.desktop").write_text("[Desktop Entry]\n")
    entry, icon = install_launcher(env)
    text = entry.read_text()
    assert "Exec=" in text and f"Icon={icon}" in text and icon.stat().st_size > 1000
    assert sorted(uninstall_launcher(env)) == sorted([entry, icon])
    assert (tmp_path / "applications" / "other.desktop").exists()


def test_launcher_exec_line_quotes_paths_with_spaces():
    text = desktop_entry_text(["/home/a b/tiny$studio/.venv/bin/tinystudio"], Path("/i.png"))
    assert 'Exec="/home/a b/tiny\\$studio/.venv/bin/tinystudio"' in text


def test_pyproject_uses_an_spdx_license_string():
    text = (REPO / "pyproject.toml").read_text()  # tomllib is 3.11+; the project supports 3.10
    assert '\nlicense = "Apache-2.0"\n' in text
    assert (REPO / "LICENSE").is_file()


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text().splitlines()
    commands = [line.split("#")[0].strip() for line in readme[:20] if line.startswith("bash scripts/install.sh")]
    assert len(commands) == 2, commands
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert ci[-1] == commands[1]


def test_phone_motion_example_keeps_edge_impulse_labels_and_split(tmp_path):
    from tinystudio.dataset import Project
    from tinystudio.dataset.splits import summarize

    create_example("phone-motion", tmp_path / "pm")
    s = summarize(Project.open(tmp_path / "pm"))
    assert {k: (v["train"], v["test"]) for k, v in s.classes.items()} == {
        "circle": (16, 4), "idle": (17, 4), "left-right": (16, 4), "up-down": (16, 4)}
    # the export's three test-only "testing" files are no class of the example (issue 21)
    assert Project.open(tmp_path / "pm").classes == ["circle", "idle", "left-right", "up-down"]
