"""No traceback for a user: expected errors are one line, an unexpected exception is one
line naming a crash-report file that holds the traceback (CLI and GUI hook)."""

from __future__ import annotations

import subprocess
import sys

from tests.robustness.edge_helpers import REPO, snapshot
from tinystudio.cli import EXIT_INTERNAL, main


def _boom(args):
    raise ZeroDivisionError("division by zero deep inside")


def test_unexpected_exception_gives_one_line_and_a_crash_report(tmp_path, monkeypatch, capsys):
    import tinystudio.commands.info as info

    monkeypatch.setenv("TINYSTUDIO_CRASH_DIR", str(tmp_path / "crashes"))
    monkeypatch.setattr(info, "run", _boom)
    assert main(["info", str(tmp_path)]) == EXIT_INTERNAL
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error (ZeroDivisionError: division by zero deep inside)" in err[0]
    (report,) = (tmp_path / "crashes").glob("crash-*.txt")
    assert str(report) in err[0]
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "_boom" in text and "ZeroDivisionError" in text


def test_unwritable_crash_dir_falls_back_to_the_temp_folder(tmp_path, monkeypatch, capsys):
    import tinystudio.commands.info as info

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TINYSTUDIO_CRASH_DIR", str(blocker / "crashes"))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(info, "run", _boom)
    assert main(["info", str(tmp_path)]) == EXIT_INTERNAL
    err = capsys.readouterr().err.strip().splitlines()
    (report,) = (tmp_path / "tmp" / "tinystudio").glob("crash-*.txt")
    assert len(err) == 1 and str(report) in err[0]
    assert blocker.read_text() == "not a folder"


def test_an_os_error_is_one_clear_line_without_a_crash_report(tmp_path, monkeypatch, capsys):
    from tests.robustness.edge_helpers import gesture_project

    monkeypatch.setenv("TINYSTUDIO_CRASH_DIR", str(tmp_path / "crashes"))
    proj = gesture_project(tmp_path / "proj").path
    (tmp_path / "file").write_text("x")
    before = snapshot(tmp_path)
    assert main(["export", str(proj), "--format", "csv", "--out", str(tmp_path / "file" / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Not a directory" in err[0] and str(tmp_path / "file") in err[0]
    assert snapshot(tmp_path) == before and not (tmp_path / "crashes").exists()


def test_real_process_prints_no_traceback(tmp_path):
    """The installed entry point as a user runs it: a bad project path is one line."""
    env = {"PYTHONPATH": str(REPO), "TINYSTUDIO_CRASH_DIR": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "tinystudio", "export", str(tmp_path / "nope"), "--format",
                           "csv", "--out", str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "no TinyStudio project here" in proc.stderr


def test_gui_excepthook_writes_a_report_and_shows_one_message(tmp_path, monkeypatch, qapp):
    from tinystudio.ui import app as ui_app

    monkeypatch.setenv("TINYSTUDIO_CRASH_DIR", str(tmp_path))
    shown = []
    monkeypatch.setattr(ui_app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    ui_app.install_excepthook()
    try:
        raise KeyError("lost")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    deadline = 50
    while not shown and deadline:
        qapp.processEvents()
        deadline -= 1
    (report,) = tmp_path.glob("crash-*.txt")
    assert len(shown) == 1 and str(report) in shown[0] and "KeyError" in report.read_text()

