"""From a project's labeled segments to model examples, the same way for every caller.

Training, evaluation, ``classify`` and the board-parity check all cut windows here, so
a test window on the host and on the board is the same window. Per sensor kind:

* ``imu`` (frontend ``raw``): windows of ``window`` samples every ``stride`` samples
  inside each segment, raw values as recorded (the descriptor maps raw -> int8 input).
* ``microphone`` (frontend ``micro_speech``): one second per segment (shorter segments
  are padded with silence, as TFLM's micro_speech does), int16 at 16 kHz.
* ``camera`` (frontend ``image``): each frame resized to the model input, 0..255.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from tinystudio.dsp import audio, image
from tinystudio.dsp.windows import WindowSpec, segment_window_starts
from tinystudio.errors import TrainingError

MIN_EXAMPLES_PER_CLASS = 3  # in the training split, after windowing
FRONTEND_FOR = {"imu": "raw", "vibration": "raw", "generic": "raw", "microphone": "microfrontend",
                "camera": "image"}
#: Raw recordings whose rates differ by at most this fraction from the project's rate are
#: resampled to it (loggers measured from millisecond timestamps with jitter and gaps);
#: beyond it the data is another sensor setting and is refused.
RESAMPLE_TOLERANCE = 0.15
DEFAULT_IMAGE_SIZE = (32, 32)
CONTINUOUS_SECONDS = 3.0  # median label longer than this: continuous data, fixed windows
CONTINUOUS_WINDOW_MS = 2000.0
CONTINUOUS_STRIDE_MS = 500.0


@dataclass
class DataSpec:
    """How examples are cut from recordings; becomes part of the model descriptor."""

    sensor_kind: str
    frontend: str
    rate_hz: float
    channels: list[str]
    window: int
    stride: int
    sensor_name: str = ""
    raw_scale: list[float] = field(default_factory=list)
    image_shape: tuple[int, int, int] | None = None  # (h, w, c) model input for images
    #: recording id -> its own rate, for raw recordings resampled to ``rate_hz``.
    resampled: dict[str, float] = field(default_factory=dict)


def data_spec(project, settings: dict | None = None) -> DataSpec:
    """Check the recordings agree (one sensor, rate, channel set) and fix window sizes."""
    settings = settings or {}
    recs = [r for r in project.recordings() if r.segments]
    if not recs:
        raise TrainingError(f"{project.path}: no labeled segments; label some recordings first")
    kinds = {r.sensor_kind for r in recs}
    if len(kinds) > 1:
        raise TrainingError(f"{project.path}: recordings mix sensor kinds {sorted(kinds)}; "
                            "keep one sensor per project")
    kind = kinds.pop()
    if kind not in FRONTEND_FOR:
        raise TrainingError(f"{project.path}: no model for sensor kind {kind!r}")
    first = recs[0]
    frontend = FRONTEND_FOR[kind]
    rate = _project_rate(recs) if frontend == "raw" else float(first.rate_hz)
    resampled: dict[str, float] = {}
    for r in recs[1:]:
        if r.channel_names != first.channel_names:
            raise TrainingError(f"{r.path.name}: channels {r.channel_names} differ from "
                                f"{first.channel_names} in {first.path.name}; keep one sensor layout")
    if frontend in audio.AUDIO_FRONTENDS:  # every clip is resampled to 16 kHz (_audio_clips)
        resampled.update({r.id: float(r.rate_hz) for r in recs
                          if abs(r.rate_hz - audio.SAMPLE_RATE) > 1e-6 * audio.SAMPLE_RATE})
    if frontend == "raw":
        for r in recs:
            if abs(r.rate_hz - rate) > 1e-6 * rate:
                if abs(r.rate_hz - rate) > RESAMPLE_TOLERANCE * rate:
                    raise TrainingError(
                        f"{r.path.name}: {r.rate_hz} Hz is more than {RESAMPLE_TOLERANCE:.0%} from the "
                        f"project's {rate} Hz (the median of its recordings); keep one sensor "
                        "setting per project or split it")
                resampled[r.id] = float(r.rate_hz)
    spec = DataSpec(kind, frontend, rate, list(first.channel_names), 1, 1,
                    first.sensor_name, [float(s) for s in first.scale], resampled=resampled)
    if frontend in audio.AUDIO_FRONTENDS:
        spec.window = spec.stride = audio.CLIP_SAMPLES
        spec.rate_hz = float(audio.SAMPLE_RATE)
        spec.stride = int(settings.get("stride", audio.CLIP_SAMPLES // 2))
    elif frontend == "image":
        h, w = settings.get("image_size", DEFAULT_IMAGE_SIZE)
        c = 1 if settings.get("grayscale", not _is_color(recs)) else 3
        spec.image_shape = (int(h), int(w), c)
    else:
        spec.window, spec.stride = _imu_window(project, settings, spec.rate_hz)
    return spec


def _project_rate(recs) -> float:
    """The rate raw recordings are trained at: the median of theirs (a measured logger
    rate of 333-349 Hz gives one rate near the middle, not the first file's)."""
    rates = sorted(float(r.rate_hz) for r in recs)
    return rates[(len(rates) - 1) // 2]


def resampled_message(spec: DataSpec) -> str:
    lo, hi = min(spec.resampled.values()), max(spec.resampled.values())
    span = f"{lo:g} Hz" if lo == hi else f"{lo:g}-{hi:g} Hz"
    return (f"resampled {len(spec.resampled)} recording(s) ({span}) to the project's "
            f"{spec.rate_hz:g} Hz by linear interpolation before windowing")


def resample_part(data: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
    """Linear interpolation of ``(n, ch)`` samples at ``from_hz`` onto a ``to_hz`` grid
    over the same span of time."""
    n = len(data)
    if n < 2:
        return data.astype(np.float32)
    m = max(1, int(np.floor((n - 1) * to_hz / from_hz)) + 1)
    t_new = np.arange(m) * (from_hz / to_hz)
    t_old = np.arange(n, dtype=np.float64)
    out = np.stack([np.interp(t_new, t_old, data[:, c].astype(np.float64)) for c in range(data.shape[1])], 1)
    return out.astype(np.float32)


def _is_color(recs) -> bool:
    """Colour is kept when the data is colour (classes may differ by it): some recording's
    first frame has channels that differ. Gray pictures saved as RGB stay gray."""
    for r in recs:
        if r.n_samples:
            frame = np.asarray(r.read(0, 1)[0])
            if frame.ndim == 3 and frame.shape[-1] >= 3 and not (
                    np.array_equal(frame[..., 0], frame[..., 1])
                    and np.array_equal(frame[..., 0], frame[..., 2])):
                return True
    return False


def _imu_window(project, settings: dict, rate: float) -> tuple[int, int]:
    if "window" in settings or "window_ms" in settings:
        if "window" in settings:
            length = int(settings["window"])
            stride = int(settings.get("stride", max(1, length // 4)))
        else:
            ws = WindowSpec.from_ms(float(settings["window_ms"]),
                                    float(settings.get("stride_ms", settings["window_ms"] / 4)), rate)
            length, stride = ws.length, ws.stride
        if length < 1 or stride < 1:  # 1: one sample per example (regression of y = f(x))
            raise TrainingError(f"window {length} / stride {stride} samples: both must be positive")
        return length, stride
    lengths = [ls.end - ls.start for ls in project.labeled_segments()]
    return default_window(lengths, rate)


def default_window(segment_lengths: list[int], rate: float) -> tuple[int, int]:
    """``(window, stride)`` in samples from the labeled segments.

    Gesture-length labels (a median up to ``CONTINUOUS_SECONDS``) give one window the
    length of a typical gesture, as labeled, with a quarter-window stride. Longer labels
    are continuous motion labeled whole (Edge Impulse's workflow, loggers, phone apps):
    one window per recording would leave nothing to learn from, so they get fixed
    ``CONTINUOUS_WINDOW_MS`` windows every ``CONTINUOUS_STRIDE_MS``.
    """
    median = float(np.median(segment_lengths))
    if median <= CONTINUOUS_SECONDS * rate:
        length = int(median)
        return length, max(1, length // 4)
    ws = WindowSpec.from_ms(CONTINUOUS_WINDOW_MS, CONTINUOUS_STRIDE_MS, rate)
    return max(2, ws.length), ws.stride


@dataclass
class Examples:
    """Examples in the front end's input form (before the model's quantization)."""

    x: np.ndarray  # imu: raw (n, window, ch); audio: int16 (n, 16000); image: (n, h, w, c)
    labels: list[str]
    sources: list[str]  # "recording:start" per example, for messages and reports
    skipped: list[str] = field(default_factory=list)  # recordings shorter than a window
    groups: list[str] = field(default_factory=list)  # segment (or time part) of each example


def _audio_clips(rec, start: int, end: int, stride: int) -> list[np.ndarray]:
    """One-second int16 clips of a segment: padded if shorter, every ``stride`` if longer."""
    data = rec.read(start, end)
    data = data[:, 0] if data.ndim == 2 else data
    if np.issubdtype(data.dtype, np.floating):
        data = np.clip(np.round(data * 32767.0), -32768, 32767)
    clip = audio.resample_int16(data.astype(np.int16), int(round(rec.rate_hz)))
    if len(clip) <= audio.CLIP_SAMPLES:
        out = np.zeros(audio.CLIP_SAMPLES, dtype=np.int16)
        out[: len(clip)] = clip
        return [out]
    starts = segment_window_starts(0, len(clip), len(clip),
                                   WindowSpec(audio.CLIP_SAMPLES, max(1, stride)))
    return [clip[s : s + audio.CLIP_SAMPLES] for s in starts]


def extract(project, spec: DataSpec, split: str | None) -> Examples:
    """Examples of one split ('train', 'test', or None for everything).

    Unassigned segments count as training data. An IMU recording shorter than one window
    is skipped and named in ``Examples.skipped`` (one short take among many must not
    block training); only when nothing at all is left is that an error.
    """
    from tinystudio.dataset.splits import segment_parts

    xs, labels, sources, groups = [], [], [], []
    too_short: dict[str, str] = {}
    for part in segment_parts(project):
        side = part.split if part.split == "test" else "train"
        if split is not None and side != split:
            continue
        ls, rec = part.segment, part.recording
        if spec.frontend in audio.AUDIO_FRONTENDS:
            for clip in _audio_clips(rec, part.start, part.end, spec.stride):
                xs.append(clip)
                labels.append(ls.label)
                sources.append(f"{rec.id}:{part.start}")
                groups.append(part.group)
        elif spec.frontend == "image":
            for i in range(part.start, part.end):
                frame = np.asarray(rec.read(i, i + 1)[0])
                h, w, c = spec.image_shape
                xs.append(image.prepare_image(frame, h, w, c))
                labels.append(ls.label)
                sources.append(f"{rec.id}:{i}")
                groups.append(part.group)
        elif rec.id in spec.resampled:
            _resampled_windows(spec, rec, part, xs, labels, sources, groups, too_short)
        else:
            ws = WindowSpec(spec.window, spec.stride)
            if (part.start, part.end) != (ls.start, ls.end):  # a time-cut part: stay inside it
                n = part.end - part.start
                starts = [part.start + s for s in segment_window_starts(0, n, n, ws)]
            else:
                starts = segment_window_starts(ls.start, ls.end, rec.n_samples, ws)
            if not starts:
                too_short[rec.id] = (f"{rec.id} ({(part.end - part.start) / rec.rate_hz:.2f} s)"
                                     if part.end - part.start < rec.n_samples else
                                     f"{rec.id} ({rec.n_samples / rec.rate_hz:.2f} s)")
                continue
            data = _scaled(spec, rec, rec.read(min(starts), max(starts) + spec.window).astype(np.float32))
            for s in starts:
                xs.append(data[s - min(starts): s - min(starts) + spec.window])
                labels.append(ls.label)
                sources.append(f"{rec.id}:{s}")
                groups.append(part.group)
    if too_short and not xs:
        raise TrainingError(
            f"window of {spec.window} samples ({1000 * spec.window / spec.rate_hz:.0f} ms) is "
            f"longer than recording(s) {', '.join(sorted(too_short.values()))}; choose a shorter "
            "window (`train --window-ms`)"
        )
    empty = np.zeros((0,), dtype=np.float32)
    return Examples(np.stack(xs) if xs else empty, labels, sources,
                    sorted(too_short.values()), groups)


def _scaled(spec: DataSpec, rec, data: np.ndarray) -> np.ndarray:
    if spec.raw_scale and not np.allclose(rec.scale, spec.raw_scale):
        # another board's raw units: express them in the first recording's units
        data = data * (np.asarray(rec.scale) / np.asarray(spec.raw_scale)).astype(np.float32)
    return data


def _resampled_windows(spec, rec, part, xs, labels, sources, groups, too_short) -> None:
    """Windows of a recording at another rate: the part resampled to the project's rate,
    windows cut inside it; sources name the start in the recording's own samples."""
    own = spec.resampled[rec.id]
    data = resample_part(_scaled(spec, rec, rec.read(part.start, part.end).astype(np.float32)),
                         own, spec.rate_hz)
    starts = segment_window_starts(0, len(data), len(data), WindowSpec(spec.window, spec.stride))
    if not starts:
        too_short[rec.id] = f"{rec.id} ({(part.end - part.start) / rec.rate_hz:.2f} s)"
        return
    for s in starts:
        xs.append(data[s: s + spec.window])
        labels.append(part.segment.label)
        sources.append(f"{rec.id}:{part.start + int(round(s * own / spec.rate_hz))}")
        groups.append(part.group)


def skipped_message(spec: DataSpec, skipped: list[str]) -> str:
    shown = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
    return (f"skipped {len(skipped)} recording part(s) shorter than the "
            f"{1000 * spec.window / spec.rate_hz:.0f} ms window: {shown}")


def check_examples(train: Examples, test: Examples, classes: list[str]) -> None:
    """Refuse, before any training, data that cannot give a meaningful model."""
    counts = Counter(train.labels)
    present = [c for c in classes if counts.get(c, 0) > 0]
    if len(present) < 2:
        only = f"only {present[0]!r}" if present else "no class"
        raise TrainingError(f"training needs at least two classes with examples; the project has "
                            f"{only}. Record and label examples of another class")
    few = [f"{c!r} ({counts.get(c, 0)})" for c in present if counts[c] < MIN_EXAMPLES_PER_CLASS]
    if few:
        raise TrainingError(f"too few training examples for class {', '.join(few)}: each class "
                            f"needs at least {MIN_EXAMPLES_PER_CLASS}; record more examples")
    if not test.labels:
        raise TrainingError("the test split is empty; run a split with a non-zero test fraction")


def frontend_inputs(spec: DataSpec, x: np.ndarray, frontend=None) -> np.ndarray:
    """Front-end output for examples: audio -> (n, 49, 40) int8; others unchanged."""
    if spec.frontend not in audio.AUDIO_FRONTENDS:
        return x
    fe = frontend or audio.frontend_for(spec.frontend)
    return np.stack([fe.spectrogram(c) for c in x]) if len(x) else np.zeros((0, audio.N_FRAMES, audio.N_FEATURES), np.int8)
