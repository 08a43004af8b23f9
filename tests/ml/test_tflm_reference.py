"""TFLM itself, on models TinyStudio did not write."""

import json

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.ml.tflm import model_ops, run_tflm, smallest_arena, unsupported_ops, verify_tflm


@pytest.fixture(scope="module")
def micro_speech(tflm_models, micro_speech_dir):
    return (tflm_models / "micro_speech_quantized.tflite").read_bytes()


def test_classify_reference_micro_speech(tflm_models, micro_speech_dir, capsys):
    """The acceptance check: TFLM's own model + front end label TFLM's clips yes and no."""
    clips = micro_speech_dir
    rc = main([
        "classify", "--model", str(tflm_models / "micro_speech_quantized.tflite"),
        "--labels", "silence,unknown,yes,no", "--frontend", "micro_speech",
        str(clips / "yes_1000ms.wav"), str(clips / "no_1000ms.wav"), "--json",
    ])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in out] == ["yes", "no"]
    assert all(len(r["scores"]) == 4 for r in out)
    assert out[0]["scores"][2] > 0.9


def test_smallest_arena_is_tight(micro_speech):
    from tflite_micro.python.tflite_micro import runtime

    from tinystudio.ml.quiet import quiet

    arena = smallest_arena(micro_speech)
    assert arena % 16 == 0
    runtime.Interpreter.from_bytes(micro_speech, arena_size=arena)
    with pytest.raises(RuntimeError), quiet():
        runtime.Interpreter.from_bytes(micro_speech, arena_size=arena - 16)


def test_ops_are_listed_and_custom_ops_flagged(micro_speech):
    assert set(model_ops(micro_speech)) == {"DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}
    assert unsupported_ops(model_ops(micro_speech)) == []
    from tinystudio.dsp.audio import preprocessor_path

    pre_ops = model_ops(preprocessor_path().read_bytes())
    flagged = unsupported_ops(pre_ops)
    assert "SignalRfft" in flagged and "MUL" not in flagged


def test_verify_reports_zero_difference_against_itself(micro_speech):
    x = np.random.default_rng(0).integers(-128, 128, (3, 1960)).astype(np.int8)
    ref = run_tflm(micro_speech, x)
    report = verify_tflm(micro_speech, x, ref)
    assert report.max_abs_diff == 0 and report.ok and report.n_compared == 3
    report = verify_tflm(micro_speech, x, ref.astype(np.int32) + 1)
    assert report.max_abs_diff == 1 and not report.ok


def test_a_model_that_crashes_tflm_gives_an_error_not_a_dead_process():
    """TFLM aborts the process on some quantizations; sizing runs in a child process."""
    from tinystudio.errors import TrainingError

    with pytest.raises(TrainingError, match="TFLM cannot"):
        smallest_arena(b"\x1c\x00\x00\x00TFL3" + bytes(200))
