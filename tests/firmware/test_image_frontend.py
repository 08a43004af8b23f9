"""The board's image front end (tflm_glue/src/ts_image.c) equals the host's, bit for bit.

The C code is compiled with the system compiler (strict C99, warnings as errors,
AddressSanitizer + UBSan) and fed synthetic frames; its int8 output must equal
``quantize_float(prepare_image(...))``, the definition training and host inference use.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinystudio.dsp.image import prepare_image
from tinystudio.ml.package import quantize_float

FW = Path(__file__).resolve().parents[2] / "firmware_recorders"
GLUE = FW / "tflm_glue"
PORT = FW / "qemu_mps2"
CASES = [
    ((96, 96), False, (96, 96, 1), 1.0, -128),  # the person-detection case: identity size
    ((120, 160), False, (96, 96, 1), 1.0, -128),  # QQVGA down to the model
    ((48, 64), True, (32, 32, 1), 0.0078431377, -1),  # colour camera, gray model
    ((48, 64), True, (24, 20, 3), 1.0039216, -128),  # colour model, other aspect
    ((20, 20), False, (40, 40, 1), 1.7, 3),  # upscaling, odd quantization
]


@pytest.fixture(scope="module")
def image_main(tmp_path_factory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("the firmware tests need a C compiler; run scripts/install.sh")
    exe = tmp_path_factory.mktemp("image_fe") / "image_main"
    proc = subprocess.run(
        [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wconversion", "-O1", "-g",
         "-fsanitize=address,undefined", "-fno-sanitize-recover=all", f"-I{GLUE / 'src'}",
         str(GLUE / "test" / "image_main.c"), str(GLUE / "src" / "ts_image.c"), "-lm", "-o", str(exe)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return exe


def board(exe: Path, frame: np.ndarray, out_hwc, scale: float, zp: int) -> np.ndarray:
    h, w = frame.shape[:2]
    fmt = 0 if frame.ndim == 2 else 2
    oh, ow, oc = out_hwc
    header = f"{w} {h} {fmt} {ow} {oh} {oc} {scale!r} {zp}\n".encode()
    proc = subprocess.run([str(exe)], input=header + frame.astype(np.uint8).tobytes(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return np.frombuffer(proc.stdout, dtype=np.int8).reshape(oh, ow, oc)


def synthetic(rng, h, w, colour: bool) -> np.ndarray:
    """Gradients, a disc, hard edges and noise: every kind of value the resize meets."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = 255 * (xx / max(1, w - 1)) * 0.6 + 60 * ((yy // 7) % 2)
    disc = ((xx - w / 3) ** 2 + (yy - h / 2) ** 2) < (min(h, w) / 5) ** 2
    img = base + 120 * disc + rng.normal(0, 25, (h, w))
    if colour:
        img = np.stack([img, 255 - img, np.roll(img, 5, axis=1)], axis=-1)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("src", "colour", "out", "scale", "zp"), CASES)
def test_board_front_end_equals_the_host_definition(image_main, src, colour, out, scale, zp):
    rng = np.random.default_rng(sum(src) + out[0])
    for _ in range(3):
        frame = synthetic(rng, *src, colour)
        host = quantize_float(prepare_image(frame, out[0], out[1], out[2]), scale, zp)
        got = board(image_main, frame, out, scale, zp)
        assert np.array_equal(got, host), f"{np.count_nonzero(got != host)} of {got.size} values differ"


def test_bad_arguments_are_refused(image_main):
    proc = subprocess.run([str(image_main)], input=b"4 4 1 4 4 1 1.0 0\n" + bytes(48), capture_output=True)
    assert proc.returncode == 4  # RGB565: no host definition to match, so refused


def test_the_same_code_as_cortex_m4_machine_code_under_qemu(tmp_path):
    """ts_image.c cross-compiled for the emulated board's Cortex-M4 (hard float, -Os, the
    port's startup and linker script), run under qemu-system-arm mps2-an386 on the same
    synthetic frames; input and output by semihosting (test/image_m4.c)."""
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing; run scripts/install.sh (the emulated-board tests need it)")
    elf = tmp_path / "image_m4.elf"
    build = subprocess.run(
        ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os",
         "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{PORT}", f"-I{GLUE / 'src'}", str(PORT / "startup.c"),
         str(GLUE / "test" / "image_m4.c"), str(GLUE / "src" / "ts_image.c"), "-T", str(PORT / "mps2_an386.ld"),
         "-nostartfiles", "-specs=nano.specs", "-specs=nosys.specs", "-Wl,--gc-sections", "-lm", "-o", str(elf)],
        capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    rng = np.random.default_rng(11)
    blob, expected = [struct.pack("<i", 2 * len(CASES))], []
    for src, colour, out, scale, zp in CASES * 2:
        frame = synthetic(rng, *src, colour)
        h, w = frame.shape[:2]
        blob.append(struct.pack("<6ifi", w, h, 0 if frame.ndim == 2 else 2, out[1], out[0], out[2], scale, zp))
        blob.append(frame.tobytes())
        expected.append(quantize_float(prepare_image(frame, *out), scale, zp))
    (tmp_path / "image_in.bin").write_bytes(b"".join(blob))
    run = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
                          "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                         cwd=tmp_path, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    got = np.frombuffer((tmp_path / "image_out.bin").read_bytes(), dtype=np.int8)
    want = np.concatenate([e.ravel() for e in expected])
    assert got.shape == want.shape
    assert np.array_equal(got, want), f"{np.count_nonzero(got != want)} of {got.size} values differ on the M4"
