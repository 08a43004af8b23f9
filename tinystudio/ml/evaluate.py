"""Accuracy, per-class precision and recall, confusion matrices; TFLite reference runs.

The float Keras model and the int8 ``.tflite`` are scored on the same test windows. The
int8 model is run in TensorFlow Lite here (the converter's own reference); TFLM is run
separately (``tflm.py``) and compared with these outputs.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

from tinystudio.ml.quiet import quiet


@dataclass
class Metrics:
    accuracy: float
    precision: list[float]
    recall: list[float]
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


def metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> Metrics:
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(cm.sum(0) > 0, tp / cm.sum(0), 0.0)
        recall = np.where(cm.sum(1) > 0, tp / cm.sum(1), 0.0)
    acc = float(tp.sum() / len(y_true)) if len(y_true) else 0.0
    return Metrics(acc, [round(float(v), 4) for v in precision],
                   [round(float(v), 4) for v in recall], cm.tolist(), int(len(y_true)))


def keras_predict(model, x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.asarray(model(np.asarray(x, dtype=np.float32), training=False))


def run_tflite(tflite: bytes, inputs: np.ndarray) -> np.ndarray:
    """Raw output tensors (int8 for int8 models) for a batch, one invocation per example.

    TFLite's built-in kernels run without the XNNPACK delegate: XNNPACK rounds some int8
    ops (e.g. MEAN) differently and disagrees with TFLM by one step, while the built-in
    kernels match TFLM bit for bit, which is the comparison that matters for a board.
    """
    import tensorflow as tf

    with quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interp = tf.lite.Interpreter(
            model_content=bytes(tflite), num_threads=1,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        interp.allocate_tensors()
    i, o = interp.get_input_details()[0], interp.get_output_details()[0]
    out = []
    for example in inputs:
        interp.set_tensor(i["index"], np.asarray(example, dtype=i["dtype"]).reshape(i["shape"]))
        interp.invoke()
        out.append(np.array(interp.get_tensor(o["index"])).reshape(-1))
    return np.stack(out) if out else np.zeros((0, 0))
