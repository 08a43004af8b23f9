"""The folder-sourced virtual camera: it shows each class's real images, class by class."""

from __future__ import annotations

import numpy as np
import pytest

from tinystudio.boards.virtual.board import SimConfig, build_board
from tinystudio.boards.virtual.camera_sources import FolderCamera, folder_classes
from tinystudio.devices.protocol import PixelFormat
from tinystudio.dsp.image import prepare_image
from tinystudio.errors import DeviceError


@pytest.fixture(scope="module")
def digits(examples_dir):
    return examples_dir / "digits"


def test_classes_are_the_subfolders_with_images(digits):
    classes = folder_classes(digits)
    assert sorted(classes) == ["one", "three", "two", "zero"]
    assert all(len(v) == 40 for v in classes.values())


def test_frames_are_the_folder_images_scaled_class_after_class(digits):
    from PIL import Image

    cam = FolderCamera(digits, fps=10, size=32, frames_per_image=2, images_per_class=3)
    frames = cam.generate(cam.frames_per_class * 4 + 1)
    assert frames.shape == (25, 32, 32) and frames.dtype == np.uint8
    assert cam.info.pixel_format == PixelFormat.GRAY8 and cam.info.width == 32
    # a new class every 6 frames, in folder order, and the boundaries say so
    assert [cam.label_at(i) for i in (0, 5, 6, 12, 18, 24)] == ["one", "one", "three", "two", "zero", "one"]
    assert cam.boundaries == [6, 12, 18, 24]
    first = folder_classes(digits)["one"][0]
    expected = prepare_image(np.asarray(Image.open(first).convert("RGB")), 32, 32, 1)[..., 0]
    for k in (0, 1):  # one image is shown for frames_per_image frames, with +-2 noise
        assert np.max(np.abs(frames[k].astype(int) - np.rint(expected))) <= 2
    second = folder_classes(digits)["one"][1]
    exp2 = prepare_image(np.asarray(Image.open(second).convert("RGB")), 32, 32, 1)[..., 0]
    assert np.max(np.abs(frames[2].astype(int) - np.rint(exp2))) <= 2
    assert np.abs(frames[2].astype(int) - frames[0]).mean() > 5  # a different digit


def test_one_class_only_and_bad_folders_are_named(digits, tmp_path):
    cam = FolderCamera(digits, size=16, only="two")
    cam.generate(40)
    assert cam.boundaries == [] and cam.label_at(1000) == "two"
    with pytest.raises(DeviceError, match="no class 'cat'.*one, three, two, zero"):
        FolderCamera(digits, only="cat")
    with pytest.raises(DeviceError, match="no class subfolders"):
        FolderCamera(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"not a png")
    with pytest.raises(DeviceError, match="x.png: not a readable image"):
        FolderCamera(tmp_path)


def test_the_board_streams_the_folder_frames_to_the_host(digits):
    from tinystudio.devices.session import BoardSession

    board = build_board(SimConfig(sensors=("camera",), camera_folder=str(digits), camera_size=32,
                                  camera_fps=20.0))
    sent = []
    board.add_block_listener(lambda sensor, block, first: sent.append(np.array(block)))
    board.start()
    session = BoardSession.open(board.port, 115200, mode="binary", reconnect=False)
    try:
        cam = session.info.sensors[0]
        assert (cam.width, cam.height, cam.pixel_format) == (32, 32, PixelFormat.GRAY8)
        session.start()
        import time

        deadline = time.monotonic() + 10
        ring = session.ring(cam.sensor_id)
        while ring.total < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        got = ring.latest(min(ring.total, 8)).reshape(-1, 32, 32)
    finally:
        session.close()
        board.stop()
    all_sent = np.concatenate(sent)
    assert len(got) >= 8
    # every frame the host holds is byte-identical to one the board generated, in order
    idx = [int(np.nonzero((all_sent == f).all(axis=(1, 2)))[0][0]) for f in got]
    assert idx == sorted(idx) and len(set(idx)) == len(idx)


def test_a_video_file_plays_its_frames_in_a_loop(tmp_path):
    from PIL import Image

    from tinystudio.boards.virtual.camera_sources import VideoCamera

    rng = np.random.default_rng(4)
    frames = [rng.integers(0, 256, (24, 32), dtype=np.uint8) for _ in range(5)]
    gif = tmp_path / "clip.gif"
    Image.fromarray(frames[0]).save(gif, save_all=True, append_images=[Image.fromarray(f) for f in frames[1:]],
                                    duration=100, loop=0)
    cam = VideoCamera(gif, fps=10, size=16)
    got = cam.generate(12)
    assert got.shape == (12, 16, 16)
    for k in range(12):  # frame k mod 5 of the file, scaled by the front end's definition, +-2 noise
        src = np.repeat(frames[k % 5][..., None], 3, axis=-1)
        want = np.rint(prepare_image(src, 16, 16, 1)[..., 0])
        assert np.max(np.abs(got[k].astype(int) - want)) <= 2, k
    assert np.abs(got[1].astype(int) - got[0]).mean() > 20  # the frames differ: it plays
    with pytest.raises(DeviceError, match="not a video"):
        VideoCamera(tmp_path / "missing.gif")
