"""Run any ``.tflite`` (or a TinyStudio model package) on files, in TFLM.

The reference check for the whole audio path: TFLM's own micro_speech model, fed by the
TFLM audio front end on TFLM's test clips, must say "yes" and "no" here exactly as the
TFLM example does on a board. Files: ``.wav`` (front end ``micro_speech``), ``.csv``/
``.txt`` sensor text (front end ``raw``: blank-line-separated blocks as IMU_Capture prints
them), ``.png``/``.jpg`` (front end ``image``), ``.npy`` (ready model inputs).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tinystudio.dsp import audio, image
from tinystudio.dsp.windows import WindowSpec, segment_window_starts
from tinystudio.errors import TrainingError
from tinystudio.ml.package import ModelPackage, dequantize, quantize_float, quantize_raw_window
from tinystudio.ml.sandbox import SandboxedRunner


def load_model(path: str | Path) -> tuple[bytes, object | None]:
    """``(tflite bytes, descriptor or None)`` from a .tflite, a package folder or a project."""
    path = Path(path)
    if path.is_dir() and (path / "project.json").exists():
        from tinystudio.ml.pipeline import current_package_dir

        path = current_package_dir(path)
    if path.is_dir() or path.with_name("descriptor.json").exists():
        pkg = ModelPackage.load(path)
        return pkg.tflite, pkg.descriptor
    if not path.exists():
        raise TrainingError(f"{path}: no such model file")
    return path.read_bytes(), None


def _read_text_blocks(path: Path, channels: list[str] | None = None) -> list[np.ndarray]:
    """Blocks of rows, read by the import's reader (:func:`parse_csv`): the same dialect,
    header, time-column and counter-column rules as the file's import, so a CSV with a
    time column classifies as it trained. With the model's channel names, those columns
    are taken by name (in the model's order)."""
    from tinystudio.dataset.importers.csv_text import parse_csv
    from tinystudio.errors import DatasetError

    try:
        parsed = parse_csv(path, rate=1.0, keep_columns=tuple(channels or ()))
    except DatasetError as exc:
        raise TrainingError(str(exc)) from None
    x = np.asarray(parsed.samples, dtype=np.float32)
    names = parsed.meta.channel_names
    if channels and all(c in names for c in channels):
        x = x[:, [names.index(c) for c in channels]]
    elif channels and len(names) != len(channels):
        raise TrainingError(f"{path}: columns {', '.join(names)} do not match the model's channels "
                            f"{', '.join(channels)}")
    return [x[a:b] for a, b in (parsed.blocks or [(0, len(x))]) if b > a]


class Classifier:
    """A model plus how to turn files into its int8 input."""

    def __init__(self, model: str | Path, labels: list[str] | None = None,
                 frontend: str | None = None) -> None:
        self.tflite, self.desc = load_model(model)
        # A model from a file is untrusted: validated, then run only in a child process.
        self.runner = SandboxedRunner(self.tflite, str(model))
        q = self.runner.input["quantization_parameters"]
        self.in_scale = float(q["scales"][0]) if len(q["scales"]) else 1.0
        self.in_zp = int(q["zero_points"][0]) if len(q["zero_points"]) else 0
        qo = self.runner.output["quantization_parameters"]
        self.out_q = ((float(qo["scales"][0]), int(qo["zero_points"][0]))
                      if len(qo["scales"]) else None)
        self.shape = [int(d) for d in self.runner.input["shape"][1:]]
        self.labels = labels or (self.desc.labels if self.desc else None)
        self.frontend = frontend or (self.desc.frontend if self.desc else None)
        self._fe = None

    def _inputs(self, path: Path) -> list[tuple[np.ndarray, float | None]]:
        """``(model input, start seconds or None)`` for every window of a file."""
        suffix = path.suffix.lower()
        if suffix == ".npy":
            x = np.load(path)
            x = x.reshape((-1, *self.shape))
            return [(e, None) for e in x]
        frontend = self.frontend or {".wav": "micro_speech", ".png": "image", ".jpg": "image",
                                     ".jpeg": "image"}.get(suffix, "raw")
        if frontend in audio.AUDIO_FRONTENDS:
            if self._fe is None:
                self._fe = audio.frontend_for(frontend)
            rate, samples = audio.read_wav(path)
            samples = audio.resample_int16(samples, rate)
            stride = self.desc.stride if self.desc else audio.CLIP_SAMPLES // 2
            starts = list(range(0, max(1, len(samples) - audio.CLIP_SAMPLES + 1), stride))
            out = []
            for s in starts:
                feats = self._fe.spectrogram(samples[s: s + audio.CLIP_SAMPLES])
                if self.desc is not None:
                    from tinystudio.ml.inputs import int8_inputs

                    feats = int8_inputs(self.desc, feats)
                out.append((feats, s / audio.SAMPLE_RATE if len(starts) > 1 else None))
            return out
        if frontend == "image":
            from tinystudio.dataset.importers.others import load_image

            h, w, c = self.shape if len(self.shape) == 3 else (*self.shape, 1)
            x = image.prepare_image(load_image(path), h, w, c)
            # A package's descriptor says how the board quantizes pixels (it may differ in
            # units from the tensor's own quantization, see ml/pretrained.py); use the same.
            scale, zp = ((self.desc.input_scale, self.desc.input_zero_point) if self.desc
                         else (self.in_scale, self.in_zp))
            return [(quantize_float(x, scale, zp), None)]
        return self._raw_inputs(path)

    def _raw_inputs(self, path: Path) -> list[tuple[np.ndarray, float | None]]:
        blocks = _read_text_blocks(path, list(self.desc.channels) if self.desc else None)
        window = self.desc.window if self.desc else self.shape[0]
        stride = self.desc.stride if self.desc else window
        rate = self.desc.rate_hz if self.desc else None
        out = []
        offset = 0
        for block in blocks:
            starts = segment_window_starts(0, len(block), len(block), WindowSpec(window, stride))
            if not starts:
                raise TrainingError(f"{path}: a block of {len(block)} rows is shorter than the "
                                    f"model's window of {window} samples")
            for s in starts:
                win = block[s: s + window]
                q = (quantize_raw_window(win, self.desc) if self.desc
                     else quantize_float(win, self.in_scale, self.in_zp))
                t = (offset + s) / rate if rate else float(offset + s)
                out.append((q, t if len(blocks) > 1 or len(starts) > 1 else None))
            offset += len(block)
        return out

    def classify(self, path: str | Path) -> list[dict]:
        path = Path(path)
        if not path.exists():
            raise TrainingError(f"{path}: no such file")
        results = []
        for x, start in self._inputs(path):
            raw = self.runner.run(x)
            scores = dequantize(raw, *self.out_q) if self.out_q else raw.astype(np.float32)
            best = int(np.argmax(scores))
            label = self.labels[best] if self.labels and best < len(self.labels) else str(best)
            item = {"file": str(path), "label": label,
                    "scores": [round(float(v), 4) for v in scores]}
            item.update(_task_reading(self.desc, scores))
            if start is not None:
                item["start"] = round(float(start), 4)
            results.append(item)
        return results


def _task_reading(desc, scores) -> dict:
    """Anomaly: the score and NORMAL/ANOMALY against the calibrated threshold; regression:
    the value (one output each; classification adds nothing)."""
    task = getattr(desc, "task", "classification") if desc is not None else "classification"
    if task == "anomaly":
        score, thr = float(scores[0]), desc.score_threshold
        return {"score": round(score, 4), "threshold": thr,
                "label": "anomaly" if thr is not None and score > thr else "normal"}
    if task == "regression":
        return {"value": round(float(scores[0]), 5)}
    return {}


def classify_files(model, files, labels=None, frontend=None) -> list[dict]:
    clf = Classifier(model, labels, frontend)
    out = []
    try:
        for f in files:
            out.extend(clf.classify(f))
    finally:
        clf.runner.close()
    return out


def to_json(results: list[dict]) -> str:
    return json.dumps(results)
