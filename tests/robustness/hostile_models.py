"""Crafted hostile models: the studio's reference models with one field made a lie.

Each mutation edits the real flatbuffer through the schema's object API and packs it
again, so the result is a well-formed flatbuffer that says something false (a weight
tensor pointing past the buffers, a 3-byte buffer for a 16,000-byte tensor, a buffer
offset of 2^40, a zero scale, 5,000 tensors). The fuzzers mutate the same way.
"""

from __future__ import annotations

import copy
from pathlib import Path

import flatbuffers
import numpy as np

MODELS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "tflm_models"
MICRO_SPEECH = MODELS / "micro_speech_quantized.tflite"


def load(path: Path = MICRO_SPEECH):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.convert_bytearray_to_object(bytearray(Path(path).read_bytes()))


def pack(model) -> bytes:
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _weights(m):
    """The largest constant tensor (micro_speech: the 4 x 4000 final weights)."""
    sg = m.subgraphs[0]
    return max((t for t in sg.tensors if m.buffers[t.buffer].data is not None),
               key=lambda t: len(m.buffers[t.buffer].data))


def _set_offset(m):
    buf = m.buffers[_weights(m).buffer]
    size = len(buf.data)
    buf.data, buf.offset, buf.size = None, 2**40, size


def _input_scale(value):
    def f(m):
        t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]]
        t.quantization.scale = np.array([value], np.float32)
    return f


#: name -> (mutation, words the refusal must contain)
MUTATIONS = {
    "weight buffer index past the buffers": (lambda m: setattr(_weights(m), "buffer", 999), "buffer 999"),
    "3-byte buffer for a large tensor": (
        lambda m: setattr(m.buffers[_weights(m).buffer], "data", np.zeros(3, np.uint8)), "holds 3"),
    "buffer offset 2^40": (_set_offset, "past the end"),
    "input scale 0": (_input_scale(0.0), "scale"),
    "input scale NaN": (_input_scale(float("nan")), "scale"),
    "5,000 tensors": (lambda m: m.subgraphs[0].tensors.extend(
        copy.deepcopy(m.subgraphs[0].tensors[0]) for _ in range(5_000)), "limit of 4096"),
    "operator code index past the codes": (
        lambda m: setattr(m.subgraphs[0].operators[0], "opcodeIndex", 77), "operator code 77"),
    "operator input past the tensors": (
        lambda m: setattr(m.subgraphs[0].operators[0], "inputs", np.array([0, 500], np.int32)), "tensor 500"),
    "subgraph output past the tensors": (
        lambda m: setattr(m.subgraphs[0], "outputs", np.array([64], np.int32)), "tensor 64"),
    "negative dimension": (lambda m: setattr(_weights(m), "shape", np.array([4, -4000], np.int32)), "negative"),
}


def mutated(name: str, path: Path = MICRO_SPEECH) -> bytes:
    m = load(path)
    MUTATIONS[name][0](m)
    return pack(m)
