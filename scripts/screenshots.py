"""Render every page of the real app, connected to the virtual board, into PNG files.

    python scripts/screenshots.py OUT_DIR [--dark] [--epochs 15] [--sizes 1024x700,1600x1000]
    python scripts/screenshots.py docs/screenshots --both   # light and dark, two processes

Offscreen Qt platform; no display needed. The script drives the window like a person:
it imports the punch/flex reference recordings into a fresh project, connects the
virtual board, auto-segments on the Label page, trains on the Train page, then flashes
the model to a virtual board replaying punch.csv and waits for its predictions. Each page
is shot at every size as ``{light|dark}-{W}x{H}-{n}-{page}.png`` (the smallest size the
layout test guarantees, and a large monitor).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def wait(seconds: float, until=None) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    poll = QTimer()
    if until is not None:
        poll.timeout.connect(lambda: until() and loop.quit())
        poll.start(50)
    loop.exec()
    return until() if until is not None else True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="folder for the PNG files")
    ap.add_argument("--dark", action="store_true")
    ap.add_argument("--both", action="store_true", help="run once light and once dark")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--sizes", default="1024x700,1600x1000")
    args = ap.parse_args()
    if args.both:
        import subprocess

        base = [sys.executable, __file__, args.out, "--epochs", str(args.epochs), "--sizes", args.sizes]
        return max(subprocess.call(base), subprocess.call(base + ["--dark"]))
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    palette = "dark" if args.dark else "light"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tinystudio-shots-"))
    os.environ["TINYSTUDIO_SETTINGS_DIR"] = str(tmp / "settings")
    data = REPO / "resources" / "examples" / "gestures_punch_flex"

    from tinystudio.dataset.importers import import_paths

    project = tmp / "gestures"
    import_paths(project, [data / "punch.csv"], label="punch")
    import_paths(project, [data / "flex.csv"], label="flex")

    from tinystudio.ui.app import create_app
    from tinystudio.ui.board_controller import VirtualBoardOptions
    from tinystudio.ui.main_window import MainWindow

    create_app(dark=args.dark)
    w = MainWindow()
    w.resize(1440, 900)
    w.show()
    w.build_pages()
    w.open_project(project)
    wait(20, lambda: w.ctx.project is not None)
    board = w.board
    errors: list[str] = []
    w.ctx.error.connect(errors.append)
    board.error.connect(errors.append)

    def shot(page: str, name: str) -> None:
        w.show_page(page)
        for width, height in sizes:
            w.resize(width, height)
            wait(1.0)
            if (w.width(), w.height()) != (width, height):
                errors.append(f"{page} cannot be {width}x{height}: the window is {w.width()}x{w.height()}")
            path = out / f"{palette}-{width}x{height}-{name}.png"
            w.grab().save(str(path))
            print(f"wrote {path}", flush=True)

    board.connect_virtual(VirtualBoardOptions(sensors="imu,mic"))
    if not wait(60, lambda: board.session is not None):
        raise SystemExit(f"the virtual board did not connect: {errors}")
    w.show_page("Device")
    wait(6.0)
    shot("Device", "1-device")

    rec = w.record_page
    rec.label_combo.setEditText("punch")
    rec.subject.setText("alice")
    rec.panel.select(sorted(r.id for r in w.ctx.project.recordings())[-1])
    wait(10, lambda: rec.preview.n_samples > 0)
    shot("Record", "2-record")

    label = w.label_page
    label.ask_recut = lambda n: True  # the imported takes' blocks are re-cut (no question box)
    label.auto_segment_all()
    wait(30, lambda: label.undo_stack.count() >= 1)  # one undo step for the bulk action
    label.select_recording(sorted(r.id for r in w.ctx.project.recordings())[0])
    wait(10, lambda: label.current is not None)
    shot("Label", "3-label")

    train = w.train_page
    train.epochs.setValue(args.epochs)
    w.show_page("Train")
    train.start()
    if not wait(900, lambda: train.report is not None or not train.running):
        raise SystemExit("training did not finish")
    if train.report is None:
        raise SystemExit(f"training failed: {errors}")
    shot("Train", "4-train")

    board.connect_virtual(VirtualBoardOptions(sensors="imu", replay=str(data / "punch.csv")))
    wait(60, lambda: board.session is not None and board.info.sensors[0].rate_hz == 119)
    deploy = w.deploy_page
    w.show_page("Deploy")
    wait(20, lambda: deploy.package is not None and deploy.flash_button.isEnabled())
    deploy.flash()
    if not wait(120, lambda: deploy.flash_result is not None):
        raise SystemExit(f"flashing failed: {errors}")
    wait(30, lambda: deploy.listener is not None and deploy.listener.total >= 20)
    shot("Deploy", "5-deploy")
    w.close()
    if errors:
        print("errors shown in the window:", *errors, sep="\n  ")
    print(f"done in {time.process_time():.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
