"""Transfer learning from TFLM's person-detection network: a pretrained start for images.

Why: a network trained from scratch on the few dozen images a maker takes is poor; Edge
Impulse answers with a pretrained MobileNet. The studio ships one: TFLM's Visual Wake
Words model (MobileNet v1 alpha 0.25, trained on COCO person / no person; Apache-2.0,
resources/examples/tflm_models/person_detect.tflite). Its int8 weights are read from
the flatbuffer and dequantized (per output channel: ``(q - zero_point) * scale``; biases
at ``input_scale * weight_scale``), giving the float backbone the int8 model was
quantized from, up to rounding. Batch normalization is already folded into them and
every layer ends in ReLU6, so the Keras layers below reproduce the graph exactly (a test
checks the float backbone against TFLM on the model's own test images).

Training is in two phases inside one ``train_on_batch`` loop (the studio's trainer):
the backbone is frozen for the first ``FREEZE_STEPS`` steps so the new head learns from
fixed features without wrecking them, then every layer is fine-tuned at a tenth of the
learning rate. Input is 8-bit pixels (0..255) as for every image model; the network's
own ``pixel / 127.5 - 1`` is its first layer, and colour input is turned to luma (BT.601,
as the front end does) by a fixed 1x1 convolution, since the backbone was trained gray.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tinystudio.errors import TrainingError

#: Optimizer steps with the backbone frozen before fine-tuning everything.
FREEZE_STEPS = 20
#: Learning-rate factor for the fine-tuning phase.
FINE_TUNE_LR = 0.1
#: The backbone halves the image five times; below this there is nothing left to pool.
MIN_SIDE = 32
_DEPTHWISE, _CONV = "DEPTHWISE_CONV_2D", "CONV_2D"


def _dequantized(model, tensor_index: int) -> np.ndarray:
    t = model.subgraphs[0].tensors[tensor_index]
    raw = np.asarray(model.buffers[t.buffer].data, dtype=np.uint8)
    dtype = {9: np.int8, 2: np.int32}.get(int(t.type))
    if dtype is None or t.quantization is None or t.quantization.scale is None:
        raise TrainingError(f"person_detect.tflite tensor {tensor_index} is not int8/int32 quantized")
    q = raw.view(dtype).astype(np.float64).reshape([int(d) for d in t.shape])
    scale = np.asarray(t.quantization.scale, dtype=np.float64)
    zp = np.asarray(t.quantization.zeroPoint, dtype=np.float64)
    shape = [1] * q.ndim
    if len(scale) > 1:  # per channel; a 1-D bias is that channel axis whatever the field says
        shape[int(t.quantization.quantizedDimension) if q.ndim > 1 else 0] = len(scale)
    return ((q - zp.reshape(shape)) * scale.reshape(shape)).astype(np.float32)


@lru_cache(maxsize=1)
def backbone_layers() -> tuple[tuple[str, int, int, np.ndarray, np.ndarray], ...]:
    """``(kind, stride, depth multiplier, keras kernel, bias)`` of every convolution up to
    the global pool, dequantized from the shipped int8 model (cached per process)."""
    from tflite_micro.python.tflite_micro import runtime

    from tinystudio.ml.pretrained import person_detect_tflite

    model = runtime.convert_bytearray_to_object(bytearray(person_detect_tflite()))
    names = {v: k for k, v in vars(runtime.schema_fb.BuiltinOperator).items() if not k.startswith("_")}
    out = []
    for op in model.subgraphs[0].operators:
        name = names.get(runtime.get_builtin_code_from_operator_code(model.operatorCodes[op.opcodeIndex]))
        if name not in (_DEPTHWISE, _CONV):
            break  # AVERAGE_POOL_2D: the backbone ends here
        opt = op.builtinOptions
        if int(opt.padding) != 0 or int(opt.fusedActivationFunction) != 3:
            raise TrainingError("person_detect.tflite: expected SAME padding and ReLU6 in the backbone")
        w, b = _dequantized(model, op.inputs[1]), _dequantized(model, op.inputs[2])
        if name == _DEPTHWISE:  # (1, kh, kw, in * mult) -> (kh, kw, in, mult)
            mult = int(opt.depthMultiplier)
            kernel = w[0].reshape(w.shape[1], w.shape[2], -1, mult)
        else:  # (out, kh, kw, in) -> (kh, kw, in, out)
            mult, kernel = 1, np.transpose(w, (1, 2, 3, 0))
        out.append((name, int(opt.strideH), mult, kernel, b))
    return tuple(out)


def build_backbone(input_shape):
    """The pretrained float backbone: pixels 0..255 in, 256 pooled features out."""
    import keras
    from keras import layers

    h, w, c = (int(v) for v in input_shape)
    if min(h, w) < MIN_SIDE or c not in (1, 3):
        raise TrainingError(f"vww_transfer needs gray or colour images of at least {MIN_SIDE}x{MIN_SIDE} "
                            f"pixels (96x96 gray is what it was trained on); this input is {h}x{w}x{c}: "
                            "set the project's image size (train settings image_size) or use image_cnn")
    inp = keras.Input((h, w, c), name="image")
    x = inp
    if c == 3:
        luma = layers.Conv2D(1, 1, use_bias=False, trainable=False, name="luma")
        x = luma(x)
        luma.set_weights([np.array([0.299, 0.587, 0.114], np.float32).reshape(1, 1, 3, 1)])
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="vww_scale")(x)
    convs = []
    for i, (kind, stride, mult, kernel, bias) in enumerate(backbone_layers()):
        if kind == _DEPTHWISE:
            layer = layers.DepthwiseConv2D(3, strides=stride, padding="same", depth_multiplier=mult,
                                           name=f"vww_dw{i}")
        else:
            layer = layers.Conv2D(kernel.shape[-1], 1, strides=stride, padding="same", name=f"vww_pw{i}")
        x = layers.ReLU(6.0, name=f"vww_relu{i}")(layer(x))
        convs.append((layer, kernel, bias))
    x = layers.GlobalAveragePooling2D(name="vww_pool")(x)
    backbone = keras.Model(inp, x, name="vww_backbone")
    for layer, kernel, bias in convs:
        layer.set_weights([kernel, bias])
    return backbone


def _two_phase_class():
    import keras

    class FreezeThenFineTune(keras.Model):
        """Backbone frozen for ``FREEZE_STEPS`` steps, then all layers at lr x FINE_TUNE_LR."""

        def __init__(self, *args, backbone_layers=(), **kwargs):
            super().__init__(*args, **kwargs)
            self._backbone_names = [layer.name for layer in backbone_layers]
            self.steps_done = 0
            self._set_backbone_trainable(False)

        def _set_backbone_trainable(self, on: bool) -> None:
            for name in self._backbone_names:
                layer = self.get_layer(name)
                layer.trainable = on and name != "luma"

        def train_on_batch(self, *args, **kwargs):
            if self.steps_done == FREEZE_STEPS:
                lr = float(keras.ops.convert_to_numpy(self.optimizer.learning_rate))
                self._set_backbone_trainable(True)
                self.compile(optimizer=keras.optimizers.Adam(lr * FINE_TUNE_LR),
                             loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                             jit_compile=False)
            self.steps_done += 1
            return super().train_on_batch(*args, **kwargs)

    return FreezeThenFineTune


def build_vww_transfer(input_shape, n_classes: int, seed: int = 0):
    """Pretrained VWW backbone + a new softmax head (dropout 0.2)."""
    import keras
    from keras import layers

    backbone = build_backbone(input_shape)
    x = layers.Dropout(0.2, seed=seed, name="head_dropout")(backbone.output)
    out = layers.Dense(n_classes, activation="softmax", name="head",
                       kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(x)
    inner = [layer for layer in backbone.layers if layer.weights]
    return _two_phase_class()(backbone.input, out, name="vww_transfer", backbone_layers=inner)


#: Images at least this large (and gray) get the pretrained start as a search candidate.
CANDIDATE_SIDE = 96


def image_candidates(specs, input_shape) -> list:
    """The image search's candidates: the default image_cnn, plus vww_transfer when the
    project's images are the backbone's own 96x96 gray (smaller or colour images keep the
    single default model: no search, as before)."""
    from tinystudio.ml.models import MODELS

    h, w, c = (int(v) for v in input_shape[-3:])
    if min(h, w) >= CANDIDATE_SIDE and c == 1 and "vww_transfer" not in {s.name for s in specs}:
        return [*specs, MODELS["vww_transfer"]]
    return list(specs)
