"""Keyword spotting benchmark: the studio's keyword model against the audio baseline, and
false activations per hour on a stream built from the example clips and noise.

    python benchmarks/bench_kws.py [--seconds 120] [--seed 0]

Steps (all real): `tinystudio example keywords` into a temporary folder, `tinystudio train
--json` (int8 test accuracy, model bytes, arena; the audio baseline -- SVM on MFCC statistics
of the same features, same split -- is measured in the same run), host latency of the TFLM
interpreter and of the keyword front end, then a stream: low-level noise with the example
"yes" and "no" clips inserted every 5 s, featurized by the host front end every 100 ms,
scored by the int8 model and passed through the streaming recognizer
(tinystudio/deploy/recognize.py). A detection within 2.5 s after a keyword's start that names
it is a hit; every other detection is a false activation; a sweep of thresholds prints
misses and false activations per hour for each.

Caveat, printed too: the example ships one clip per class, so the stream's keywords are the
training clips themselves (with different noise): an optimistic figure, not a held-out one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tinystudio.deploy.recognize import RecognitionSettings, Recognizer  # noqa: E402
from tinystudio.dsp.audio import read_wav  # noqa: E402
from tinystudio.dsp.microfrontend import KeywordFrontend  # noqa: E402
from tinystudio.ml.inputs import int8_inputs  # noqa: E402
from tinystudio.ml.pipeline import load_current_package  # noqa: E402
from tinystudio.ml.tflm import TflmRunner  # noqa: E402

CLIPS = ROOT / "resources" / "examples" / "micro_speech"
STRIDE = 1600  # 100 ms


def cli(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"tinystudio {args[0]} failed: {proc.stderr[-1000:]}")
    return proc.stdout


def build_stream(seconds: float, seed: int) -> tuple[np.ndarray, list[tuple[float, str]]]:
    rng = np.random.default_rng(seed)
    n = int(seconds * 16000)
    stream = rng.normal(0, 60, n)
    keywords = {w: read_wav(CLIPS / f"{w}_1000ms.wav")[1].astype(np.float64) for w in ("yes", "no")}
    inserted = []
    for i, start in enumerate(range(2 * 16000, n - 16000, 5 * 16000)):
        word = ("yes", "no")[i % 2]
        stream[start : start + 16000] += keywords[word]
        inserted.append((1000.0 * start / 16000, word))
    return np.clip(np.round(stream), -32768, 32767).astype(np.int16), inserted


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "kw"
        cli("example", "keywords", str(project))
        t0 = time.monotonic()
        report = json.loads(cli("train", str(project), "--json", "--seed", str(args.seed)))
        train_s = time.monotonic() - t0
        pkg = load_current_package(project)
    desc = pkg.descriptor
    runner = TflmRunner(pkg.tflite, arena_size=max(64 * 1024, int(report["arena_bytes"]) * 2))
    fe = KeywordFrontend()
    yes = read_wav(CLIPS / "yes_1000ms.wav")[1]
    feats = fe.spectrogram(yes)
    x = int8_inputs(desc, feats[..., None])
    t = time.perf_counter()
    for _ in range(50):
        runner.run(x)
    invoke_ms = (time.perf_counter() - t) / 50 * 1000
    t = time.perf_counter()
    for _ in range(20):
        fe.spectrogram(yes)
    fe_ms = (time.perf_counter() - t) / 20 * 1000

    stream, inserted = build_stream(args.seconds, args.seed)
    timeline = []
    for end in range(16000, len(stream) + 1, STRIDE):
        q = np.asarray(runner.run(int8_inputs(desc, fe.spectrogram(stream[end - 16000 : end])[..., None])))
        timeline.append((1000.0 * end / 16000, (q.reshape(-1).astype(np.float64) - desc.output_zero_point) * desc.output_scale))
    hours = args.seconds / 3600
    base = report.get("baseline") or {}
    acc, base_acc = report["int8_accuracy"], base.get("test_accuracy")
    print(f"keyword model ({report['chosen']}): int8 test accuracy {acc:.3f} on {report['test_windows']} windows, "
          f"{report['model_bytes']} B, arena {report['arena_bytes']} B, trained in {train_s:.0f} s")
    if base_acc is not None:
        print(f"audio baseline ({base.get('method')}): test accuracy {base_acc:.3f}; "
              f"ratio model/baseline {acc / base_acc if base_acc else float('nan'):.3f}")
    print(f"host latency: TFLM invoke {invoke_ms:.2f} ms, keyword front end {fe_ms:.2f} ms per second of audio")
    top = np.max(np.asarray([sc for _, sc in timeline]), axis=0)
    print("highest raw score per class in the stream: "
          + ", ".join(f"{lab} {v:.2f}" for lab, v in zip(desc.labels, top, strict=True)))
    print(f"stream {args.seconds:.0f} s, {len(inserted)} keywords inserted; recognizer: 1000 ms average, "
          "3 results minimum, 1500 ms suppression")
    print(" threshold  detections  hits  missed  miss rate  false  FA/hour")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        rec = Recognizer(desc.labels, RecognitionSettings(threshold=threshold))
        found = [d for t_ms, sc in timeline if (d := rec.update(t_ms, sc))]
        hits, false = set(), 0
        for d in found:
            match = [i for i, (t0_ms, w) in enumerate(inserted)
                     if w == d.label and t0_ms <= d.time_ms <= t0_ms + 2500 and i not in hits]
            if match:
                hits.add(match[0])
            else:
                false += 1
        missed = len(inserted) - len(hits)
        print(f" {threshold:9.1f}  {len(found):10d}  {len(hits):4d}  {missed:6d}  "
              f"{missed / max(1, len(inserted)):9.2f}  {false:5d}  {false / hours:7.0f}")
    print("caveat: the stream's keywords are the example's training clips (one clip per class ships)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
