"""TFLM's person-detection model as a ready model package (issue 20).

Why: person detection is one of TFLM's classic examples, and a maker should be able to
flash it and watch it without training anything. The model is TFLM's Visual Wake Words
network (MobileNet v1 alpha 0.25, 96 x 96 x 1 int8 in, [no person, person] out,
Apache-2.0; resources/examples/README.md), shipped unchanged.

Its input convention differs from the studio's own image models only in units: the
network's real input is ``pixel / 127.5 - 1`` with the tensor quantized at scale 1/127.5,
zero point -1, which in *pixel* units is scale 1, zero point -128: the board feeds
``pixel - 128``, exactly what TFLM's example image provider does (``pixel ^ 0x80``). The
descriptor states that pixel quantization, since the board quantizes pixels.
"""

from __future__ import annotations

from pathlib import Path

from tinystudio.resources import resource_path

LABELS = ["no_person", "person"]
IMAGE_SIZE = 96


def person_detect_tflite() -> bytes:
    return (resource_path("examples") / "tflm_models" / "person_detect.tflite").read_bytes()


def person_test_images() -> dict[str, Path]:
    """The example's two 96 x 96 grayscale test images, by their true class."""
    root = resource_path("examples") / "person_detection"
    return {"person": root / "person" / "person.png", "no_person": root / "no_person" / "no_person.png"}


def person_detect_package():
    """The shipped model with a descriptor: ops and arena measured in TFLM here."""
    from tinystudio.ml.package import ModelDescriptor, ModelPackage
    from tinystudio.ml.quantize import io_quantization
    from tinystudio.ml.tflm import model_ops, smallest_arena

    tflite = person_detect_tflite()
    _, (out_scale, out_zp), _ = io_quantization(tflite)
    desc = ModelDescriptor(
        labels=list(LABELS), sensor_kind="camera", frontend="image", rate_hz=10.0, channels=["gray"],
        window=1, stride=1, input_shape=[IMAGE_SIZE, IMAGE_SIZE, 1], input_scale=1.0,
        input_zero_point=-128, output_scale=float(out_scale), output_zero_point=int(out_zp),
        sensor_name="camera", model_name="person_detect", ops=model_ops(tflite),
        arena_bytes=smallest_arena(tflite, None))
    desc.validate("person_detect descriptor")
    return ModelPackage(tflite, desc)


def person_detect_report(package, model_path: str = ""):
    """A real TrainReport for the shipped model (the Train page and `info` read one): its
    int8 accuracy on the two test images in TFLM, its fit on every board, no training."""
    from dataclasses import asdict

    import numpy as np

    from tinystudio.dataset.importers.others import load_image
    from tinystudio.dsp.image import prepare_image
    from tinystudio.ml import fit as F
    from tinystudio.ml.evaluate import metrics
    from tinystudio.ml.package import quantize_float
    from tinystudio.ml.report import TrainReport
    from tinystudio.ml.tflm import TflmRunner, verify_tflm

    desc, labels = package.descriptor, list(LABELS)
    images = person_test_images()
    x = np.stack([quantize_float(prepare_image(load_image(images[c]), IMAGE_SIZE, IMAGE_SIZE, 1),
                                 desc.input_scale, desc.input_zero_point) for c in labels])
    tflm = verify_tflm(package.tflite, x, None)
    pred = TflmRunner(package.tflite).run_batch(x).reshape(len(labels), -1).argmax(axis=1)
    m = metrics(np.arange(len(labels)), pred, len(labels)).to_dict()
    verdicts = {b.id: F.check_fit(len(package.tflite), tflm.arena_bytes, b) for b in F.boards()}
    return TrainReport(
        classes=labels, float_metrics=m, int8_metrics=m, model_bytes=len(package.tflite),
        arena_bytes=tflm.arena_bytes, train_seconds=0.0, total_seconds=0.0, model_path=model_path,
        fits={k: v.fits for k, v in verdicts.items()}, fit_messages={k: v.message for k, v in verdicts.items()},
        tflm=asdict(tflm), model_name="person_detect", budget_bytes=320 * 1024, epochs_run=0,
        evaluation={"scheme": "pretrained (TFLM person_detection); scored on its 2 test images",
                    "test_accuracy": m["accuracy"], "test_windows": m["n"]},
        warnings=["pretrained model (TFLM Visual Wake Words, Apache-2.0), not trained on this "
                  "project: the figures are its 2 test images only"])
