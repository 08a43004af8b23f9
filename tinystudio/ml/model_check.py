"""Structural validation of a ``.tflite`` before any interpreter sees it.

TFLM (and TFLite) trust the flatbuffer: a tensor whose buffer index or offset points past
the file, a 3-byte weight buffer for a 360-byte tensor, a zero or NaN quantization scale
or a model with 20,000 tensors is read as it stands, which means reading foreign memory,
crashing, or taking minutes. So every model that did not come out of this process's own
training is walked here first with the flatbuffers accessors (pure Python, bounds-checked
reads that raise rather than crash) and refused with one line naming the model and the
first thing wrong. Validation is necessary, not sufficient: such models then run only in
a child process (:mod:`tinystudio.ml.sandbox`).
"""

from __future__ import annotations

import math
import struct

import numpy as np

from tinystudio.errors import TrainingError

#: Limits on what a model may declare. A TinyML model is far below all of them (the
#: person-detection MobileNet: 300 KB, 1 subgraph, ~90 tensors, ~30 ops).
MAX_MODEL_BYTES = 32 * 1024 * 1024
MAX_SUBGRAPHS = 16
MAX_TENSORS = 4096
MAX_OPERATORS = 4096
MAX_BUFFERS = 8192
MAX_OPERATOR_CODES = 512
MAX_RANK = 8
MAX_TENSOR_BYTES = 64 * 1024 * 1024

# TensorType -> bytes per element (0: variable-size types whose buffers are not checked;
# INT4 is packed two per byte).
_ELEMENT_BYTES = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 5: 0, 6: 1, 7: 2, 8: 8, 9: 1, 10: 8, 11: 16,
                  12: 8, 13: 0, 14: 0, 15: 4, 16: 2, 17: 0.5}
_ZERO_POINT_RANGE = {9: (-128, 127), 3: (0, 255), 7: (-32768, 32767), 2: (-(2**31), 2**31 - 1),
                     17: (-8, 7), 16: (0, 65535), 15: (0, 2**32 - 1), 4: (-(2**63), 2**63 - 1)}


class InvalidModelError(TrainingError):
    """A model file whose structure is unsafe to hand to an interpreter."""


def _bounded(name: str, what: str, n: int, limit: int) -> None:
    if n > limit:
        raise InvalidModelError(f"{name}: the model declares {n} {what}, more than the limit of "
                                f"{limit}; it is not a TinyML model TinyStudio can run")


def check_model(tflite: bytes, name: str = "model") -> None:
    """Refuse a model whose tensors, buffers, quantization or counts are out of bounds."""
    data = bytes(tflite)
    if len(data) > MAX_MODEL_BYTES:
        raise InvalidModelError(f"{name}: {len(data)} bytes, more than the limit of "
                                f"{MAX_MODEL_BYTES // (1024 * 1024)} MB for a model")
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise InvalidModelError(f"{name}: not a TensorFlow Lite model (no 'TFL3' identifier at byte 4)")
    from tflite_micro.python.tflite_micro import runtime

    try:
        _walk(runtime.schema_fb, data, name)
    except InvalidModelError:
        raise
    except (struct.error, IndexError, ValueError, TypeError, OverflowError, AttributeError) as exc:
        raise InvalidModelError(f"{name}: the model's flatbuffer is malformed ({type(exc).__name__}: "
                                f"{str(exc)[:80]}); it is damaged or not a TensorFlow Lite model") from None


def output_elements(tflite: bytes, name: str = "model") -> int:
    """Elements of the first output tensor of the first subgraph, after :func:`check_model`.

    Why: generated code indexes the output tensor by label; a descriptor that lists more
    labels than the model has outputs would read past the tensor on the board."""
    check_model(tflite, name)
    from tflite_micro.python.tflite_micro import runtime

    sg = runtime.schema_fb.Model.GetRootAs(bytes(tflite), 0).Subgraphs(0)
    if sg.OutputsLength() == 0:
        raise InvalidModelError(f"{name}: the model has no output tensor")
    t = sg.Tensors(sg.Outputs(0))
    return math.prod(int(t.Shape(i)) for i in range(t.ShapeLength()))


def _walk(fb, data: bytes, name: str) -> None:
    model = fb.Model.GetRootAs(data, 0)
    if model.Version() != 3:
        raise InvalidModelError(f"{name}: schema version {model.Version()}, TFLM reads version 3")
    n_codes, n_buffers, n_subgraphs = (model.OperatorCodesLength(), model.BuffersLength(),
                                       model.SubgraphsLength())
    _bounded(name, "operator codes", n_codes, MAX_OPERATOR_CODES)
    _bounded(name, "buffers", n_buffers, MAX_BUFFERS)
    _bounded(name, "subgraphs", n_subgraphs, MAX_SUBGRAPHS)
    if n_subgraphs == 0:
        raise InvalidModelError(f"{name}: the model has no subgraph")
    sizes = [_buffer_bytes(model.Buffers(i), len(data), name, i) for i in range(n_buffers)]
    tensors = ops = 0
    for s in range(n_subgraphs):
        sg = model.Subgraphs(s)
        n_t, n_o = sg.TensorsLength(), sg.OperatorsLength()
        tensors, ops = tensors + n_t, ops + n_o
        _bounded(name, "tensors", tensors, MAX_TENSORS)
        _bounded(name, "operators", ops, MAX_OPERATORS)
        for t in range(n_t):
            _check_tensor(sg.Tensors(t), sizes, name, f"subgraph {s} tensor {t}")
        for kind, length, get in (("input", sg.InputsLength(), sg.Inputs),
                                  ("output", sg.OutputsLength(), sg.Outputs)):
            for i in range(length):
                if not 0 <= get(i) < n_t:
                    raise InvalidModelError(f"{name}: subgraph {s} {kind} {i} names tensor {get(i)}, "
                                            f"the subgraph has {n_t}")
        for o in range(n_o):
            _check_operator(sg.Operators(o), n_codes, n_t, name, f"subgraph {s} operator {o}")


