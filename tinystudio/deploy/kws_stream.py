"""A continuous test stream for a keyword model: audio plus where each keyword is.

Why: a keyword model is trained and tested on one-second clips, but a wake word is used on
endless audio, where what matters is how often it fires on nothing (false activations per
hour) and how many spoken keywords it misses. The studio builds such a stream itself from
the project's **test-split** clips (never seen in training): every keyword clip
``repeats`` times, in a seeded random order, between stretches of the test split's
background clips (classes named silence/noise/unknown/background), so the keyword offsets
are known exactly and the same seed gives the same stream. A user's own long recording
comes with a labels CSV (``label,start_s,end_s``) instead.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinystudio.deploy.recognize import NOT_KEYWORDS
from tinystudio.errors import DeployError

RATE = 16000


@dataclass(frozen=True)
class KeywordEvent:
    """One keyword in the stream: its label and where its clip lies, in seconds."""

    label: str
    start_s: float
    end_s: float


@dataclass
class TestStream:
    audio: np.ndarray  # int16 mono at RATE
    events: list[KeywordEvent]
    source: str  # what it was made from (for the report)

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def _test_clips(project_path) -> tuple[dict[str, list[np.ndarray]], list[np.ndarray]]:
    """Keyword clips by label and background clips, from the project's test split (16 kHz)."""
    from tinystudio.dataset import Project
    from tinystudio.dsp.audio import resample_int16

    project = Project.open(project_path)
    keywords: dict[str, list[np.ndarray]] = {}
    background: list[np.ndarray] = []
    for ls in project.labeled_segments("test"):
        rec, seg = ls.recording, ls.segment
        if rec.sensor_kind != "microphone" or not seg.label:
            continue
        clip = resample_int16(np.asarray(rec.read(seg.start, seg.end))[:, 0], int(round(rec.rate_hz)))
        if seg.label.lower() in NOT_KEYWORDS:
            background.append(clip)
        else:
            keywords.setdefault(seg.label, []).append(clip)
    return keywords, background


def _noise(background: list[np.ndarray], seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``seconds`` of background: test-split background clips end to end, each at a random
    gain, in a random order (random white noise at room level if the project has none)."""
    n = int(round(seconds * RATE))
    if not background:
        return np.clip(rng.normal(0, 300, n), -32768, 32767).astype(np.int16)
    parts, total = [], 0
    while total < n:
        clip = background[int(rng.integers(len(background)))].astype(np.float64)
        parts.append(clip * rng.uniform(0.7, 1.3))
        total += len(clip)
    return np.clip(np.round(np.concatenate(parts)[:n]), -32768, 32767).astype(np.int16)


def build_stream(project_path, *, seed: int = 0, repeats: int = 3, gap_s: tuple[float, float] = (2.5, 4.5),
                 extra_noise_s: float = 0.0) -> TestStream:
    """Keyword clips of the test split between background stretches of ``gap_s`` seconds,
    then ``extra_noise_s`` seconds of background alone (for a steadier false-activation rate).
    The gap's lower bound keeps one keyword's detection from landing on the next."""
    keywords, background = _test_clips(project_path)
    if not keywords:
        raise DeployError(f"{project_path}: the test split holds no keyword clips (microphone segments "
                          "labeled other than silence/noise/unknown); record or import keyword takes and "
                          "run `tinystudio split` and `tinystudio train` first, or pass --continuous FILE.wav "
                          "--labels FILE.csv")
    rng = np.random.default_rng(seed)
    order = [(lab, clip) for lab in sorted(keywords) for clip in keywords[lab] for _ in range(repeats)]
    order = [order[i] for i in rng.permutation(len(order))]
    parts, events, at = [], [], 0
    for label, clip in order:
        gap = _noise(background, rng.uniform(*gap_s), rng)
        parts += [gap, clip]
        at += len(gap)
        events.append(KeywordEvent(label, at / RATE, (at + len(clip)) / RATE))
        at += len(clip)
    parts.append(_noise(background, gap_s[1] + extra_noise_s, rng))
    n_kw = sum(len(v) for v in keywords.values())
    return TestStream(np.concatenate(parts), events,
                      f"{n_kw} test-split keyword clips x {repeats} between {len(background)} background clips "
                      f"(seed {seed})")


def write_stream(stream: TestStream, wav_path: str | Path) -> Path:
    """Write ``FILE.wav`` and its labels ``FILE.csv`` (the format :func:`read_stream` reads)."""
    from tinystudio.dataset.importers.wav import write_wav

    wav_path = Path(wav_path)
    write_wav(wav_path, stream.audio[:, None], RATE, 16)
    csv_path = wav_path.with_suffix(".csv")
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["label", "start_s", "end_s"])
        for e in stream.events:
            w.writerow([e.label, f"{e.start_s:.4f}", f"{e.end_s:.4f}"])
    return csv_path


def read_labels(csv_path: str | Path) -> list[KeywordEvent]:
    """``label,start_s,end_s`` rows (a header row is skipped); refuses anything else by line."""
    csv_path = Path(csv_path)
    try:
        rows = list(csv.reader(csv_path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise DeployError(f"{csv_path}: cannot read the keyword labels ({exc})") from None
    events = []
    for i, row in enumerate(rows, 1):
        if not row or (i == 1 and row[0].strip().lower() == "label"):
            continue
        try:
            label, start, end = row[0].strip(), float(row[1]), float(row[2])
        except (IndexError, ValueError):
            raise DeployError(f"{csv_path}:{i}: expected label,start_s,end_s (seconds), got {','.join(row)[:80]!r}") from None
        if not label or not 0 <= start < end:
            raise DeployError(f"{csv_path}:{i}: a label and 0 <= start_s < end_s are needed")
        if label.lower() not in NOT_KEYWORDS:
            events.append(KeywordEvent(label, start, end))
    return sorted(events, key=lambda e: e.start_s)


def read_stream(wav_path: str | Path, csv_path: str | Path) -> TestStream:
    from tinystudio.dsp.audio import read_wav, resample_int16

    wav_path = Path(wav_path)
    if not wav_path.exists():
        raise DeployError(f"{wav_path}: no such file; pass a 16-bit WAV recording")
    rate, samples = read_wav(wav_path)
    audio = resample_int16(np.asarray(samples).reshape(len(samples), -1)[:, 0], rate)
    return TestStream(audio, read_labels(csv_path), str(wav_path))
