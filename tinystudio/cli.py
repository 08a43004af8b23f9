"""``tinystudio``: the GUI when run bare, headless subcommands otherwise.

Subcommands live in ``tinystudio/commands/<name>.py``; each module defines ``NAME``,
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. They are discovered here so
that adding a command never means editing a shared list, and each command imports its
heavy dependencies (TensorFlow, h5py, Qt) only inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_default_to_gui(list(sys.argv[1:] if argv is None else argv)))
    run = getattr(args, "_run", None)
    if run is None:
        from tinystudio.commands.gui import run as run_gui

        run = run_gui
    try:
        return int(run(args) or 0)
    except TinyStudioError as exc:
        print(f"tinystudio: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tinystudio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
