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

import numpy as np
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


# ---------------------------------------------------------------- imports (issue 24)
#: Real files of each kind the import reads, from the shipped examples: other people's
#: formats (an Edge Impulse JSON sample, a WAV, PNGs, a CSV of real takes).
IMPORT_SEEDS = (
    "micro_speech/yes_1000ms.wav",
    "person_detection/person/person.png",
    "digits/one/one_10_row93.png",
    "ei_phone_motion/training/up-down.3r7u502o.ingestion-5c4bbc78bc-wpszz.json",
    "gestures_punch_flex/punch.csv",
)


@cache
def _import_seed(which: int) -> tuple[str, bytes]:
    from tinystudio.resources import resource_path

    rel = IMPORT_SEEDS[which % len(IMPORT_SEEDS)]
    return Path(rel).suffix, resource_path("examples", *Path(rel).parts).read_bytes()


def _parse_as_import(name: str, data: bytes) -> None:
    """Write ``data`` as ``name`` and parse it as ``import --label x`` would: it parses or
    is a TinyStudioError (one line for the user), nothing else."""
    from tinystudio.dataset.importers import parse_paths
    from tinystudio.errors import TinyStudioError

    with tempfile.TemporaryDirectory(prefix="ts-fuzz-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with contextlib.suppress(TinyStudioError):
            parse_paths([path], label="x")


def import_bytes_target(which: int, edits, cut: float | None) -> None:
    """Byte edits (and optionally a truncation) of a real WAV, PNG, EI JSON or CSV file."""
    suffix, seed = _import_seed(which)
    data = mutate(seed, edits)
    if cut is not None:
        data = data[: int(cut * len(data))]
    _parse_as_import(f"sample{suffix}", data)


#: Any JSON value, for replacing parts of an Edge Impulse sample.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)


def ei_json_target(path_choices: list[int], value) -> None:
    """An Edge Impulse sample with one part (chosen by walking ``path_choices``) replaced."""
    import json

    doc = json.loads(_import_seed(3)[1])
    node, key = doc, None
    parent = None
    for choice in path_choices:
        if isinstance(node, dict) and node:
            parent, key = node, sorted(node)[choice % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, choice % len(node)
        else:
            break
        node = parent[key]
    if parent is None:
        doc = value
    else:
        parent[key] = value
    _parse_as_import("sample.json", json.dumps(doc).encode())


#: Attribute values of every HDF5 type h5py writes: scalars, text, bytes, arrays of each
#: dtype and shape (including empty and 2-D), non-finite floats.
_H5_TEXT = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))  # h5py cannot write these
H5_ATTR_VALUES = st.one_of(
    st.integers(-2**63, 2**63 - 1), st.floats(), st.text(_H5_TEXT, max_size=40),
    st.binary(max_size=40).map(lambda b: np.void(b) if b else b""),  # opaque bytes
    st.booleans(),
    st.lists(st.floats(), max_size=8).map(lambda v: np.asarray(v, dtype="float64")),
    st.lists(st.integers(-2**31, 2**31 - 1), max_size=8).map(lambda v: np.asarray(v, dtype="int32")),
    st.lists(st.text(_H5_TEXT, max_size=8), max_size=8),
    st.integers(0, 3).map(lambda n: np.zeros((n, 2))),
)
#: The recording header's attribute names, plus a name no schema knows.
H5_ATTR_KEYS = st.sampled_from(["sensor_kind", "channel_names", "units", "scale", "rate_hz", "sample_type",
                                "state", "labels", "segments", "subject", "session", "started_at",
                                "device", "zz_unknown"])


def recording_attrs_target(changes: list) -> None:
    """A real recording with header attributes replaced by values of other types: it opens
    and reads, or it is a DatasetError naming the attribute."""
    import h5py

    from tinystudio.dataset.recording import Recording
    from tinystudio.errors import DatasetError

    seed = sorted((_project_seed() / "recordings").glob("*.h5"))[0]
    with tempfile.TemporaryDirectory(prefix="ts-fuzz-") as tmp:
        path = Path(tmp) / seed.name
        shutil.copyfile(seed, path)
        with h5py.File(path, "r+") as f:
            for key, value in changes:
                if key in f.attrs:
                    del f.attrs[key]
                if value is not None:
                    f.attrs[key] = value
        try:
            rec = Recording(path)
            rec.read()
            _ = (rec.segments, rec.channel_names, rec.units, rec.rate_hz)
        except DatasetError:
            pass


# ---------------------------------------------------------------- a live board session
def _session_seed_stream() -> bytes:
    """What a real IMU board sends after START: sample frames, a LOG, a HELLO repeated."""
    from tests.robustness.edge_helpers import imu_hello
    from tinystudio.devices import protocol as p

    frames = [p.encode_frame(p.MsgType.SAMPLES, 0, seq, np.arange(seq * 12, seq * 12 + 12, dtype="<i2").tobytes())
              for seq in range(12)]
    frames.insert(4, p.encode_frame(p.MsgType.LOG, p.NO_STREAM, 0, b"\x01hello from the board"))
    frames.insert(8, p.encode_frame(p.MsgType.HELLO, p.NO_STREAM, 0, p.encode_hello(imu_hello())))
    return b"".join(frames)


def board_session_target(edits, tail: bytes) -> None:
    """A board (real pty) that says a valid HELLO, then streams a mutated real stream plus
    random bytes: the session delivers at most what was sent, stays responsive (STOP and
    close return) and reports trouble only as a DeviceError, never a traceback or a hang."""
    from tests.robustness.edge_helpers import FakeBoard, imu_hello
    from tinystudio.devices import protocol as p
    from tinystudio.devices.session import BoardSession
    from tinystudio.errors import DeviceError

    stream = mutate(_session_seed_stream(), edits) + tail
    got = []
    with FakeBoard(p.encode_hello(imu_hello()), [stream]) as board:
        try:
            with BoardSession.open(board.path, reconnect=False, hello_timeout=3.0) as s:
                s.subscribe(lambda b: got.append(len(b.samples)))
                s.start(0)
                board.started.wait(2.0)
                import time

                time.sleep(0.05)
                with contextlib.suppress(DeviceError):
                    s.stop(0)
                _ = s.link_stats, s.stats(0)
        except DeviceError:
            pass
    assert sum(got) <= len(stream) // 6, (sum(got), len(stream))  # 6 bytes per sample at most
