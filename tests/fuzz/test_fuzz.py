"""The fuzzers in CI, with a fixed small example budget (a few seconds each);
`python -m tests.fuzz --minutes N` runs them longer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import targets

CI = settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))


@CI
@given(st.integers(0, 10), targets.EDITS)
def test_fuzz_tflite_validation(which, edits):
    targets.tflite_target(which, edits, run=False)


@settings(CI, max_examples=4)
@given(st.integers(0, 10), targets.EDITS)
def test_fuzz_tflite_in_the_sandbox(which, edits):
    targets.tflite_target(which, edits, run=True)


@settings(CI, max_examples=30)
@given(targets.EDITS)
def test_fuzz_project_json(edits):
    targets.project_json_target(edits)


@settings(CI, max_examples=30)
@given(targets.EDITS)
def test_fuzz_recording_bytes(edits):
    targets.recording_target(edits)


@settings(CI, max_examples=200)
@given(st.integers(0, 20), st.binary(max_size=300))
def test_fuzz_frame_bodies(kind, body):
    targets.frame_target(kind, body)
