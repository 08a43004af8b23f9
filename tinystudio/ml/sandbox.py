"""Untrusted models run in a child process with memory and time limits.

TFLM reads a model's flatbuffer on trust and *aborts* or segfaults on some malformed or
extreme models; :mod:`tinystudio.ml.model_check` refuses what it can see, but an
interpreter fault it cannot foresee must cost a child process, never the studio or the
command. :class:`SandboxedRunner` has :class:`~tinystudio.ml.tflm.TflmRunner`'s interface
(``input``/``output`` details, ``run``, ``run_batch``, ``arena_size``) and keeps one child
for its lifetime, so classifying a folder starts one process, not one per file.

The child is our code running on hostile data, so nothing it says is unpickled: details
come back as JSON, tensors as ``.npy`` bytes read with ``allow_pickle=False``. Frames on
both pipes are a 4-byte little-endian length and the payload.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import subprocess
import sys
import time
from io import BytesIO

import numpy as np

from tinystudio.errors import TrainingError

#: Address-space limit of a sandbox child (Python + numpy + TFLM use ~150 MB; a model's
#: arena is at most 4 MB): a model that makes the interpreter allocate without bound is
#: stopped here instead of taking the machine's memory.
MEMORY_LIMIT = 1024 * 1024 * 1024
LOAD_TIMEOUT = 60.0  #: seconds to import TFLM, size the arena and load the model
RUN_TIMEOUT = 20.0  #: seconds for one invoke
MAX_REPLY = 64 * 1024 * 1024
_HDR = struct.Struct("<I")


class SandboxError(TrainingError):
    """The model crashed, hung or ran out of memory in its child process."""


def limit_child(memory: int = MEMORY_LIMIT, cpu_seconds: int | None = None) -> None:
    """``preexec_fn``: cap address space (and CPU), no core dumps. Linux/macOS only."""
    try:
        import resource
    except ImportError:  # Windows: the time limit still holds
        return
    for lim, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_CPU, cpu_seconds)):
        if value is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(lim, (value, value))


def child_env() -> dict[str, str]:
    """The child's environment: one BLAS thread (fewer reserved arenas under the cap)."""
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def describe_exit(code: int | None) -> str:
    if code is None:
        return "did not answer in time"
    if code < 0:
        import signal

        try:
            return f"crashed ({signal.Signals(-code).name})"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def spawn_child(memory: int = MEMORY_LIMIT) -> subprocess.Popen:
    """A sandbox child that imports TFLM and waits for its model.

    Starting Python and importing the interpreter is most of a sandbox's cost (~0.5 s); a
    caller that loads models often (the virtual board, at every upload) keeps one spawned
    ahead and passes it as ``warm``.
    """
    return subprocess.Popen([sys.executable, "-m", "tinystudio.ml.sandbox"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=child_env(), preexec_fn=lambda: limit_child(memory))


def _npy(a: np.ndarray) -> bytes:
    buf = BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def _from_npy(data: bytes) -> np.ndarray:
    return np.load(BytesIO(data), allow_pickle=False)


def _details_json(d: dict) -> dict:
    q = d.get("quantization_parameters", {})
    return {"shape": [int(v) for v in d["shape"]], "dtype": np.dtype(d["dtype"]).str,
            "quantization_parameters": {
                "scales": [float(v) for v in np.asarray(q.get("scales", [])).reshape(-1)],
                "zero_points": [int(v) for v in np.asarray(q.get("zero_points", [])).reshape(-1)],
                "quantized_dimension": int(q.get("quantized_dimension", 0))}}


def _details_back(d: dict) -> dict:
    q = d["quantization_parameters"]
    return {"shape": np.asarray(d["shape"], dtype=np.int32), "dtype": np.dtype(d["dtype"]).type,
            "quantization_parameters": {"scales": np.asarray(q["scales"], dtype=np.float32),
                                        "zero_points": np.asarray(q["zero_points"], dtype=np.int32),
                                        "quantized_dimension": q["quantized_dimension"]}}


class SandboxedRunner:
    """A TFLM interpreter for an untrusted model, living in a limited child process."""

    def __init__(self, tflite: bytes, name: str = "model", arena_size: int | None = None,
                 load_timeout: float = LOAD_TIMEOUT, run_timeout: float = RUN_TIMEOUT,
                 memory: int = MEMORY_LIMIT, arena_bound: int | None = None,
                 validate: bool = True, warm: subprocess.Popen | None = None) -> None:
        from tinystudio.ml.model_check import check_model
        from tinystudio.ml.tflm import MAX_ARENA

        if validate:  # False only where the caller validated already (or a test wants the raw fault)
            check_model(tflite, name)
        self.name = name
        self.run_timeout = run_timeout
        if arena_size is not None and not 0 < int(arena_size) <= (arena_bound or MAX_ARENA):
            arena_size = None  # never size a host arena from an unbounded claim
        self._proc = warm if warm is not None and warm.poll() is None else spawn_child(memory)
        head = json.dumps({"arena": int(arena_size or 0)}).encode()
        try:
            for payload in (head, bytes(tflite)):
                self._proc.stdin.write(_HDR.pack(len(payload)) + payload)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._fail("loading it") from None
        hello = json.loads(self._read(load_timeout, "loading it"))
        if "error" in hello:
            self.close()
            raise SandboxError(f"{name}: {hello['error']}")
        self.arena_size = int(hello["arena"])
        self.input = _details_back(hello["input"])
        self.output = _details_back(hello["output"])

    def _fail(self, doing: str, timed_out: bool = False) -> SandboxError:
        proc = self._proc
        code = None
        if not timed_out:  # the pipe closed: the child is exiting, take its status
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        if code is None:
            proc.kill()
        proc.wait()
        self.close()
        return SandboxError(f"{self.name}: TFLM {describe_exit(code)} while {doing} (in its sandbox "
                            "process; the studio is unaffected); the model is malformed or beyond "
                            "what TFLM can run")

    def _read_exact(self, n: int, deadline: float, doing: str) -> bytes:
        fd = self._proc.stdout.fileno()
        out = bytearray()
        while len(out) < n:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
            if not ready:
                raise self._fail(doing, timed_out=True)
            chunk = os.read(fd, n - len(out))
            if not chunk:
                raise self._fail(doing)
            out += chunk
        return bytes(out)

    def _read(self, timeout: float, doing: str) -> bytes:
        deadline = time.monotonic() + timeout
        (n,) = _HDR.unpack(self._read_exact(_HDR.size, deadline, doing))
        if n > MAX_REPLY:
            raise self._fail(doing)
        return self._read_exact(n, deadline, doing)

    def run(self, example: np.ndarray) -> np.ndarray:
        """Output tensor for one example, given without the batch dimension."""
        shape = [int(d) for d in self.input["shape"]]
        x = np.asarray(example, dtype=self.input["dtype"]).reshape(shape)
        payload = _npy(x)
        try:
            self._proc.stdin.write(_HDR.pack(len(payload)) + payload)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._fail("running it") from None
        reply = self._read(self.run_timeout, "running it")
        if reply[:1] == b"{":
            raise SandboxError(f"{self.name}: {json.loads(reply)['error']}")
        return _from_npy(reply).reshape(-1)

    def run_batch(self, examples: np.ndarray) -> np.ndarray:
        return np.stack([self.run(e) for e in examples]) if len(examples) else np.zeros((0, 0))

    def close(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is None:
            return
        if proc.poll() is None:  # nothing of the child's is worth an orderly shutdown
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown
            self.close()


def _send(out, payload: bytes) -> None:
    out.write(_HDR.pack(len(payload)) + payload)
    out.flush()


def _read_frame(inp) -> bytes | None:
    head = inp.read(_HDR.size)
    if len(head) < _HDR.size:
        return None
    (n,) = _HDR.unpack(head)
    return inp.read(n)


def _child_main() -> int:
    """Child: import TFLM, read ``{"arena"}`` and the model, send its details, then answer
    one output per input until stdin closes."""
    from tflite_micro.python.tflite_micro import runtime  # noqa: F401 - warm before the model comes

    from tinystudio.ml.quiet import quiet
    from tinystudio.ml.tflm import TflmRunner, _smallest_arena_here

    out, inp = sys.stdout.buffer, sys.stdin.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    head, tflite = _read_frame(inp), _read_frame(inp)
    if head is None or tflite is None:
        return 0
    try:
        with quiet():
            arena = int(json.loads(head)["arena"]) or _smallest_arena_here(tflite) + 1024
            runner = TflmRunner(tflite, arena)
    except Exception as exc:  # noqa: BLE001 - the interpreter's errors on a bad model
        text = str(exc).strip()[:200] or type(exc).__name__
        _send(out, json.dumps({"error": f"TFLM cannot load it ({text})"}).encode())
        return 0
    _send(out, json.dumps({"arena": arena, "input": _details_json(runner.input),
                           "output": _details_json(runner.output)}).encode())
    while (frame := _read_frame(inp)) is not None:
        try:
            with quiet():
                y = runner.run(_from_npy(frame))
            _send(out, _npy(y))
        except Exception as exc:  # noqa: BLE001
            _send(out, json.dumps({"error": f"TFLM cannot run it ({str(exc).strip()[:200]})"}).encode())
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
