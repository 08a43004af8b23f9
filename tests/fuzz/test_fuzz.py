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


@settings(CI, max_examples=60)
@given(st.integers(0, 4), targets.EDITS, st.none() | st.floats(0, 1))
def test_fuzz_import_files(which, edits, cut):
    targets.import_bytes_target(which, edits, cut)


@settings(CI, max_examples=40)
@given(st.lists(st.integers(0, 50), max_size=4), targets.JSON_VALUES)
def test_fuzz_edge_impulse_json(path_choices, value):
    targets.ei_json_target(path_choices, value)


@settings(CI, max_examples=40)
@given(st.lists(st.tuples(targets.H5_ATTR_KEYS, st.none() | targets.H5_ATTR_VALUES), min_size=1, max_size=3))
def test_fuzz_recording_attribute_types(changes):
    targets.recording_attrs_target(changes)


@settings(CI, max_examples=5)  # each example is a real pty board and session (~0.1-1.5 s)
@given(targets.EDITS, st.binary(max_size=200))
def test_fuzz_a_live_board_session(edits, tail):
    targets.board_session_target(edits, tail)
