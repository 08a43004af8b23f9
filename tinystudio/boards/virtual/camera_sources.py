"""Virtual cameras that can show classes: frames from an image folder.

Why: the synthetic camera draws one circling disc, so a model trained on it has nothing
to tell apart (two classes scored 50 %). A folder with one subfolder per class
(``cats/``, ``dogs/``; the layout `import` reads) becomes a camera that shows each
class's images in turn, a few frames per image, so a user can record "cats" while the
camera shows cats, exactly as they would point a real camera. It is the source CI uses.

Frames are produced as a board's camera sends them: GRAY8 (or RGB888) ``size x size``,
each image scaled to fill the frame with the same bilinear definition the image front
end uses (tinystudio.dsp.image), plus a little sensor noise so two takes of one image
are not byte-identical. Like every virtual sensor it has ``info``, ``generate(n)`` and
``boundaries`` (indices where a new class starts within the last block).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinystudio.boards.virtual.sensors import CAMERA_ID
from tinystudio.devices.protocol import ChannelInfo, PixelFormat, SampleType, SensorInfo, SensorKind
from tinystudio.dsp.image import prepare_image
from tinystudio.errors import DeviceError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
#: Images larger than this (either side) are refused before they are decoded into memory.
MAX_SIDE = 2048


def folder_classes(folder: str | Path) -> dict[str, list[Path]]:
    """``{class: [image files]}`` of a folder with one subfolder per class, sorted."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DeviceError(f"camera folder {root} does not exist; give a folder with one subfolder per class")
    classes: dict[str, list[Path]] = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        files = sorted(f for f in sub.iterdir()
                       if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file() and not f.is_symlink())
        if files:
            classes[sub.name] = files
    if not classes:
        raise DeviceError(f"camera folder {root} has no class subfolders with images "
                          f"({', '.join(IMAGE_SUFFIXES)}); put each class's images in its own subfolder")
    return classes


def _load(path: Path) -> np.ndarray:
    from PIL import Image

    from tinystudio.image_errors import pil_decode_errors

    try:
        with Image.open(path) as im:
            if max(im.size) > MAX_SIDE:
                raise DeviceError(f"{path}: {im.size[0]}x{im.size[1]} is larger than {MAX_SIDE} pixels a side; "
                                  "scale it down first")
            im = im.convert("RGB")
            return np.asarray(im, dtype=np.uint8)
    except pil_decode_errors() as exc:
        raise DeviceError(f"{path}: not a readable image ({exc})") from None


def camera_info(size: int, fps: float, colour: bool, sensor_id: int = CAMERA_ID) -> SensorInfo:
    chans = tuple(ChannelInfo(n, "", 1.0) for n in (("r", "g", "b") if colour else ("gray",)))
    return SensorInfo(sensor_id, SensorKind.CAMERA, "camera", SampleType.U8, float(fps), chans,
                      width=size, height=size,
                      pixel_format=PixelFormat.RGB888 if colour else PixelFormat.GRAY8)


