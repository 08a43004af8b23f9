"""Continuous evaluation of a keyword model: false activations per hour and misses.

Why: clip accuracy says little about a wake word. Here the model runs on a long stream
exactly as a board runs it (the virtual board's window maker, ``KeywordWindows``, one
window every descriptor stride; the model in TFLM) and its scores go through the same
:class:`~tinystudio.deploy.recognize.Recognizer` the Deploy page uses. Scores are computed
once; the recognizer is replayed for every threshold of the sweep (cheap).

Matching (docs/keywords.md): a detection at time ``t`` (the end of its window) is a hit
when an inserted keyword of the same label, not yet hit, satisfies
``start < t <= end + window + stride`` (the windows that overlap the clip, plus one result
of averaging lag); every other detection is a false activation. FA/h = false activations
/ stream hours. The chosen threshold: among thresholds with FA/h <= the target, the fewest
misses, then the fewest false activations, then the middle of the tied thresholds (margin
both ways); if none meets the target, the fewest false activations, then the fewest misses.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from tinystudio.deploy.kws_stream import RATE, KeywordEvent, TestStream
from tinystudio.deploy.recognize import Detection, RecognitionSettings, Recognizer
from tinystudio.errors import DeployError

THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))  # 0.30 .. 0.95
BLOCK = 1600  # samples per block fed to the window maker (100 ms, as a board's mic DMA)


@dataclass
class ThresholdResult:
    threshold: float
    detections: int
    hits: int
    false_activations: int
    fa_per_hour: float
    misses: int
    miss_rate: float
    per_keyword: dict[str, dict] = field(default_factory=dict)  # label -> inserted, missed, miss_rate


@dataclass
class ContinuousReport:
    source: str
    stream_seconds: float
    keywords_inserted: int
    windows: int
    settings: dict  # the recognizer's settings other than the threshold
    target_fa_per_hour: float
    results: list[ThresholdResult]
    chosen: ThresholdResult
    target_met: bool
    saved_to: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def stream_scores(package, audio: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """``(board time ms at the window's end, dequantized scores)`` for every live window."""
    from tinystudio.boards.virtual.frontend import live_windows
    from tinystudio.deploy.board_package import board_descriptor
    from tinystudio.ml.package import dequantize
    from tinystudio.ml.sandbox import SandboxedRunner

    desc = package.descriptor
    windows = live_windows(board_descriptor(desc), list(desc.input_shape))
    ends = windows.n  # sample index of the first window's end
    out = []
    with SandboxedRunner(package.tflite, "the project's model") as runner:
        for start in range(0, len(audio), BLOCK):
            for x in windows.feed(audio[start: start + BLOCK]):
                q = runner.run(x)
                out.append((1000.0 * ends / RATE, dequantize(q, desc.output_scale, desc.output_zero_point)))
                ends += windows.step
    return out


def detect(labels, scores, settings: RecognitionSettings) -> list[Detection]:
    rec = Recognizer(labels, settings)
    return [d for t, s in scores if (d := rec.update(t, s)) is not None]


def score_detections(detections: list[Detection], events: list[KeywordEvent], *, late_s: float,
                     threshold: float, seconds: float) -> ThresholdResult:
    """Hits, false activations and misses of one threshold's detections (rule: module doc)."""
    hit = [False] * len(events)
    false = 0
    for d in detections:
        t = d.time_ms / 1000.0
        i = next((i for i, e in enumerate(events)
                  if not hit[i] and e.label == d.label and e.start_s < t <= e.end_s + late_s), None)
        if i is None:
            false += 1
        else:
            hit[i] = True
    per = {}
    for label in sorted({e.label for e in events}):
        idx = [i for i, e in enumerate(events) if e.label == label]
        missed = sum(not hit[i] for i in idx)
        per[label] = {"inserted": len(idx), "missed": missed, "miss_rate": round(missed / len(idx), 4)}
    misses = hit.count(False)
    hours = seconds / 3600.0
    return ThresholdResult(threshold, len(detections), hit.count(True), false,
                           round(false / hours, 2) if hours else 0.0, misses,
                           round(misses / len(events), 4) if events else 0.0, per)


def choose(results: list[ThresholdResult], target_fa_per_hour: float) -> tuple[ThresholdResult, bool]:
    """The threshold the recognizer should use (rule: module doc) and whether it meets the target."""
    ok = [r for r in results if r.fa_per_hour <= target_fa_per_hour]
    if ok:
        best = min((r.misses, r.false_activations) for r in ok)
        tied = [r for r in ok if (r.misses, r.false_activations) == best]
        return tied[(len(tied) - 1) // 2], True
    return min(results, key=lambda r: (r.false_activations, r.misses, -r.threshold)), False


def base_settings(desc) -> RecognitionSettings:
    """The recognizer's settings for this model, whatever threshold it holds."""
    return RecognitionSettings.for_descriptor(desc)


def evaluate_stream(package, stream: TestStream, *, thresholds=THRESHOLDS,
                    target_fa_per_hour: float = 1.0) -> ContinuousReport:
    """Sweep ``thresholds`` over one stream (see the module doc for the rules)."""
    desc = package.descriptor
    if desc.sensor_kind != "microphone" or desc.frontend not in ("microfrontend", "micro_speech"):
        raise DeployError(f"the model {desc.model_name or ''} is a {desc.sensor_kind} model; continuous "
                          "evaluation is for keyword (microphone) models: train a microphone project")
    if not stream.events:
        raise DeployError(f"{stream.source}: no keyword in the labels; label at least one keyword "
                          "(label,start_s,end_s) so misses can be counted")
    scores = stream_scores(package, stream.audio)
    base = base_settings(desc)
    late_s = (desc.window + desc.stride) / desc.rate_hz
    results = [score_detections(detect(desc.labels, scores, replace(base, threshold=float(th))), stream.events,
                                late_s=late_s, threshold=float(th), seconds=stream.seconds)
               for th in thresholds]
    chosen, met = choose(results, target_fa_per_hour)
    settings = {k: v for k, v in asdict(base).items() if k != "threshold"}
    return ContinuousReport(stream.source, round(stream.seconds, 2), len(stream.events), len(scores),
                            settings, target_fa_per_hour, results, chosen, met)


def save_threshold(project_path, report: ContinuousReport) -> str:
    """Write the chosen settings (and what they were measured on) into the current model's
    descriptor, where the Deploy page's recognizer reads them."""
    from tinystudio.ml.package import DESCRIPTOR_FILE, ModelPackage
    from tinystudio.ml.store import current_package_dir

    folder = current_package_dir(project_path)
    package = ModelPackage.load(folder)
    c = report.chosen
    package.descriptor.recognition = {
        **report.settings, "threshold": c.threshold, "fa_per_hour": c.fa_per_hour, "miss_rate": c.miss_rate,
        "stream_seconds": report.stream_seconds, "target_fa_per_hour": report.target_fa_per_hour}
    package.descriptor.validate(str(folder / DESCRIPTOR_FILE))
    package.save(folder)
    save_report(folder, report)
    return str(folder / DESCRIPTOR_FILE)


#: The whole sweep of the last continuous evaluation, beside the model it measured (the
#: Train page draws its trade-off from it; a retrained model is a new folder without one).
REPORT_FILE = "continuous.json"


def save_report(folder, report: ContinuousReport) -> None:
    path = Path(folder) / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report.to_json(), indent=1), encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class TradeoffPoint:
    threshold: float
    fa_per_hour: float
    miss_rate: float


@dataclass(frozen=True)
class SavedTradeoff:
    """What the Train page draws: every threshold's cost, the chosen one, on what stream."""

    points: tuple[TradeoffPoint, ...]
    chosen: TradeoffPoint
    stream_seconds: float
    keywords: int
    target_fa_per_hour: float
    target_met: bool


def load_tradeoff(folder) -> SavedTradeoff | None:
    """The saved sweep of the model in ``folder``, or None when there is none; a file that is
    not a sweep (hand-edited, truncated, hostile) is a DeployError naming it."""
    from tinystudio.dataset.safe_open import read_json
    from tinystudio.errors import DatasetError

    path = Path(folder) / REPORT_FILE
    if not path.exists():
        return None
    try:
        doc = read_json(path, REPORT_FILE)

        def point(d) -> TradeoffPoint:
            p = TradeoffPoint(float(d["threshold"]), float(d["fa_per_hour"]), float(d["miss_rate"]))
            if not all(math.isfinite(v) and v >= 0 for v in (p.threshold, p.fa_per_hour, p.miss_rate)):
                raise ValueError("a figure is negative or not finite")
            return p

        results = doc["results"]
        if not isinstance(results, list) or not 0 < len(results) <= 1000:
            raise ValueError("'results' is not a list of 1..1000 thresholds")
        return SavedTradeoff(tuple(point(r) for r in results), point(doc["chosen"]),
                             float(doc["stream_seconds"]), int(doc["keywords_inserted"]),
                             float(doc["target_fa_per_hour"]), bool(doc["target_met"]))
    except DatasetError as exc:
        raise DeployError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise DeployError(f"{path}: not a continuous-evaluation report ({exc}); run "
                          "`tinystudio evaluate PROJECT --continuous` again") from None
