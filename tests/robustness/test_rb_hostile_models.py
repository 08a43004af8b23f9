"""Untrusted models: validated structurally, then run only in a limited child process.

Every crafted model here once crashed, hung or silently misran the host (issue 24); now
each is one line naming the model, and the host process never runs it.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from tests.robustness.hostile_models import MICRO_SPEECH, MODELS, MUTATIONS, load, mutated, pack
from tinystudio.ml.model_check import InvalidModelError, check_model
from tinystudio.ml.sandbox import SandboxedRunner, SandboxError
from tinystudio.ml.tflm import TflmRunner


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_crafted_model_is_refused_before_any_interpreter(name):
    data = mutated(name)
    with pytest.raises(InvalidModelError) as err:
        check_model(data, "evil.tflite")
    msg = str(err.value)
    assert msg.startswith("evil.tflite: ") and MUTATIONS[name][1] in msg and "\n" not in msg


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.tflite")), ids=lambda p: p.name)
def test_reference_models_pass_validation(path):
    check_model(path.read_bytes(), path.name)


def test_a_repacked_model_is_unchanged_in_meaning():
    """The mutation harness itself: a repack without mutation runs as the original does."""
    data = pack(load())
    x = np.arange(49 * 40, dtype=np.int8).reshape(49, 40)
    with SandboxedRunner(data, "repacked") as sandboxed:
        got = sandboxed.run(x)
    assert np.array_equal(got, TflmRunner(MICRO_SPEECH.read_bytes()).run(x))


def test_sandboxed_runner_matches_the_in_process_interpreter():
    data = MICRO_SPEECH.read_bytes()
    xs = np.random.default_rng(0).integers(-128, 128, (5, 49, 40)).astype(np.int8)
    with SandboxedRunner(data, "micro_speech") as r:
        assert r.input["shape"].tolist() == [1, 1960]
        assert np.array_equal(r.run_batch(xs), TflmRunner(data, r.arena_size).run_batch(xs))


def test_a_model_that_segfaults_tflm_costs_only_the_child():
    """Validation skipped on purpose: the buffer-index lie segfaults TFLM (it did the host)."""
    data = mutated("weight buffer index past the buffers")
    t0 = time.monotonic()
    with pytest.raises(SandboxError) as err:
        SandboxedRunner(data, "evil.tflite", validate=False)
    assert "evil.tflite: TFLM crashed (SIGSEGV)" in str(err.value)
    assert time.monotonic() - t0 < 30


def test_a_child_over_its_time_limit_is_killed():
    with pytest.raises(SandboxError, match="did not answer in time"):
        SandboxedRunner(MICRO_SPEECH.read_bytes(), "slow.tflite", load_timeout=0.05)


def test_a_child_over_its_memory_limit_is_an_error():
    with pytest.raises(SandboxError, match="mem.tflite: TFLM"):
        SandboxedRunner(MICRO_SPEECH.read_bytes(), "mem.tflite", memory=64 * 1024 * 1024)


@pytest.mark.parametrize("name", ["weight buffer index past the buffers", "buffer offset 2^40"])
def test_classify_with_a_crafted_model_is_one_line(tmp_path, name):
    model = tmp_path / "evil.tflite"
    model.write_bytes(mutated(name))
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros((1, 49, 40), np.int8))
    proc = subprocess.run([sys.executable, "-m", "tinystudio", "classify", "--model", str(model), str(npy)],
                          capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 5, proc.stderr
    assert len(lines) == 1 and str(model) in lines[0] and "Traceback" not in proc.stderr
