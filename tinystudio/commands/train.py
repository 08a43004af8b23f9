"""`tinystudio train PROJECT`: train, quantize to int8, verify in TFLM, save the package.

Progress goes to stderr (one line per epoch); with ``--json`` stdout carries exactly one
JSON object (see ``TrainReport.summary``). Ctrl-C stops within one batch and leaves the
project unchanged.
"""

from __future__ import annotations

import json
import sys
import threading

from tinystudio.commands import _numbers as numbers

NAME = "train"
HELP = "Train, int8-quantize and TFLM-verify a model for a project; saves it in PROJECT/models/."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--epochs", type=numbers.positive_int, default=None, help="maximum epochs (early stopping may end sooner)")
    parser.add_argument("--seed", type=numbers.non_negative_int, default=0, help="random seed (same seed, same model)")
    parser.add_argument("--board", default=None,
                        help="board id (see `tinystudio ports --boards`): refuse before training "
                             "if the model cannot fit it")
    parser.add_argument("--model", default=None,
                        help="pin one model (no search): imu_cnn, imu_features, ds_cnn, image_cnn, "
                             "mobilenet_v1_025, reference_dense")
    parser.add_argument("--candidates", default=None,
                        help="comma-separated models for the model search (default for motion: "
                             "imu_cnn,imu_features)")
    parser.add_argument("--window-ms", type=numbers.positive, default=None,
                        help="IMU window length in ms (default: from the labeled segments)")
    parser.add_argument("--stride-ms", type=numbers.positive, default=None,
                        help="IMU stride between windows in ms (default: a quarter window)")
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--grayscale", dest="grayscale", action="store_true", default=None,
                        help="images: train on gray pixels (smaller input; colour is kept by "
                             "default when the data is colour)")
    colour.add_argument("--color", dest="grayscale", action="store_false",
                        help="images: keep colour even if the project setting says gray")
    parser.add_argument("--compare-grayscale", action="store_true",
                        help="images: also train the other colour mode and report its accuracy "
                             "and size (not saved)")
    parser.add_argument("--folds", type=numbers.folds, default=None,
                        help="k of the k-fold validation used on small data (default 3)")
    parser.add_argument("--learning-rate", type=numbers.positive, default=None,
                        help="Adam learning rate (default: the project's setting, else 0.003)")
    parser.add_argument("--tflm", metavar="DIR", default=None,
                        help="after training, count the model's instructions per invoke on the emulated "
                             "board with TFLM from this tflite-micro checkout and "
                             "estimate the time per inference on each board (docs/benchmarks.md)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing on success (no progress, no TensorFlow log lines; with "
                             "--json only the JSON object); an error is still one line on stderr")


def _preflight(project_path, on_status) -> None:
    """Read every labeled sample once before training: a recording whose checksums fail is
    set aside (training goes on with the rest), a NaN or Inf stops training with its place
    named (a NaN normalisation would otherwise give a useless model and exit 0)."""
    from tinystudio.commands.info import report_repairs
    from tinystudio.dataset import Project
    from tinystudio.dataset.integrity import verify
    from tinystudio.errors import TrainingError

    project = Project.open(project_path)
    result = verify(project, labeled_only=True)
    report_repairs(project)
    if result.non_finite:
        raise TrainingError(f"training needs finite inputs: {result.non_finite[0]}"
                            + (f" (and {len(result.non_finite) - 1} more recordings)"
                               if len(result.non_finite) > 1 else ""))
    if result.quarantined:
        on_status(f"{len(result.quarantined)} damaged recording(s) set aside; training on the rest")


def run(args) -> int:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3" if args.quiet else "2")
    from tinystudio.ml.quiet import native_stderr_off

    def on_status(text: str) -> None:
        if not args.quiet:
            print(f"train: {text}", file=sys.stderr, flush=True)

    def on_epoch(p) -> None:
        if args.quiet:
            return
        val = "" if p.val_accuracy is None else f" val_loss {p.val_loss:.4f} val_acc {p.val_accuracy:.3f}"
        print(f"epoch {p.epoch}/{p.epochs} loss {p.loss:.4f} acc {p.accuracy:.3f}{val} "
              f"eta {p.eta_seconds:.0f}s", file=sys.stderr, flush=True)

    _preflight(args.project, on_status)
    stop = threading.Event()
    with native_stderr_off(args.quiet):
        report = _train(args, on_epoch, on_status, stop)
    summary = report.summary()
    summary["mcu_estimate"] = _mcu_estimate(args, report, on_status)
    if args.json:
        print(json.dumps(summary))
    elif not args.quiet:
        _print_report(report, summary)
    return 0


