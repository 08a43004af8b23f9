"""`tinystudio train PROJECT`: train, quantize to int8, verify in TFLM, save the package.

Progress goes to stderr (one line per epoch); with ``--json`` stdout carries exactly one
JSON object (see ``TrainReport.summary``). Ctrl-C stops within one batch and leaves the
project unchanged.
"""

from __future__ import annotations

import json
import sys
import threading

NAME = "train"
HELP = "Train, int8-quantize and TFLM-verify a model for a project; saves it in PROJECT/models/."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder")
    parser.add_argument("--epochs", type=int, default=None, help="maximum epochs (early stopping may end sooner)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same model)")
    parser.add_argument("--board", default=None,
                        help="board id (see `tinystudio ports --boards`): refuse before training "
                             "if the model cannot fit it")
    parser.add_argument("--model", default=None,
                        help="model builder: imu_cnn, ds_cnn, image_cnn, mobilenet_v1_025, reference_dense")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="Adam learning rate (default: the project's setting, else 0.003)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


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

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tinystudio.ml.pipeline import TrainOptions, train_project

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
    try:
        report = train_project(
            args.project,
            TrainOptions(epochs=args.epochs, seed=args.seed, board=args.board, model=args.model,
                         learning_rate=args.learning_rate),
            on_epoch=on_epoch, on_status=on_status, stop=stop,
        )
    except KeyboardInterrupt:
        stop.set()
        raise
    summary = report.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"classes: {', '.join(report.classes)}")
        print(f"accuracy on the test split: float {summary['float_accuracy']:.3f}, "
              f"int8 {summary['int8_accuracy']:.3f} ({report.int8_metrics['n']} windows)")
        print(f"model: {report.model_name}, {report.model_bytes:,} bytes "
              f"(budget {report.budget_bytes:,}), arena {report.arena_bytes:,} bytes")
        print(f"TFLM: ops {', '.join(report.tflm['ops'])}; largest TFLM/TFLite difference "
              f"{report.tflm['max_abs_diff']}")
        for board, msg in report.fit_messages.items():
            print(f"  {board}: {msg}")
        print(f"trained in {report.train_seconds:.1f} s; saved {report.model_path}")
    return 0
