"""Names and versions of the on-disk dataset format (spec: docs/dataset-format.md).

Kept in one place so the writer, the reader, the repairer and the document agree. Bump
``SCHEMA_VERSION`` only for changes an older reader would misread; it refuses files with a
larger number instead of guessing.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
RECORDING_FORMAT = "tinystudio-recording"
PROJECT_FORMAT = "tinystudio-project"
PROJECT_FILE = "project.json"
RECORDINGS_DIR = "recordings"
#: Files that could not be opened are moved here, never deleted.
DAMAGED_DIR = "damaged"
#: Reserved for trained model packages (the ML layer).
MODELS_DIR = "models"

STATE_RECORDING = "recording"
STATE_COMPLETE = "complete"

SENSOR_KINDS = ("imu", "microphone", "camera", "generic", "vibration")

#: What a project learns (``project.json`` ``"task"``; absent means classification):
#: labels are classes; labels name normal data and faults (anomaly: trained on normal
#: data only); or a number per window/segment is the target (regression).
TASKS = ("classification", "anomaly", "regression")
DEFAULT_TASK = "classification"

#: Sample types as numpy dtype names; stored little-endian.
SAMPLE_TYPES = {
    "int8": "<i1",
    "uint8": "<u1",
    "int16": "<i2",
    "uint16": "<u2",
    "int32": "<i4",
    "float32": "<f4",
    "float64": "<f8",
}

DEFAULT_COLORS = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324",
)


def sample_type_name(dtype) -> str:
    """The schema's name for a numpy dtype (``int16``...), or raise ValueError."""
    import numpy as np

    dt = np.dtype(dtype)
    name = dt.newbyteorder("=").name if dt.byteorder not in ("=", "|") else dt.name
    if name not in SAMPLE_TYPES:
        raise ValueError(f"sample type {dt} is not one of {', '.join(SAMPLE_TYPES)}")
    return name
