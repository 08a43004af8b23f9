"""TFLM's log text reaches the host as LOG frames, never as raw bytes on the link.

Why: TFLM prints "arena too small" and "op missing" through DebugLog; the Arduino
libraries print it with Serial.print, onto the binary link, where the host counts a
framing error and the reason is lost. The glue routes DebugLog into ts_tflm_log.c
(test_sketches.py checks the route for each library; the emulated board with TFLM checks
it end to end, test_mcu_tflm.py). This drives the sink itself, compiled for the host with
the real core, with text cut the way TFLM cuts it, and decodes every byte it wrote with
the host's frame decoder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tinystudio.devices import protocol as p

FW = Path(__file__).resolve().parents[2] / "firmware_recorders"


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed; run scripts/install.sh"
    exe = tmp_path_factory.mktemp("tflm_log") / "log_main"
    srcs = [FW / "tflm_glue" / "test" / "log_main.c", FW / "tflm_glue" / "src" / "ts_tflm_log.c",
            *sorted((FW / "common" / "src").glob("*.c"))]  # fmt: skip
    cmd = [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-g",
           f"-I{FW / 'common' / 'src'}", f"-I{FW / 'tflm_glue' / 'src'}", *map(str, srcs), "-o", str(exe), "-lm"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return exe


def _wire(exe: Path, *pieces: str) -> tuple[list[p.Frame], p.FrameDecoder, bytes]:
    proc = subprocess.run([str(exe), *pieces], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    dec = p.FrameDecoder()
    frames = dec.feed(proc.stdout)
    return frames, dec, proc.stdout


def _logs(frames: list[p.Frame]) -> list[tuple[p.LogLevel, str]]:
    return [p.decode_log(f.body) for f in frames if f.type == p.MsgType.LOG]


def test_tflm_messages_become_one_log_frame_per_line(harness: Path) -> None:
    # How TFLM 2024+ prints an arena failure: MicroPrintf's text, then "\n" in its own call.
    frames, dec, raw = _wire(
        harness,
        "Failed to resize buffer. Requested: 73728, available 45968, missing: 27760", "\\n",
        "Failed starting model allocation.\\n",
        "Didn't find op for builtin opcode 'TANH'", "\\n",
    )  # fmt: skip
    assert dec.framing_errors == 0 and dec.crc_errors == 0
    assert raw.endswith(p.DELIMITER) and dec._tail == b""  # nothing after the last frame
    assert _logs(frames) == [
        (p.LogLevel.ERROR, "Failed to resize buffer. Requested: 73728, available 45968, missing: 27760"),
        (p.LogLevel.ERROR, "Failed starting model allocation."),
        (p.LogLevel.ERROR, "Didn't find op for builtin opcode 'TANH'"),
    ]
    assert len(frames) == 3


def test_text_without_newline_and_long_lines_are_still_framed(harness: Path) -> None:
    long = "x" * 400
    frames, dec, raw = _wire(harness, "no newline at all", "--flush", "tab\\there", "--flush", long)
    assert dec.framing_errors == 0 and dec.crc_errors == 0
    texts = [t for _, t in _logs(frames)]
    assert texts[:2] == ["no newline at all", "tab here"]
    assert "".join(texts[2:]) == long and all(len(t) <= 160 for t in texts)
    # Not one byte travels outside a frame: the stream ends with the last frame's delimiter.
    assert raw.endswith(p.DELIMITER) and dec._tail == b""
    assert sum(len(f.body) for f in frames) + 8 * len(frames) <= len(raw)
