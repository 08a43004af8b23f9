"""Fuzz the C decoder, parsers and device state machine under ASan + UBSan (bounded).

libFuzzer (clang) runs for FUZZ_SECONDS from a seed corpus made of the committed vectors;
a seeded random/mutation fuzzer built with gcc runs as well, so both compilers' sanitizers
look at the code. Any sanitizer report or invariant failure aborts and fails the test.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from c_core import make

from tinystudio.devices import protocol as p

FUZZ_SECONDS = int(os.environ.get("TINYSTUDIO_FUZZ_SECONDS", "20"))
VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FINDINGS = ("ERROR: AddressSanitizer", "runtime error", "ERROR: libFuzzer", "invariant failed")


def _seed_corpus(corpus: Path) -> int:
    """Mode 0 (raw stream) seeds from the frame vectors; mode 1 (framed records) from bodies."""
    n = 0
    for v in json.loads((VECTORS / "frames.json").read_text()) + json.loads((VECTORS / "decoder.json").read_text()):
        data = bytes.fromhex(v.get("wire") or v["stream"])
        (corpus / f"raw{n}").write_bytes(b"\x00" + data)
        n += 1
    for v in json.loads((VECTORS / "messages.json").read_text()):
        body = bytes.fromhex(v["body"])[:255]
        t = {"model_begin": p.MsgType.MODEL_BEGIN, "model_chunk": p.MsgType.MODEL_CHUNK,
             "run_input": p.MsgType.RUN_INPUT}.get(v["kind"], p.MsgType.MODEL_COMMIT)  # fmt: skip
        (corpus / f"rec{n}").write_bytes(b"\x01" + bytes([t, 0, len(body)]) + body + b"\x23\x00\x00")
        n += 1
    return n


def _rss_limit_mb(growth_mb: int = 1024) -> int:
    """libFuzzer's RSS limit, measured from what the fuzzer inherits.

    Linux carries a process's peak RSS across fork and exec (getrusage's ru_maxrss), so a
    fuzzer started from a pytest process that has loaded TensorFlow starts "using" that
    process's peak (1.4 GB seen) and trips a fixed 1024 MB limit before it runs an input.
    The limit is that inherited peak plus ``growth_mb`` of the fuzzer's own.
    """
    inherited_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return inherited_mb + growth_mb


def test_libfuzzer_finds_nothing(tmp_path: Path) -> None:
    assert shutil.which("clang"), "clang is missing: run scripts/install.sh (installs clang for libFuzzer)"
    make(tmp_path, "fuzz")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert _seed_corpus(corpus) > 50
    proc = subprocess.run(
        [str(tmp_path / "fuzz_libfuzzer"), str(corpus), f"-max_total_time={FUZZ_SECONDS}",
         "-max_len=4096", "-timeout=10", f"-rss_limit_mb={_rss_limit_mb()}", "-malloc_limit_mb=1024", "-seed=20261127", "-print_final_stats=1"],
        capture_output=True, text=True, timeout=FUZZ_SECONDS + 120, cwd=tmp_path,
    )  # fmt: skip
    log = proc.stderr[-4000:]
    assert proc.returncode == 0 and not any(f in proc.stderr for f in FINDINGS), log
    runs = [line for line in proc.stderr.splitlines() if line.startswith("stat::number_of_executed_units")]
    assert runs and int(runs[0].split(":")[-1]) > 1000, log
    print(f"libFuzzer: {runs[0].split(':')[-1].strip()} inputs in {FUZZ_SECONDS} s, no findings")


@pytest.fixture(scope="module")
def gcc_fuzzer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("fuzz_gcc")
    make(build, "fuzz-gcc")
    return build / "fuzz_gcc"


@pytest.mark.parametrize("seed", [1, 20261127])
def test_seeded_random_fuzz_with_gcc_sanitizers(gcc_fuzzer: Path, seed: int) -> None:
    proc = subprocess.run([str(gcc_fuzzer), "2", str(seed)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0 and not any(f in proc.stderr for f in FINDINGS), proc.stderr[-4000:]
    assert "no findings" in proc.stdout
    assert int(proc.stdout.split()[1]) > 500  # it really ran many inputs
