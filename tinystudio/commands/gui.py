"""`tinystudio gui` (and bare `tinystudio`): open the studio window.

With no board plugged in, the window starts the virtual board so the first thing a new
user sees is live data. Qt is imported only inside :func:`run`.
"""

from __future__ import annotations

import argparse

NAME = "gui"
HELP = "Open the studio window (the default when no subcommand is given)."


def add_arguments(parser) -> None:
    parser.add_argument("--project", help="project folder to open (default: the most recent one)")
    parser.add_argument("--port", help="connect to this serial port instead of auto-detecting")
    parser.add_argument("--replay", help="start the virtual board replaying this CSV/HDF5/WAV file")
    parser.add_argument("--virtual", action="store_true", help="use the virtual board even if a board is plugged in")
    parser.add_argument("--no-board", action="store_true", help="start without connecting to any board")
    parser.add_argument("--dark", action="store_true", default=None, help="dark palette")
    parser.add_argument("--light", action="store_true", help="light palette")
    # start-up benchmark: print "SHOWN <modules>" once the window is on screen, then quit
    parser.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)


def run(args) -> int:
    import os
    import sys

    from tinystudio.doctor import window_blockers

    if not os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        blockers = window_blockers()  # Qt would abort with a cryptic plugin message instead
        if blockers:
            print("tinystudio: the window cannot open on this machine:", file=sys.stderr)
            for check in blockers:
                print(f"  {check.detail}\n    fix: {check.fix}", file=sys.stderr)
            print("  (tinystudio doctor checks everything; every step also works as a command)",
                  file=sys.stderr)
            return 2

    from tinystudio.ui.app import create_app, install_excepthook
    from tinystudio.ui.main_window import MainWindow

    dark = True if getattr(args, "dark", None) else (False if getattr(args, "light", False) else None)
    app = create_app(sys.argv[:1], dark=dark)
    install_excepthook()
    window = MainWindow()
    window.show()
    if getattr(args, "exit_when_shown", False):
        def report(tag: str) -> None:
            heavy = [m for m in ("tensorflow", "keras", "h5py", "pyqtgraph") if m in sys.modules]
            print(f"{tag} " + ",".join(heavy), flush=True)

        window.shown.connect(lambda: report("SHOWN"))
        window.ready.connect(lambda: (report("READY"), app.quit()))
        return app.exec()
    virtual = False if getattr(args, "no_board", False) else (True if getattr(args, "virtual", False) else None)
    window.start(
        project=getattr(args, "project", None),
        port=getattr(args, "port", None),
        virtual=virtual,
        replay=getattr(args, "replay", None),
    )
    return app.exec()
