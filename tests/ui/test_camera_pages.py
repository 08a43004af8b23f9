"""The camera in the window: live frames on Record, a filmstrip on Label, frame labeling.

The virtual board runs as `tinystudio sim --camera-folder` (the Device page's replay
field given a folder), its camera showing real digit images class by class; a take is
recorded through the Record page's own button, and the Label page must show exactly the
recorded pixels and label a frame range by key.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.ui.ui_helpers import record_take

pytestmark = pytest.mark.slow


@pytest.fixture
def camera_folder(tmp_path, examples_dir):
    root = tmp_path / "camera"
    for name in ("zero", "one"):
        (root / name).mkdir(parents=True)
        for f in sorted((examples_dir / "digits" / name).glob("*.png"))[:4]:
            shutil.copy(f, root / name / f.name)
    return root


def test_record_from_the_folder_camera_then_label_frames(qtbot, window, connect_virtual, camera_folder):
    session = connect_virtual(window, replay=camera_folder, sensors=("camera",))
    cam = session.info.sensors[0]
    assert cam.kind.name == "CAMERA" and (cam.width, cam.height) == (96, 96)

    rec = record_take(qtbot, window, "digits", 2.0)
    page = window.record_page
    live = page.live_view.views[0]
    assert live.shown is not None and live.shown.shape == (96, 96)  # the frames are seen
    assert "96x96 gray8" in live.caption.text() and "fps" in live.caption.text()
    assert rec.sensor_kind == "camera" and rec.n_samples == 20
    frames = rec.read().reshape(20, 96, 96)
    # the folder camera's digits, not the synthetic disc: distinct frames with real contrast
    assert frames.max() > 200 and len({f.tobytes() for f in frames}) == 20

    project = window.ctx.project
    project.add_class("zero")
    window.show_page("Label")
    label = window.label_page
    label.select_recording(rec.id)
    qtbot.waitUntil(lambda: label.current is not None and label.current.id == rec.id
                    and not label.frames.isHidden(), timeout=15_000)
    strip = label.frames
    assert strip.grid.count() == 20
    strip.set_current(7)  # the frame under the cursor is drawn large, pixel for pixel
    assert np.array_equal(strip.view.shown, frames[7])
    assert "frame 7 of 20" in strip.view.caption.text() and "digits" in strip.view.caption.text()

    strip.select_range(4, 9)  # frames 4..8, then the key of the second class
    classes = project.classes
    qtbot.keyClick(strip.grid, str(classes.index("zero") + 1))
    segs = sorted(project.segments(rec.id), key=lambda s: s.start)
    assert [(s.start, s.end, s.label) for s in segs] == [(0, 4, "digits"), (4, 9, "zero"), (9, 20, "digits")]
    assert strip.grid.item(5).text().endswith("zero") and strip.grid.item(9).text().endswith("digits")
    label.undo_stack.undo()  # one undo step restores the whole-take label
    assert [(s.start, s.end, s.label) for s in project.segments(rec.id)] == [(0, 20, "digits")]
