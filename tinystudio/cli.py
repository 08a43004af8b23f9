"""``tinystudio``: the GUI when run bare, headless subcommands otherwise.

Subcommands live in ``tinystudio/commands/<name>.py``; each module defines ``NAME``,
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. They are discovered here so
that adding a command never means editing a shared list, and each command imports its
heavy dependencies (TensorFlow, h5py, Qt) only inside ``run``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence

from tinystudio import __version__, commands
from tinystudio.errors import TinyStudioError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"tinystudio.commands.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            yield module


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinystudio",
        description="Offline TinyML studio. Run without a subcommand to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"tinystudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


_TOP_LEVEL_ONLY = {"-h", "--help", "--version"}


def _default_to_gui(argv: list[str]) -> list[str]:
    """``tinystudio --dark`` means ``tinystudio gui --dark``: window options need no subcommand."""
    if argv and argv[0].startswith("-") and argv[0] not in _TOP_LEVEL_ONLY:
        return ["gui", *argv]
    return argv


#: Exit code of an unexpected exception (BSD EX_SOFTWARE: an internal software error).
EXIT_INTERNAL = 70
#: Set to 1 to get the raw traceback instead of a crash report (for developers).
DEBUG_ENV = "TINYSTUDIO_DEBUG"


def _one_line(text: str) -> str:
    return " ".join(str(text).split("\n")).strip()


def _error(text: str, args=None, exit_code: int = 1) -> None:
    """One line on stderr; with ``--json`` also one JSON error object on stdout, so a
    script reading stdout learns what failed instead of finding it empty."""
    print(f"tinystudio: error: {_one_line(text)}", file=sys.stderr)
    if getattr(args, "json", False):
        import json

        with contextlib.suppress(OSError, ValueError):
            print(json.dumps({"error": _one_line(text), "exit_code": exit_code}), flush=True)


def _os_error_message(exc: OSError) -> str | None:
    """A clear line for an I/O problem the user can fix (disk full, permissions, missing
    file), or None when the error carries nothing to name."""
    if exc.strerror is None or exc.filename is None:
        return None
    hint = {errno.ENOSPC: "free some space and try again", errno.EACCES: "check the permissions",
            errno.EPERM: "check the permissions", errno.EROFS: "the file system is read-only",
            errno.ENOENT: "check the path", errno.EDQUOT: "free some space and try again"}.get(exc.errno, "")
    return f"{exc.filename}: {exc.strerror}" + (f"; {hint}" if hint else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command. Expected errors print one line; an unexpected exception prints one
    line naming a crash-report file that holds its traceback (never the traceback itself)."""
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(_default_to_gui(list(sys.argv[1:] if argv is None else argv)))
        run = getattr(args, "_run", None)
        if run is None:
            from tinystudio.commands.gui import run as run_gui

            run = run_gui
        return int(run(args) or 0)
    except TinyStudioError as exc:
        _error(str(exc), args, exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tinystudio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tinystudio ... | head`: the reader went away, not an error
        with contextlib.suppress(OSError):
            sys.stderr.close()
        return 141
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        message = _os_error_message(exc) if isinstance(exc, OSError) else None
        if message is not None:
            _error(message, args)
            return 1
        from tinystudio.crash import crash_message, write_crash_report

        report = write_crash_report(type(exc), exc, exc.__traceback__, "cli")
        _error(crash_message(exc, report), args, EXIT_INTERNAL)
        if report is None:
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