def _mcu_estimate(args, report, on_status) -> dict:
    """Instructions per invoke on the emulated board -> per-board estimates (opt-in: needs a
    tflite-micro checkout; without one the summary says how to get the figures)."""
    from pathlib import Path

    tflm = args.tflm
    if not tflm:
        return {"available": False,
                "why": "pass --tflm DIR (a tflite-micro checkout) to count instructions on the emulated "
                       "board (docs/emulated-board.md)"}
    from tinystudio.ml.estimate import measure_package

    on_status("counting instructions per invoke on the emulated Cortex-M4 (QEMU -icount)")
    out = measure_package(Path(report.model_path).parent, tflm, [args.board] if args.board else None)
    return {"available": True, **out}


def _train(args, on_epoch, on_status, stop):
    from tinystudio.ml.pipeline import TrainOptions, train_project

    try:
        return train_project(
            args.project,
            TrainOptions(epochs=args.epochs, seed=args.seed, board=args.board, model=args.model,
                         learning_rate=args.learning_rate, window_ms=args.window_ms,
                         stride_ms=args.stride_ms, folds=args.folds, grayscale=args.grayscale,
                         compare_grayscale=args.compare_grayscale,
                         candidates=[c.strip() for c in args.candidates.split(",") if c.strip()]
                         if args.candidates else None),
            on_epoch=on_epoch, on_status=on_status, stop=stop,
        )
    except KeyboardInterrupt:
        stop.set()
        raise


def _print_report(report, summary) -> None:
    """The human-readable result (not with --quiet: a quiet success prints nothing)."""
    if report.task != "classification":
        m = report.int8_metrics
        print(f"{report.task}: output {', '.join(report.classes)}; int8 on the test split: "
              + ", ".join(f"{k} {v}" for k, v in m.items() if not isinstance(v, dict)))
        if m.get("detected"):
            print("faults detected: " + ", ".join(f"{k} {v:.0%}" for k, v in m["detected"].items()))
        print(f"model: {report.model_name}, {report.model_bytes:,} bytes, arena "
              f"{report.arena_bytes:,} bytes; largest TFLM/TFLite difference "
              f"{report.tflm['max_abs_diff']}")
        print(f"saved: {report.model_path}")
        return
    print(f"classes: {', '.join(report.classes)}")
    print(f"accuracy on the test split: float {summary['float_accuracy']:.3f}, "
          f"int8 {summary['int8_accuracy']:.3f} ({report.int8_metrics['n']} windows)")
    print(f"model: {report.model_name}, {report.model_bytes:,} bytes "
          f"(budget {report.budget_bytes:,}), arena {report.arena_bytes:,} bytes")
    print(f"TFLM: ops {', '.join(report.tflm['ops'])}; largest TFLM/TFLite difference "
          f"{report.tflm['max_abs_diff']}")
    for board, msg in report.fit_messages.items():
        print(f"  {board}: {msg}")
    _print_search(report)
    for c in summary.get("per_class", []):
        print(f"  {c['label']}: precision {c['precision']:.2f}, recall {c['recall']:.2f}, "
              f"F1 {c['f1']:.2f} ({c['test_windows']} test windows)")
    for w in summary.get("quality", []):
        print(f"WARNING: {w['text']}")
    print(f"trained in {report.train_seconds:.1f} s; saved {report.model_path}")


def _print_search(report) -> None:
    """Candidates side by side, the baseline beside them, windows of unknown labels apart."""
    ev = report.evaluation
    if report.candidates:
        print(f"model search ({ev.get('scheme')}):")
        for c in report.candidates:
            acc = "     -" if c["val_accuracy"] is None else \
                f"{c['val_accuracy']:6.1%} +- {c['val_std']:.1%}"
            mark = "*" if c["chosen"] else " "
            print(f" {mark} {c['name']:16} val {acc}  {c['model_bytes']:>7,} B  arena "
                  f"{c['arena_bytes']:>7,} B  {c['latency_ms']:.3f} ms{'  ' + c['note'] if c['note'] else ''}")
    if report.baseline:
        b = report.baseline
        cv = "" if b["val_accuracy"] is None else f", validation {b['val_accuracy']:.1%} +- {b['val_std']:.1%}"
        print(f"baseline ({b['method']}): test {b['test_accuracy']:.1%}{cv}")
        for o in b.get("all", []):
            if o["method"] != b["method"]:
                ocv = "" if o["val_accuracy"] is None else f", validation {o['val_accuracy']:.1%}"
                print(f"  also {o['method']}: test {o['test_accuracy']:.1%}{ocv}")
    if report.image_variant:
        v = report.image_variant
        print(f"{'grayscale' if v['grayscale'] else 'colour'} variant (not saved): int8 "
              f"{v['int8_accuracy']:.1%}, {v['model_bytes']:,} B, arena {v['arena_bytes']:,} B")
    for label, d in report.unknown_test.items():
        pred = ", ".join(f"{k} {v}" for k, v in sorted(d["predicted"].items()))
        print(f"test windows of {label!r} (no training data, not scored): {d['windows']} -> {pred}")
    for note in report.split.get("notes", []):
        print(f"split: {note}")
    for w in report.warnings:
        print(f"warning: {w}")
