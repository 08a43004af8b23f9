"""The keyword front end on the emulated Cortex-M4 equals the host's, byte for byte.

The host featurizes with PyPI's pymicro-features (tinystudio/dsp/microfrontend.py); the
board with firmware_recorders/tflm_glue/src/ts_audio_frontend.c over TFLM's microfrontend
C sources compiled from the pymicro-features sdist (qemu_mps2/Makefile). The probe image
(qemu_mps2/kws_probe.c) is built from the same objects as the firmware and reads the
audio by semihosting, fed in 97-sample pieces (the streaming path with its pending buffer).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from tinystudio.dsp.audio import read_wav
from tinystudio.dsp.microfrontend import KeywordFrontend
from tinystudio.resources import RESOURCES_DIR

PORT_DIR = Path(__file__).resolve().parents[2] / "firmware_recorders" / "qemu_mps2"
CLIPS = sorted((RESOURCES_DIR / "examples" / "micro_speech").glob("*.wav"))


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> Path:
    for tool in ("make", "arm-none-eabi-gcc", "arm-none-eabi-g++", "qemu-system-arm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)")
    build = tmp_path_factory.mktemp("kws_probe")
    proc = subprocess.run(
        ["make", "-C", str(PORT_DIR), f"BUILD={build}", f"PYTHON={sys.executable}",
         f"PYMICRO_VERSION={version('pymicro-features')}", "KWS=1", "kws_probe"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if proc.returncode != 0 and "sdist" in proc.stderr and "is missing" in proc.stderr:
        pytest.skip(f"the pymicro-features sdist could not be fetched: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return build / "kws_probe.elf"


def board_features(probe: Path, clips: list[np.ndarray], workdir: Path) -> list[np.ndarray]:
    with open(workdir / "kws_in.bin", "wb") as f:
        for c in clips:
            f.write(struct.pack("<I", len(c)) + np.asarray(c, dtype="<i2").tobytes())
    proc = subprocess.run(
        ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
         "-semihosting-config", "enable=on,target=native", "-kernel", str(probe)],
        cwd=workdir, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    out, pos, result = (workdir / "kws_out.bin").read_bytes(), 0, []
    for _ in clips:
        (n,) = struct.unpack_from("<I", out, pos)
        result.append(np.frombuffer(out, dtype=np.int8, count=n * 40, offset=pos + 4).reshape(n, 40))
        pos += 4 + n * 40
    assert pos == len(out)
    return result


def test_board_front_end_equals_the_host_on_the_example_clips_and_30_s_of_noise(probe, tmp_path):
    rng = np.random.default_rng(18)
    noise = rng.normal(0, 2500, 30 * 16000) * np.linspace(0.05, 1.0, 30 * 16000)  # rising level
    clips = [read_wav(p)[1] for p in CLIPS] + [np.clip(noise, -32768, 32767).astype(np.int16)]
    clips.append(clips[0][:1000])  # not a whole number of 10 ms chunks
    host = KeywordFrontend()
    expected = [host.features(c) for c in clips]
    got = board_features(probe, clips, tmp_path)
    assert len(CLIPS) >= 4
    for path_or_noise, h, b in zip([*map(str, CLIPS), "noise", "short"], expected, got, strict=True):
        assert b.shape == h.shape, path_or_noise
        assert b.tobytes() == h.tobytes(), f"{path_or_noise}: {(b != h).sum()} features differ"
    yes = CLIPS.index(RESOURCES_DIR / "examples" / "micro_speech" / "yes_1000ms.wav")
    assert expected[yes].shape == (49, 40) and expected[-2].shape == (1499, 40)
    assert len(np.unique(expected[yes])) > 50  # real spectra, not a constant
