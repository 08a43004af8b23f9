"""Fuzz targets: hostile bytes in, only the documented refusal out.

Each target takes hypothesis-drawn data and asserts the class invariant: a crafted
``.tflite`` is refused with ``InvalidModelError`` or, if it passes validation, runs in the
sandbox or fails there as ``SandboxError`` (the host never runs it); a mutated recording
or ``project.json`` opens or is a ``DatasetError``; a mutated frame body decodes or is a
``ProtocolError``. Anything else (a traceback type, a crash of this process, a hang) is
a finding. Mutations start from the studio's own files, so they reach deep parsing.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from tests.robustness.hostile_models import MODELS

#: (position fraction, byte) edits applied to a seed file.
EDITS = st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 255)), min_size=1, max_size=12)


def mutate(seed: bytes, edits, start: int = 0) -> bytes:
    data = bytearray(seed)
    for frac, byte in edits:
        pos = start + int(frac * (len(data) - 1 - start))
        data[pos] = byte
    return bytes(data)


@cache
def model_seeds() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in sorted(MODELS.glob("*int8.tflite"))) + (
        (MODELS / "micro_speech_quantized.tflite").read_bytes(),)


def tflite_target(which: int, edits, run: bool) -> None:
    from tinystudio.ml.model_check import InvalidModelError, check_model
    from tinystudio.ml.sandbox import SandboxedRunner, SandboxError

    seeds = model_seeds()
    data = mutate(seeds[which % len(seeds)], edits, start=8)
    try:
        check_model(data, "fuzz.tflite")
    except InvalidModelError:
        return
    if not run:
        return
    import numpy as np

    try:
        with SandboxedRunner(data, "fuzz.tflite", load_timeout=30, run_timeout=10) as r:
            r.run(np.zeros([int(d) for d in r.input["shape"]], dtype=r.input["dtype"]))
    except SandboxError:
        pass


@cache
def _project_seed() -> Path:
    from tests.robustness.edge_helpers import gesture_project

    root = Path(tempfile.mkdtemp(prefix="ts-fuzz-seed-"))
    gesture_project(root / "proj")
    return root / "proj"


def project_json_target(edits) -> None:
    from tinystudio.dataset import Project
    from tinystudio.errors import DatasetError

    seed = _project_seed()
    with tempfile.TemporaryDirectory(prefix="ts-fuzz-") as tmp:
        proj = Path(tmp) / "proj"
        shutil.copytree(seed, proj, symlinks=True)
        jpath = proj / "project.json"
        jpath.write_bytes(mutate(jpath.read_bytes(), edits))
        with contextlib.suppress(DatasetError):
            Project.open(proj)


def recording_target(edits) -> None:
    from tinystudio.dataset.recording import Recording
    from tinystudio.errors import DatasetError

    seed = sorted((_project_seed() / "recordings").glob("*.h5"))[0]
    with tempfile.TemporaryDirectory(prefix="ts-fuzz-") as tmp:
        path = Path(tmp) / seed.name
        path.write_bytes(mutate(seed.read_bytes(), edits))
        try:
            rec = Recording(path)
            rec.read()
        except DatasetError:
            pass


def frame_target(kind: int, body: bytes) -> None:
    from tinystudio.devices import model_messages as mm
    from tinystudio.devices import protocol as p

    decoders = [p.decode_hello, p.decode_ack, p.decode_log, p.decode_error, p.decode_camera_chunk,
                mm.decode_model_ack, mm.decode_run_output]
    with contextlib.suppress(p.ProtocolError):
        decoders[kind % len(decoders)](body)
