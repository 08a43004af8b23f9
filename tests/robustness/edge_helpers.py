"""Helpers for the boundary robustness tests (test_rb_edge_*): folder snapshots, a small
real project, a model package, and a scripted fake board on a real pty.

The fake board is a real pty (PtyLink) speaking the real frame codec: it answers GET_INFO
with whatever HELLO body a test gives it (valid or hostile), ACKs START, then sends the
test's frames. It stands in for a misbehaving firmware, which no real part can play.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

from tinystudio.boards.virtual.pty_link import PtyLink
from tinystudio.devices import protocol as p

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "resources" / "examples"


def snapshot(root: Path) -> dict[str, str]:
    """Every file and link under ``root``: relative path -> SHA-256 of the bytes (links:
    their target), so a before/after comparison is byte-exact. The project index
    (index.sqlite) is left out: it is derived data that any open may refresh, never the
    source of samples or labels (docs/dataset-format.md)."""
    root = Path(root)
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for q in sorted(root.rglob("*")):
        rel = str(q.relative_to(root))
        if q.name.startswith("index.sqlite") and not q.is_symlink():
            continue
        if q.is_symlink():
            out[rel] = "link:" + str(q.readlink())
        elif q.is_file():
            out[rel] = hashlib.sha256(q.read_bytes()).hexdigest()
    return out


def gesture_project(path: Path):
    """punch.csv and flex.csv imported as a real project (20 labeled segments)."""
    from tinystudio.dataset import Project
    from tinystudio.dataset.importers import import_paths

    for name in ("punch", "flex"):
        import_paths(path, [EXAMPLES / "gestures_punch_flex" / f"{name}.csv"], label=name)
    return Project.open(path)


def relabel(project, mapping: dict[str, str]):
    """Give the segments of each recording ``rid`` the label ``mapping[rid]`` (through the
    real, validated label path) and save."""
    from dataclasses import replace

    for rid, label in mapping.items():
        project.set_segments(rid, [replace(s, label=label) for s in project.segments(rid)])
    project.save()
    return project


def imu_descriptor_dict(labels=("punch", "flex")) -> dict:
    from tinystudio.ml.package import ModelDescriptor

    d = ModelDescriptor(
        labels=list(labels), sensor_kind="imu", frontend="raw", rate_hz=119.0,
        channels=["aX", "aY", "aZ", "gX", "gY", "gZ"], window=119, stride=119, input_shape=[119, 6],
        input_scale=0.05, input_zero_point=-3, output_scale=1 / 256, output_zero_point=-128,
        raw_scale=[1.0] * 6, norm_offset=[0.0] * 6, norm_scale=[1.0] * 6,
        model_name="tiny_dense", ops=["FULLY_CONNECTED", "SOFTMAX", "RESHAPE"], arena_bytes=4096)
    d.fold_input_affine()
    return json.loads(d.to_json())


def model_with_outputs(n: int) -> bytes:
    """hello_world's int8 model with its output tensor reshaped to ``[1, n]``: structurally
    valid (the output is an activation, it has no buffer) and as many outputs as a descriptor
    with ``n`` labels needs. For code generation only: it is never run."""
    import flatbuffers
    from tflite_micro.python.tflite_micro import runtime

    fb = runtime.schema_fb
    data = (EXAMPLES / "tflm_models" / "hello_world_int8.tflite").read_bytes()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAs(data, 0))
    sg = model.subgraphs[0]
    sg.tensors[sg.outputs[0]].shape = [1, n]
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def install_model(project_path: Path, desc: dict, tflite: bytes | None = None) -> Path:
    """Write a model package as the project's current model, descriptor as given (it may be
    tampered: written raw, as an attacker or a careless edit would)."""
    from tinystudio.dataset import Project

    if not (Path(project_path) / "project.json").exists():
        Project.create(project_path)
    models = Path(project_path) / "models"
    pkg = models / "m1"
    pkg.mkdir(parents=True, exist_ok=True)
    data = tflite if tflite is not None else model_with_outputs(len(desc.get("labels") or []) or 1)
    (pkg / "model.tflite").write_bytes(data)
    (pkg / "descriptor.json").write_text(json.dumps(desc), encoding="utf-8")
    (models / "current.json").write_text(json.dumps({"model": "m1"}), encoding="utf-8")
    return pkg


def imu_hello(**sensor) -> p.DeviceInfo:
    """A valid one-IMU HELLO; keyword arguments replace sensor fields."""
    from dataclasses import replace

    chans = tuple(p.ChannelInfo(n, "g", 1 / 8192) for n in ("aX", "aY", "aZ"))
    s = p.SensorInfo(0, p.SensorKind.IMU, "imu", p.SampleType.I16, 100.0, chans)
    return p.DeviceInfo("Fake board", "fake 1.0", sensors=(replace(s, **sensor),))


class FakeBoard:
    """A scripted board on a real pty: HELLO body as given, frames sent after START."""

    def __init__(self, hello_body: bytes, after_start: list[bytes] | None = None,
                 start_status: p.Status = p.Status.OK, stop_delay: float = 0.0) -> None:
        self.start_status = start_status
        self.stop_delay = stop_delay  # seconds before the STOP ACK (a backlog on a slow link)
        self.link = PtyLink()
        self.path = self.link.path
        self.hello_body = hello_body
        self.after_start = after_start or []
        self.started = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        dec = p.FrameDecoder()
        while not self._stop.is_set():
            data = self.link.read()
            if not data:
                self.link.wait(0.01)
                continue
            for f in dec.feed(data):
                if f.type == p.MsgType.GET_INFO:
                    self.link.write_all(p.encode_frame(p.MsgType.HELLO, p.NO_STREAM, f.seq, self.hello_body))
                elif f.type in (p.MsgType.START, p.MsgType.STOP):
                    status = self.start_status if f.type == p.MsgType.START else p.Status.OK
                    if f.type == p.MsgType.STOP and self.stop_delay:
                        time.sleep(self.stop_delay)
                    self.link.write_all(p.encode_frame(p.MsgType.ACK, p.NO_STREAM, f.seq,
                                                       p.encode_ack(p.MsgType(f.type), status)))
                    if status != p.Status.OK:
                        continue
                    if f.type == p.MsgType.START and not self.started.is_set():
                        self.link.write_all(b"".join(self.after_start))
                        self.started.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.link.close()

    def __enter__(self) -> FakeBoard:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
