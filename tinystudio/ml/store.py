"""Where trained model packages live: ``PROJECT/models/<name>-<time>/`` and ``current.json``.

A package is written into a hidden folder and renamed into place, then ``current.json``
is replaced atomically, so a reader sees the old model or the new one, never a mix.
``report.json`` beside the model holds the training report (metrics, candidates of the
model search, the baseline), which the Train page shows for the current model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tinystudio.errors import TrainingError
from tinystudio.ml.package import ModelPackage

CURRENT_FILE = "current.json"


def models_dir(project_path) -> Path:
    return Path(project_path) / "models"


def save_model(project_path, package: ModelPackage, report) -> Path:
    """Write the package into ``models/<name>-<time>/`` atomically and make it current."""
    root = models_dir(project_path)
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    name = f"{package.descriptor.model_name}-{stamp}"
    i = 1
    while (root / name).exists():
        i += 1
        name = f"{package.descriptor.model_name}-{stamp}-{i}"
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    try:
        package.save(tmp)
        report.model_path = str(root / name / "model.tflite")
        (tmp / "report.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    current = root / CURRENT_FILE
    fd, ctmp = tempfile.mkstemp(dir=root, prefix=".current.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"model": name}, f)
    os.chmod(ctmp, 0o644)
    os.replace(ctmp, current)
    return root / name / "model.tflite"


def current_package_dir(project_path) -> Path:
    """The folder of the project's current model package."""
    current = models_dir(project_path) / CURRENT_FILE
    if not current.exists():
        raise TrainingError(f"{project_path}: no trained model; run `tinystudio train {project_path}`")
    from tinystudio.dataset.safe_open import inside, read_json
    from tinystudio.errors import DatasetError

    try:
        inside(project_path, current, "models/current.json")
        name = read_json(current, "models/current.json", 64 * 1024)["model"]
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"model name {name!r} is not a folder name")
        return inside(project_path, models_dir(project_path) / name, "the current model's folder")
    except (OSError, ValueError, KeyError, TypeError, DatasetError) as exc:
        raise TrainingError(f"{current}: unusable ({exc}); train the project again") from exc


def load_current_package(project_path) -> ModelPackage:
    return ModelPackage.load(current_package_dir(project_path))


def load_current_report(project_path) -> dict:
    """The current model's training report (``report.json``): metrics, ``candidates``,
    ``baseline``, ``evaluation``; an empty dict for a package saved without one."""
    path = current_package_dir(project_path) / "report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