def _buffer_bytes(buf, file_size: int, name: str, index: int) -> int:
    """Bytes a buffer holds, from its inline data or its (offset, size) into the file."""
    offset, size = int(buf.Offset()), int(buf.Size())
    if offset > 1 or size:
        if offset + size > file_size:
            raise InvalidModelError(f"{name}: buffer {index} points at bytes {offset}..{offset + size}, "
                                    f"past the end of the {file_size}-byte file")
        return size
    return 0 if buf.DataIsNone() else int(buf.DataLength())


def _check_tensor(t, sizes: list[int], name: str, where: str) -> None:
    ttype = int(t.Type())
    if ttype not in _ELEMENT_BYTES:
        raise InvalidModelError(f"{name}: {where} has unknown type {ttype}")
    rank = t.ShapeLength()
    if rank > MAX_RANK:
        raise InvalidModelError(f"{name}: {where} has {rank} dimensions, more than {MAX_RANK}")
    shape = [int(t.Shape(i)) for i in range(rank)]
    if any(d < 0 for d in shape):
        raise InvalidModelError(f"{name}: {where} has a negative dimension {shape}")
    elems = math.prod(shape)
    nbytes = math.ceil(elems * _ELEMENT_BYTES[ttype])
    if nbytes > MAX_TENSOR_BYTES:
        raise InvalidModelError(f"{name}: {where} declares {nbytes} bytes ({shape}), more than the "
                                f"limit of {MAX_TENSOR_BYTES // (1024 * 1024)} MB per tensor")
    b = int(t.Buffer())
    if not 0 <= b < max(1, len(sizes)):
        raise InvalidModelError(f"{name}: {where} uses buffer {b}, the model has {len(sizes)}")
    have = sizes[b] if b < len(sizes) else 0
    if have and _ELEMENT_BYTES[ttype] and have != nbytes:
        raise InvalidModelError(f"{name}: {where} ({shape}) needs {nbytes} bytes of data, its buffer "
                                f"{b} holds {have}")
    q = t.Quantization()
    if q is not None:
        _check_quantization(q, ttype, shape, name, where)


def _check_quantization(q, ttype: int, shape: list[int], name: str, where: str) -> None:
    scales = np.asarray(q.ScaleAsNumpy()) if not q.ScaleIsNone() else np.zeros(0)
    zps = np.asarray(q.ZeroPointAsNumpy()) if not q.ZeroPointIsNone() else np.zeros(0, np.int64)
    if not len(scales):
        return
    if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise InvalidModelError(f"{name}: {where} has a quantization scale that is zero, negative or "
                                f"not finite ({scales[:4].tolist()})")
    dim = int(q.QuantizedDimension())
    # Per-channel: one scale per entry of a dimension (older converters wrote biases
    # with the weights' quantized dimension, so any dimension of that length is taken).
    ok_dim = 0 <= dim < len(shape) and shape[dim] == len(scales)
    if len(scales) > 1 and not (ok_dim or len(scales) in shape):
        raise InvalidModelError(f"{name}: {where} has {len(scales)} scales for quantized dimension "
                                f"{dim} of shape {shape}")
    if len(zps) and len(zps) != len(scales):
        raise InvalidModelError(f"{name}: {where} has {len(scales)} scales but {len(zps)} zero points")
    lo, hi = _ZERO_POINT_RANGE.get(ttype, (-(2**63), 2**63 - 1))
    if len(zps) and (int(zps.min()) < lo or int(zps.max()) > hi):
        raise InvalidModelError(f"{name}: {where} has a zero point outside {lo}..{hi}")


def _check_operator(op, n_codes: int, n_tensors: int, name: str, where: str) -> None:
    if not 0 <= op.OpcodeIndex() < n_codes:
        raise InvalidModelError(f"{name}: {where} uses operator code {op.OpcodeIndex()}, the model "
                                f"has {n_codes}")
    for kind, length, get in (("input", op.InputsLength(), op.Inputs),
                              ("output", op.OutputsLength(), op.Outputs)):
        if length > MAX_TENSORS:
            raise InvalidModelError(f"{name}: {where} lists {length} {kind}s")
        for i in range(length):
            if not -1 <= get(i) < n_tensors:  # -1: an optional input left out
                raise InvalidModelError(f"{name}: {where} {kind} {i} names tensor {get(i)}, the "
                                        f"subgraph has {n_tensors}")
