"""Host-side TFLM: run a model in the real TFLM interpreter, size its arena, list its ops.

The board runs TFLM, not TFLite, so before a model is sent anywhere it is loaded in the
``tflite-micro`` Python interpreter (the same kernels, compiled for the host): the
smallest working arena is found by bisection, the ops are checked against what TFLM
ships, and outputs are compared with TFLite's on the test windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinystudio.errors import TrainingError
from tinystudio.ml.quiet import quiet

# Builtin operators registered by TFLM's op resolver (tensorflow/lite/micro/kernels).
TFLM_BUILTIN_OPS = frozenset(  # noqa: SIM905
    ["ABS", "ADD", "ADD_N", "ARG_MAX", "ARG_MIN", "ASSIGN_VARIABLE", "AVERAGE_POOL_2D", "BATCH_MATMUL", "BATCH_TO_SPACE_ND", "BROADCAST_ARGS", "BROADCAST_TO", "CALL_ONCE", "CAST", "CEIL", "CONCATENATION", "CONV_2D", "COS", "CUMSUM", "DEPTH_TO_SPACE", "DEPTHWISE_CONV_2D", "DEQUANTIZE", "DIV", "ELU", "EMBEDDING_LOOKUP", "EQUAL", "EXP", "EXPAND_DIMS", "FILL", "FLOOR", "FLOOR_DIV", "FLOOR_MOD", "FULLY_CONNECTED", "GATHER", "GATHER_ND", "GREATER", "GREATER_EQUAL", "HARD_SWISH", "IF", "L2_NORMALIZATION", "L2_POOL_2D", "LEAKY_RELU", "LESS", "LESS_EQUAL", "LOG", "LOGICAL_AND", "LOGICAL_NOT", "LOGICAL_OR", "LOGISTIC", "LOG_SOFTMAX", "MAX_POOL_2D", "MAXIMUM", "MEAN", "MINIMUM", "MIRROR_PAD", "MUL", "NEG", "NOT_EQUAL", "PACK", "PAD", "PADV2", "PRELU", "QUANTIZE", "READ_VARIABLE", "REDUCE_MAX", "RELU", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "REVERSE_V2", "ROUND", "RSQRT", "SELECT_V2", "SHAPE", "SIN", "SLICE", "SOFTMAX", "SPACE_TO_BATCH_ND", "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V", "SQRT", "SQUARE", "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "SVDF", "TANH", "TRANSPOSE", "TRANSPOSE_CONV", "UNIDIRECTIONAL_SEQUENCE_LSTM", "UNPACK", "VAR_HANDLE", "WHILE", "ZEROS_LIKE"]
)
ARENA_ALIGN = 16
MAX_ARENA = 4 * 1024 * 1024
REFINE_BAND = 512
ARENA_TIMEOUT = 300.0  # seconds for the whole arena search in its child process


def model_ops(tflite: bytes) -> list[str]:
    """Operator names used by a model (custom ops by their custom code), in model order."""
    from tflite_micro.python.tflite_micro import runtime

    try:
        model = runtime.convert_bytearray_to_object(bytearray(tflite))
    except Exception as exc:  # flatbuffers raises assorted errors on garbage
        raise TrainingError(f"not a TensorFlow Lite model ({exc})") from exc
    names = {v: k for k, v in vars(runtime.schema_fb.BuiltinOperator).items() if not k.startswith("_")}
    ops = []
    for oc in model.operatorCodes or []:
        code = runtime.get_builtin_code_from_operator_code(oc)
        if names.get(code) == "CUSTOM":
            custom = oc.customCode
            ops.append(custom.decode() if isinstance(custom, bytes) else str(custom))
        else:
            ops.append(names.get(code, f"BUILTIN_{code}"))
    return ops


def unsupported_ops(ops: list[str]) -> list[str]:
    """Builtin ops TFLM has no kernel for. Custom ops are flagged too: a stock board lacks them."""
    return [op for op in ops if op not in TFLM_BUILTIN_OPS]


def _interpreter(tflite: bytes, arena_size: int):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(bytes(tflite), arena_size=int(arena_size))


def _fits(tflite: bytes, arena: int, probe: np.ndarray | None) -> bool:
    try:
        with quiet():
            interp = _interpreter(tflite, arena)
            if probe is not None:
                interp.set_input(probe, 0)
                interp.invoke()
        return True
    except (RuntimeError, ValueError):
        return False


def smallest_arena(tflite: bytes, probe: np.ndarray | None = None) -> int:
    """Smallest arena (multiple of 16 bytes) in which the model allocates and invokes.

    Runs in a child process: TFLM *aborts* the process (rather than returning an error)
    on some models, e.g. a softmax whose input scale overflows its fixed-point multiplier,
    and a model must never take the GUI or the command down with it.
    """
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        arrays = {"model": np.frombuffer(bytes(tflite), dtype=np.uint8)}
        if probe is not None:
            arrays["probe"] = np.asarray(probe)
        np.savez(path, **arrays)
        from tinystudio.ml.sandbox import child_env, limit_child

        try:
            proc = subprocess.run([sys.executable, "-m", "tinystudio.ml.tflm", str(path)],
                                  capture_output=True, text=True, timeout=ARENA_TIMEOUT,
                                  env=child_env(), preexec_fn=limit_child)
        except subprocess.TimeoutExpired:
            raise TrainingError(f"TFLM took more than {ARENA_TIMEOUT:.0f} s to size the model's arena; "
                                "the model is too large or malformed for a board") from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode == 0:
        return int(lines[-1])
    if proc.returncode < 0 and lines and lines[-1].isdigit():
        return int(lines[-1])  # measured and confirmed; only the downward refinement crashed
    if proc.returncode == 2:
        raise TrainingError(proc.stdout.strip().splitlines()[-1])
    raise TrainingError(
        f"TFLM aborted while loading or running the model (exit {proc.returncode}); a tensor's "
        "quantization is outside what TFLM's kernels accept (e.g. the softmax input range); "
        "train longer or with more data so activations settle, or choose another model"
    )


def _smallest_arena_here(tflite: bytes, probe: np.ndarray | None = None,
                         on_measured=None) -> int:
    """Measure with TFLM's recording allocator, then confirm the figure loads and runs.

    Loading at a too-small arena is not always a clean error (TFLM has crashed on some
    models below their need), so the search never goes below the recorded total: it
    loads once in a large arena, invokes, reads "Arena allocation total N bytes", steps
    up from N only if N itself does not work, then bisects down within 512 bytes of N.
    """
    import os
    import re
    import tempfile

    interp = _interpreter(tflite, MAX_ARENA)
    details = interp.get_input_details(0)
    shape = [int(d) for d in details["shape"]]
    x = np.zeros(shape, dtype=details["dtype"]) if probe is None else np.asarray(probe).reshape(shape)
    interp.set_input(x, 0)
    interp.invoke()
    sys_stderr = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as cap:
        os.dup2(cap.fileno(), 2)
        try:
            interp.print_allocations()
        finally:
            os.dup2(sys_stderr, 2)
            os.close(sys_stderr)
        cap.seek(0)
        text = cap.read().decode(errors="replace")
    match = re.search(r"Arena allocation total (\d+) bytes", text)
    arena = (int(match.group(1)) + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN if match else 4096
    while not _fits(tflite, arena, x):
        arena += max(ARENA_ALIGN, arena // 64 // ARENA_ALIGN * ARENA_ALIGN)
        if arena > MAX_ARENA:
            raise TrainingError(
                f"TFLM cannot allocate this model even in a {MAX_ARENA // 1024} KB arena; "
                "it probably uses an op or tensor type TFLM does not support"
            )
    if on_measured is not None:
        on_measured(arena)  # confirmed to load and run
    # The recording allocator counts some alignment slack; bisect down within a narrow
    # band (allocation failures just below the need are clean errors).
    lo, hi = max(0, arena - REFINE_BAND), arena
    while hi - lo > ARENA_ALIGN:
        mid = (lo + hi) // 2 // ARENA_ALIGN * ARENA_ALIGN
        if mid <= lo:
            break
        if _fits(tflite, mid, x):
            hi = mid
        else:
            lo = mid
    return hi


class TflmRunner:
    """One TFLM interpreter reused for many single-example invocations."""

    def __init__(self, tflite: bytes, arena_size: int | None = None) -> None:
        self.arena_size = arena_size or smallest_arena(tflite) + 1024
        with quiet():
            self._interp = _interpreter(tflite, self.arena_size)
        self.input = self._interp.get_input_details(0)
        self.output = self._interp.get_output_details(0)

    def run(self, example: np.ndarray) -> np.ndarray:
        """Output tensor for one example, given without the batch dimension."""
        shape = [int(d) for d in self.input["shape"]]
        x = np.asarray(example, dtype=self.input["dtype"]).reshape(shape)
        self._interp.set_input(x, 0)
        self._interp.invoke()
        return np.array(self._interp.get_output(0)).reshape(-1)

    def run_batch(self, examples: np.ndarray) -> np.ndarray:
        return np.stack([self.run(e) for e in examples]) if len(examples) else np.zeros((0, 0))


def run_tflm(tflite: bytes, int8_input: np.ndarray, arena_size: int | None = None) -> np.ndarray:
    """Run ``tflite`` in TFLM on a batch ``(n, *input_shape)``; returns ``(n, n_outputs)``."""
    return TflmRunner(tflite, arena_size).run_batch(np.asarray(int8_input))


@dataclass
class TflmReport:
    """What TFLM verification found; ``ok`` is the verdict."""

    arena_bytes: int
    ops: list[str]
    unsupported_ops: list[str]
    max_abs_diff: int  # largest |TFLM - TFLite| over all outputs, in int8 steps
    n_compared: int
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsupported_ops and self.max_abs_diff == 0


def verify_tflm(tflite: bytes, int8_inputs: np.ndarray, tflite_outputs: np.ndarray | None) -> TflmReport:
    """Load in TFLM, size the arena, check ops, compare with TFLite outputs if given."""
    ops = model_ops(tflite)
    missing = unsupported_ops(ops)
    inputs = np.asarray(int8_inputs)
    probe = _batched(tflite, inputs[0]) if len(inputs) else None
    arena = smallest_arena(tflite, probe)
    outputs = TflmRunner(tflite, arena).run_batch(inputs) if len(inputs) else None
    diff = 0
    if outputs is not None and tflite_outputs is not None:
        ref = np.asarray(tflite_outputs).reshape(outputs.shape).astype(np.int32)
        diff = int(np.max(np.abs(outputs.astype(np.int32) - ref)))
    notes = []
    if missing:
        notes.append("ops TFLM lacks: " + ", ".join(missing))
    if diff:
        notes.append(f"TFLM and TFLite outputs differ by up to {diff} int8 steps")
    return TflmReport(arena, ops, missing, diff, 0 if outputs is None else len(outputs), notes)


def _batched(tflite: bytes, example: np.ndarray) -> np.ndarray:
    with quiet():
        interp = _interpreter(tflite, MAX_ARENA)
    details = interp.get_input_details(0)
    return np.asarray(example, dtype=details["dtype"]).reshape([int(d) for d in details["shape"]])


def _child(npz_path: str) -> int:
    """Child-process entry: print the smallest arena, or a message and exit 2."""
    data = np.load(npz_path)
    probe = data["probe"] if "probe" in data.files else None
    try:
        print(_smallest_arena_here(data["model"].tobytes(), probe,
                                   lambda n: print(n, flush=True)), flush=True)
    except TrainingError as exc:
        print(str(exc))
        return 2
    except Exception as exc:  # the interpreter raises RuntimeError/ValueError on bad models
        print(f"TFLM cannot load this model: {str(exc).strip() or type(exc).__name__}")
        return 2
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_child(sys.argv[1]))
