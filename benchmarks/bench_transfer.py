"""Transfer learning on few images: the pretrained VWW start vs image_cnn vs the baseline.

Why: the point of a pretrained start is the few-images case a maker is in. On one fixed
split of the shipped real images (UCI handwritten digits, 4 classes, resources/examples/
digits; the last 10 images of every class are the test set, the first N per class train),
at 96x96 gray (the backbone's own input), this trains with the studio's own trainer and
settings (image epochs 30, learning rate, early stopping): image_cnn from scratch and
vww_transfer (ml/transfer.py), converts both to int8, and scores them in TFLM on the same
test images beside the pixel logistic-regression baseline (ml/image_baseline.py). Several
seeds per size, since 40 training images make single runs noisy. The ratio printed is
vww_transfer's int8 accuracy over image_cnn's, measured in the same run. Last line: JSON.

    python benchmarks/bench_transfer.py [--per-class 10 30] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CLASSES = ("zero", "one", "two", "three")
TEST_PER_CLASS = 10
SIDE = 96


def load_split(per_class: int):
    from PIL import Image

    from tinystudio.dsp.image import prepare_image

    root = REPO / "resources" / "examples" / "digits"
    xs = {"train": [], "test": []}
    ys = {"train": [], "test": []}
    for k, name in enumerate(CLASSES):
        files = sorted((root / name).glob("*.png"))
        for part, chosen in (("train", files[:per_class]), ("test", files[-TEST_PER_CLASS:])):
            for f in chosen:
                xs[part].append(prepare_image(np.asarray(Image.open(f)), SIDE, SIDE, 1))
                ys[part].append(k)
    return (np.stack(xs["train"]), np.array(ys["train"]), np.stack(xs["test"]), np.array(ys["test"]))


def int8_accuracy(name: str, x_tr, y_tr, x_te, y_te, seed: int) -> tuple[float, int, float]:
    from tinystudio.ml.evaluate import run_tflite
    from tinystudio.ml.inputs import IMAGE_INPUT_RANGE
    from tinystudio.ml.models import MODELS
    from tinystudio.ml.package import quantize_float
    from tinystudio.ml.quantize import convert_int8, io_quantization, representative_set
    from tinystudio.ml.trainer import TrainConfig, configure_tensorflow, train_model

    configure_tensorflow(seed)
    t0 = time.monotonic()
    model = MODELS[name].build(x_tr.shape[1:], len(CLASSES), seed)
    config = TrainConfig(epochs=30, batch_size=min(32, len(y_tr)), seed=seed)
    train_model(model, x_tr, y_tr, len(CLASSES), config)
    tflite = convert_int8(model, representative_set(x_tr, seed), IMAGE_INPUT_RANGE)
    (s, z), _, _ = io_quantization(tflite)
    pred = run_tflite(tflite, quantize_float(x_te, s, z)).argmax(axis=1)
    return float(np.mean(pred == y_te)), len(tflite), time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-class", type=int, nargs="+", default=[10, 30])
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    from tinystudio.ml.image_baseline import evaluate_image_baseline

    rows = []
    for n in args.per_class:
        x_tr, y_tr, x_te, y_te = load_split(n)
        base = evaluate_image_baseline(x_tr, y_tr, x_te, y_te).test_accuracy
        row = {"per_class": n, "train": len(y_tr), "test": len(y_te), "baseline": base}
        for name in ("image_cnn", "vww_transfer"):
            runs = [int8_accuracy(name, x_tr, y_tr, x_te, y_te, seed) for seed in range(args.seeds)]
            accs = [r[0] for r in runs]
            row[name] = {"mean": round(float(np.mean(accs)), 4), "runs": [round(a, 4) for a in accs],
                         "bytes": runs[0][1], "seconds": round(float(np.mean([r[2] for r in runs])), 1)}
        row["ratio"] = round(row["vww_transfer"]["mean"] / max(row["image_cnn"]["mean"], 1e-9), 3)
        rows.append(row)
        print(f"{n:>3} per class: image_cnn {row['image_cnn']['mean']:.3f} {row['image_cnn']['runs']}, "
              f"vww_transfer {row['vww_transfer']['mean']:.3f} {row['vww_transfer']['runs']}, "
              f"baseline {base:.3f}; vww/cnn = {row['ratio']:.2f}x", flush=True)
    print(json.dumps({"benchmark": "transfer", "test_per_class": TEST_PER_CLASS, "side": SIDE, "rows": rows}))


if __name__ == "__main__":
    main()
