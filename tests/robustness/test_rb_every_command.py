"""Every command, walked with malformed input (issue 24): no exit 70, no traceback, one line.

The commands are discovered as the CLI discovers them, so a new command is walked
without anyone adding it here. For each command, every positional argument in turn gets
each hostile value (a missing path, a regular file, a folder whose project.json is broken,
is a list, or has the wrong types, /dev/null, an empty string) while the others hold a
real project; every numeric option gets nan, -1 and 1e999; every port option gets
/dev/null, a regular file and a missing path. Each call runs in this process (fast) under
a watchdog: it must return within the bound, with an exit code that is not the internal
error's (a malformed number or port: not 0 either), and print at most one error line
(progress lines aside) and no traceback.
"""

from __future__ import annotations

import argparse
import shutil
import threading

import pytest

from tests.robustness.edge_helpers import gesture_project
from tinystudio.cli import EXIT_INTERNAL, build_parser, main
from tinystudio.commands import _numbers as numbers

#: Commands that open the window or serve until killed: walked elsewhere (tests/ui, sim tests).
NOT_WALKED = {"gui", "desktop", "sim"}
#: Seconds one malformed call may take (a refusal is immediate; the bound catches hangs).
BOUND_S = 60
HOSTILE_NUMBERS = ("nan", "-1", "1e999")


def _hostile_paths(tmp):
    junk = tmp / "junk.txt"
    junk.write_bytes(b"\x00\xffnot a project\n")
    broken = tmp / "broken"
    broken.mkdir()
    (broken / "project.json").write_text("{")
    listed = tmp / "listed"
    listed.mkdir()
    (listed / "project.json").write_text("[]")
    typed = tmp / "typed"
    typed.mkdir()
    (typed / "project.json").write_text('{"format": "tinystudio-project", "recordings": "all", "labels": 5}')
    return {"missing": str(tmp / "nope"), "a file": str(junk), "broken json": str(broken),
            "json list": str(listed), "wrong types": str(typed), "/dev/null": "/dev/null", "empty": ""}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: p for name, p in action.choices.items() if name not in NOT_WALKED}


def _positionals(p: argparse.ArgumentParser):
    return [a for a in p._actions if not a.option_strings and a.dest != "help"]


def _numeric_options(p: argparse.ArgumentParser):
    return [a for a in p._actions if a.option_strings
            and (a.type in (int, float) or getattr(a.type, "__module__", "") == numbers.__name__)]


def _port_options(p: argparse.ArgumentParser):
    return [a for a in p._actions if "--port" in a.option_strings]


def _calls(name: str, p: argparse.ArgumentParser, project: str, hostile: dict[str, str]):
    """(description, argv, must_fail) for one command; a malformed number or port must
    be refused, a hostile path may be fine (``import`` creates a missing project)."""
    pos = _positionals(p)
    base = [project] * len(pos)
    for i, a in enumerate(pos):
        for what, value in hostile.items():
            args = list(base)
            args[i] = value
            yield f"{a.dest}={what}", [name, *args], False
    for opt in _numeric_options(p):
        for value in HOSTILE_NUMBERS:
            yield f"{opt.option_strings[-1]} {value}", [name, *base, opt.option_strings[-1], value], True
    for _opt in _port_options(p):
        for what in ("/dev/null", "a file", "missing"):
            yield f"--port {what}", [name, *base, "--port", hostile[what]], True


def _main_or_usage(argv: list[str], out: list) -> None:
    try:
        out.append(main(argv))
    except SystemExit as exc:  # argparse refusing a value: exit 2 with its usage line, fine
        out.append(exc.code)


def _run_bounded(argv: list[str]) -> int | None:
    out: list[int] = []
    t = threading.Thread(target=_main_or_usage, args=(argv, out), daemon=True)
    t.start()
    t.join(BOUND_S)
    return out[0] if out else None


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_every_command_refuses_malformed_input_in_one_line(name, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TINYSTUDIO_CRASH_DIR", str(tmp_path / "crashes"))
    monkeypatch.chdir(tmp_path)
    seed = gesture_project(tmp_path / "seed").path
    hostile = _hostile_paths(tmp_path)
    problems = []
    calls = list(_calls(name, _subparsers()[name], str(seed), hostile)) or [("no arguments", [name], False)]
    for what, argv, must_fail in calls:
        work = tmp_path / "proj"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(seed, work)
        argv = [str(work) if a == str(seed) else a for a in argv]
        code = _run_bounded(argv)
        err = capsys.readouterr().err
        errors = [ln for ln in err.splitlines() if ln.startswith("tinystudio: error")
                  or ln.startswith(f"tinystudio {name}: error")]
        if code is None:
            problems.append(f"{what}: no answer in {BOUND_S} s")
        elif code == EXIT_INTERNAL or "Traceback" in err or len(errors) > 1 or (must_fail and code == 0):
            problems.append(f"{what}: exit {code}, stderr {err.strip()[-300:]!r}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
