"""Keyword spotting benchmark: the studio's keyword model against the audio baseline, and
false activations per hour on a stream built from the example clips and noise.

    python benchmarks/bench_kws.py [--seconds 120] [--seed 0]

Steps (all real): `tinystudio example keywords` into a temporary folder, `tinystudio train
--json` (int8 test accuracy, model bytes, arena; the audio baseline -- SVM on MFCC statistics
of the same features, same split -- is measured in the same run), host latency of the TFLM
interpreter and of the keyword front end, then the continuous evaluation that
`tinystudio evaluate P --continuous --extra-noise S` runs (tinystudio/deploy/continuous.py):
the stream built from the project's test-split clips between its background clips plus
``--seconds`` of background, scored as the board scores it and passed through the Deploy
page's recognizer per threshold: false activations per hour and misses, and the threshold
the documented rule chooses (docs/keywords.md).

Caveat, printed too: the example ships one clip per class; its test clips are takes derived
from the same clip as the training takes (other shifts, gains and noise).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tinystudio.deploy.continuous import evaluate_stream  # noqa: E402
from tinystudio.deploy.kws_stream import build_stream  # noqa: E402
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0, help="background alone after the keywords")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "kw"
        cli("example", "keywords", str(project))
        t0 = time.monotonic()
        report = json.loads(cli("train", str(project), "--json", "--seed", str(args.seed)))
        train_s = time.monotonic() - t0
        pkg = load_current_package(project)
        t0 = time.monotonic()
        cont = evaluate_stream(pkg, build_stream(project, seed=args.seed, extra_noise_s=args.seconds))
        eval_s = time.monotonic() - t0
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

    base = report.get("baseline") or {}
    acc, base_acc = report["int8_accuracy"], base.get("test_accuracy")
    print(f"keyword model ({report['chosen']}): int8 test accuracy {acc:.3f} on {report['test_windows']} windows, "
          f"{report['model_bytes']} B, arena {report['arena_bytes']} B, trained in {train_s:.0f} s")
    if base_acc is not None:
        print(f"audio baseline ({base.get('method')}): test accuracy {base_acc:.3f}; "
              f"ratio model/baseline {acc / base_acc if base_acc else float('nan'):.3f}")
    print(f"host latency: TFLM invoke {invoke_ms:.2f} ms, keyword front end {fe_ms:.2f} ms per second of audio")
    print(f"stream {cont.stream_seconds:.1f} s ({cont.source}), {cont.keywords_inserted} keywords, "
          f"{cont.windows} windows, evaluated in {eval_s:.1f} s; recognizer {cont.settings}")
    print(" threshold  detections  hits  missed  miss rate  false  FA/hour")
    for r in cont.results:
        mark = "  <- chosen" if r.threshold == cont.chosen.threshold else ""
        print(f" {r.threshold:9.2f}  {r.detections:10d}  {r.hits:4d}  {r.misses:6d}  "
              f"{r.miss_rate:9.2f}  {r.false_activations:5d}  {r.fa_per_hour:7.1f}{mark}")
    print("caveat: one clip per class ships; the test takes derive from the same clip as the training takes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