class FolderCamera:
    """Shows the images of one class after another (``only=None``) or of one class."""

    def __init__(self, folder: str | Path, fps: float = 10.0, size: int = 96, only: str | None = None,
                 frames_per_image: int = 3, images_per_class: int = 4, colour: bool = False,
                 seed: int = 0, sensor_id: int = CAMERA_ID) -> None:
        if not 8 <= size <= 96:
            raise DeviceError(f"camera size {size} must be 8..96 pixels")
        classes = folder_classes(folder)
        if only is not None and only not in classes:
            raise DeviceError(f"camera folder {folder} has no class {only!r}; it has {', '.join(classes)}")
        self.classes = [only] if only is not None else list(classes)
        self.info = camera_info(size, fps, colour, sensor_id)
        self.rate = float(fps)
        self.colour = colour
        self.frames_per_image = max(1, int(frames_per_image))
        self.frames_per_class = self.frames_per_image * max(1, int(images_per_class))
        self._channels = 3 if colour else 1
        # Decoded and scaled once: a folder of a few hundred small images is a few MB.
        self._frames = {c: [self._scaled(f) for f in classes[c]] for c in self.classes}
        self._next_image = {c: 0 for c in self.classes}
        self._current: np.ndarray | None = None
        self._rng = np.random.default_rng(seed + 3)
        self.index = 0
        self.boundaries: list[int] = []

    def _scaled(self, path: Path) -> np.ndarray:
        s = self.info.width
        x = prepare_image(_load(path), s, s, self._channels)
        return np.clip(np.rint(x), 0, 255).astype(np.uint8)

    def label_at(self, index: int) -> str:
        """The class the camera shows at frame ``index`` (what a user records it as)."""
        return self.classes[(index // self.frames_per_class) % len(self.classes)]

    def _frame(self, index: int) -> np.ndarray:
        if index % self.frames_per_image == 0 or self._current is None:
            cls = self.label_at(index)
            images = self._frames[cls]
            self._current = images[self._next_image[cls] % len(images)]
            self._next_image[cls] += 1
        noisy = self._current.astype(np.int16) + self._rng.integers(-2, 3, self._current.shape)
        frame = np.clip(noisy, 0, 255).astype(np.uint8)
        return frame if self.colour else frame[..., 0]

    def generate(self, n: int) -> np.ndarray:
        idx = range(self.index, self.index + n)
        self.boundaries = [k for k, i in enumerate(idx) if i > 0 and i % self.frames_per_class == 0
                           and len(self.classes) > 1]
        out = np.stack([self._frame(i) for i in idx]) if n else self._empty()
        self.index += n
        return out

    def _empty(self) -> np.ndarray:
        s = self.info.width
        return np.zeros((0, s, s, 3) if self.colour else (0, s, s), np.uint8)


#: Frames decoded from one video file at most (a few MB at 96 x 96).
MAX_VIDEO_FRAMES = 3000


class VideoCamera:
    """Plays a video file's frames in a loop, one per camera frame (GIF, animated PNG/WebP
    or multi-page TIFF: whatever Pillow decodes frame by frame; no codec library needed).

    The file's own frame timing is not kept: the board's ``fps`` paces it, as a camera
    pointed at a screen would sample it."""

    def __init__(self, path: str | Path, fps: float = 10.0, size: int = 96, colour: bool = False,
                 seed: int = 0, sensor_id: int = CAMERA_ID) -> None:
        from PIL import Image, ImageSequence

        from tinystudio.image_errors import pil_decode_errors

        if not 8 <= size <= 96:
            raise DeviceError(f"camera size {size} must be 8..96 pixels")
        path = Path(path).expanduser()
        self.info = camera_info(size, fps, colour, sensor_id)
        self.rate = float(fps)
        self.colour = colour
        frames = []
        try:
            with Image.open(path) as im:
                if max(im.size) > MAX_SIDE:
                    raise DeviceError(f"{path}: frames of {im.size[0]}x{im.size[1]} are larger than "
                                      f"{MAX_SIDE} pixels a side; scale the video down first")
                for k, frame in enumerate(ImageSequence.Iterator(im)):
                    if k >= MAX_VIDEO_FRAMES:
                        break
                    x = prepare_image(np.asarray(frame.convert("RGB"), np.uint8), size, size, 3 if colour else 1)
                    frames.append(np.clip(np.rint(x), 0, 255).astype(np.uint8))
        except pil_decode_errors() as exc:
            raise DeviceError(f"{path}: not a video Pillow can read frame by frame "
                              f"(GIF, APNG, WebP, TIFF) ({exc})") from None
        if not frames:
            raise DeviceError(f"{path}: holds no frames")
        self.frames = frames
        self._rng = np.random.default_rng(seed + 4)
        self.index = 0
        self.boundaries: list[int] = []

    def generate(self, n: int) -> np.ndarray:
        s = self.info.width
        out = np.zeros((n, s, s, 3) if self.colour else (n, s, s), np.uint8)
        for k in range(n):
            f = self.frames[(self.index + k) % len(self.frames)].astype(np.int16)
            f = np.clip(f + self._rng.integers(-2, 3, f.shape), 0, 255).astype(np.uint8)
            out[k] = f if self.colour else f[..., 0]
        self.boundaries = []
        self.index += n
        return out
