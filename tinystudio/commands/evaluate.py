"""`tinystudio evaluate PROJECT --continuous [FILE.wav --labels FILE.csv]`: a keyword model on
continuous audio: false activations per hour and misses per threshold; saves the chosen one."""

from __future__ import annotations

import json

from tinystudio.commands import _numbers as numbers

NAME = "evaluate"
HELP = "Keyword models: false activations per hour and missed keywords on continuous audio."


def add_arguments(parser) -> None:
    parser.add_argument("project", help="project folder with a trained keyword (microphone) model")
    parser.add_argument("--continuous", nargs="?", const="", default=None, metavar="FILE.wav",
                        help="a long recording (with --labels); without FILE, a stream built from the "
                             "project's test-split clips between its background clips")
    parser.add_argument("--labels", default=None, metavar="FILE.csv",
                        help="where the keywords are in FILE.wav: rows label,start_s,end_s")
    parser.add_argument("--target-fa", type=numbers.non_negative, default=1.0, metavar="PER_HOUR",
                        help="false activations per hour the chosen threshold may have (default 1)")
    parser.add_argument("--thresholds", default=None, help="comma-separated thresholds (default 0.30..0.95 by 0.05)")
    parser.add_argument("--seed", type=numbers.non_negative_int, default=0, help="built stream: order and gaps (default 0)")
    parser.add_argument("--repeats", type=numbers.positive_int, default=3, help="built stream: each test clip this often (default 3)")
    parser.add_argument("--extra-noise", type=numbers.non_negative, default=0.0, metavar="SECONDS",
                        help="built stream: this much background alone at the end (steadier FA/h)")
    parser.add_argument("--save-stream", default=None, metavar="OUT.wav",
                        help="also write the built stream and its labels (OUT.csv)")
    parser.add_argument("--no-save", action="store_true", help="do not write the chosen threshold into the model")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _stream(args):
    from tinystudio.deploy.kws_stream import build_stream, read_stream, write_stream
    from tinystudio.errors import DeployError

    if args.continuous:
        if not args.labels:
            raise DeployError(f"{args.continuous}: --labels FILE.csv is needed (rows label,start_s,end_s) "
                              "to count misses; or omit FILE to build a stream from the project")
        return read_stream(args.continuous, args.labels)
    stream = build_stream(args.project, seed=args.seed, repeats=args.repeats, extra_noise_s=args.extra_noise)
    if args.save_stream:
        write_stream(stream, args.save_stream)
    return stream


def _thresholds(text: str | None):
    from tinystudio.deploy.continuous import THRESHOLDS
    from tinystudio.errors import DeployError

    if not text:
        return THRESHOLDS
    try:
        values = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise DeployError(f"--thresholds {text!r}: give numbers like 0.5,0.6,0.7") from None
    if not values or not all(0 < v <= 1 for v in values):
        raise DeployError(f"--thresholds {text!r}: every threshold must be in (0, 1]")
    return tuple(values)


def _print(report) -> None:
    print(f"{report.source}: {report.stream_seconds:.1f} s, {report.keywords_inserted} keywords, "
          f"{report.windows} windows; recognizer {report.settings}")
    print("threshold  detections  hits  false  FA/hour  misses  miss rate")
    for r in report.results:
        mark = " <- chosen" if r is report.chosen or r.threshold == report.chosen.threshold else ""
        print(f"{r.threshold:9.2f}  {r.detections:10d}  {r.hits:4d}  {r.false_activations:5d}  "
              f"{r.fa_per_hour:7.1f}  {r.misses:6d}  {r.miss_rate:9.1%}{mark}")
    c = report.chosen
    per = ", ".join(f"{k} {v['missed']}/{v['inserted']} missed" for k, v in c.per_keyword.items())
    met = "meets" if report.target_met else "does NOT meet (fewest false activations instead)"
    print(f"chosen threshold {c.threshold:.2f} {met} the target of {report.target_fa_per_hour:g} FA/hour: {per}")
    if report.saved_to:
        print(f"saved into {report.saved_to}")


def run(args) -> int:
    from tinystudio.deploy.continuous import evaluate_stream, save_threshold
    from tinystudio.errors import DeployError
    from tinystudio.ml.package import ModelPackage
    from tinystudio.ml.store import current_package_dir

    if args.continuous is None:
        raise DeployError("evaluate needs --continuous (continuous keyword evaluation); for clip accuracy "
                          f"see the report of `tinystudio train {args.project}`")
    package = ModelPackage.load(current_package_dir(args.project))
    thresholds = _thresholds(args.thresholds)
    report = evaluate_stream(package, _stream(args), thresholds=thresholds, target_fa_per_hour=args.target_fa)
    if not args.no_save:
        report.saved_to = save_threshold(args.project, report)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        _print(report)
    return 0
