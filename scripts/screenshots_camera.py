"""Render the camera pages of the real app (virtual camera from an image folder) into PNGs.

    python scripts/screenshots_camera.py OUT_DIR [--dark] [--sizes 1024x700,1600x1000]

Offscreen Qt; no display needed. Drives the window like a person: the images example
project, the virtual board's camera showing the digits folder (Device page), a 3 s take
on the Record page, that take's frames on the Label page with a range labeled by key,
then the person-detection example flashed to a virtual board (sparkfun_edge profile,
320 KB slot) whose camera shows the model's two test images, with its predictions beside
the frame (Deploy page). Files: ``{light|dark}-{W}x{H}-camera-{n}-{page}.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from screenshots import wait  # noqa: E402  (the same event-loop wait as the page shots)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="folder for the PNG files")
    ap.add_argument("--dark", action="store_true")
    ap.add_argument("--sizes", default="1024x700,1600x1000")
    args = ap.parse_args()
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    palette = "dark" if args.dark else "light"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tinystudio-camshots-"))
    os.environ["TINYSTUDIO_SETTINGS_DIR"] = str(tmp / "settings")
    examples = REPO / "resources" / "examples"

    from tinystudio.examples import create_example
    from tinystudio.ui.app import create_app
    from tinystudio.ui.board_controller import VirtualBoardOptions
    from tinystudio.ui.main_window import MainWindow

    create_example("images", tmp / "images")
    create_example("person-detection", tmp / "person")
    create_app(dark=args.dark)
    w = MainWindow()
    w.resize(1440, 900)
    w.show()
    w.build_pages()
    w.open_project(tmp / "images")
    wait(20, lambda: w.ctx.project is not None)
    board, errors = w.board, []
    w.ctx.error.connect(errors.append)
    board.error.connect(errors.append)

    def shot(page: str, name: str) -> None:
        w.show_page(page)
        for width, height in sizes:
            w.resize(width, height)
            wait(1.0)
            path = out / f"{palette}-{width}x{height}-camera-{name}.png"
            w.grab().save(str(path))
            print(f"wrote {path}", flush=True)

    board.connect_virtual(VirtualBoardOptions(sensors="camera",
                                              extra=("--camera-folder", str(examples / "digits"))))
    if not wait(60, lambda: board.session is not None):
        raise SystemExit(f"the virtual board did not connect: {errors}")
    w.show_page("Device")
    wait(4.0)
    shot("Device", "1-device")

    rec = w.record_page
    w.show_page("Record")
    rec.label_combo.setEditText("zero")
    rec.duration.setValue(3.0)
    rec.countdown.setValue(0)
    rec.record_button.click()
    wait(30, lambda: rec.last_recording is not None)
    shot("Record", "2-record")

    label = w.label_page
    take = rec.last_recording
    label.select_recording(take.id)
    w.show_page("Label")
    wait(15, lambda: label.current is not None and label.current.id == take.id)
    label.frames.select_range(12, 24)
    label.hotkey_class(w.ctx.project.classes.index("one") + 1)
    label.frames.set_current(14)
    shot("Label", "3-label")
    digits = next(r for r in w.ctx.project.recordings() if r.id != take.id)
    label.select_recording(digits.id)
    wait(15, lambda: label.current is not None and label.current.id == digits.id)
    label.frames.set_current(5)
    shot("Label", "4-label-images")

    w.open_project(tmp / "person")
    wait(20, lambda: w.ctx.project is not None and w.ctx.project.path == tmp / "person")
    board.connect_virtual(VirtualBoardOptions(sensors="camera", extra=(
        "--board", "sparkfun_edge", "--camera-folder", str(examples / "person_detection"))))
    wait(60, lambda: board.session is not None and board.info.board_id == "sparkfun_edge")
    deploy = w.deploy_page
    w.show_page("Deploy")
    wait(20, lambda: deploy.package is not None and deploy.flash_button.isEnabled())
    deploy.flash()
    if not wait(120, lambda: deploy.flash_result is not None):
        raise SystemExit(f"flashing failed: {errors}")
    wait(30, lambda: deploy.listener is not None and deploy.listener.total >= 20
         and deploy.big.text == "person")
    shot("Deploy", "5-deploy")
    w.close()
    if errors:
        print("errors shown in the window:", *errors, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
