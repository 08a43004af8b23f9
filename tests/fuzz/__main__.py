"""`python -m tests.fuzz --minutes N`: run every fuzz target, round robin, for N minutes.

Each round draws fresh random examples (no derandomize, no database); a failure prints
hypothesis' shrunk example and stops with exit 1, to be kept as a regression case.
"""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import targets


def _rounds(per_round: int):
    s = settings(max_examples=per_round, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))
    return {
        "tflite validation": s(given(st.integers(0, 10), targets.EDITS)(
            lambda w, e: targets.tflite_target(w, e, run=False))),
        "tflite in the sandbox": settings(s, max_examples=max(1, per_round // 20))(
            given(st.integers(0, 10), targets.EDITS)(lambda w, e: targets.tflite_target(w, e, run=True))),
        "project.json": settings(s, max_examples=max(1, per_round // 4))(
            given(targets.EDITS)(targets.project_json_target)),
        "recording bytes": settings(s, max_examples=max(1, per_round // 4))(
            given(targets.EDITS)(targets.recording_target)),
        "import files": settings(s, max_examples=max(1, per_round // 4))(
            given(st.integers(0, 4), targets.EDITS, st.none() | st.floats(0, 1))(targets.import_bytes_target)),
        "edge impulse json": settings(s, max_examples=max(1, per_round // 4))(
            given(st.lists(st.integers(0, 50), max_size=4), targets.JSON_VALUES)(targets.ei_json_target)),
        "recording attribute types": settings(s, max_examples=max(1, per_round // 4))(
            given(st.lists(st.tuples(targets.H5_ATTR_KEYS, st.none() | targets.H5_ATTR_VALUES),
                           min_size=1, max_size=3))(targets.recording_attrs_target)),
        "board session": settings(s, max_examples=max(1, per_round // 20))(
            given(targets.EDITS, st.binary(max_size=600))(targets.board_session_target)),
        "frame bodies": given(st.integers(0, 20), st.binary(max_size=600))(
            s(lambda k, b: targets.frame_target(k, b))),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz")
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--per-round", type=int, default=200)
    args = ap.parse_args(argv)
    deadline = time.monotonic() + 60 * args.minutes
    counts: dict[str, int] = {}
    rounds = _rounds(args.per_round)
    while time.monotonic() < deadline:
        for name, fn in rounds.items():
            if time.monotonic() >= deadline:
                break
            fn()
            counts[name] = counts.get(name, 0) + 1
        print(f"{time.strftime('%H:%M:%S')} rounds: {counts}", flush=True)
    print(f"done: no failure in {args.minutes} min; rounds of up to {args.per_round} examples: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
