"""TinyStudio dataset layer (Qt-free): project folders, HDF5 recordings, labels, splits,
import and export. Format spec: docs/dataset-format.md."""

from tinystudio.dataset.project import Project
from tinystudio.dataset.recording import Recording, RecordingMeta
from tinystudio.dataset.segments import LabeledSegment, Segment

__all__ = ["Project", "Recording", "RecordingMeta", "Segment", "LabeledSegment"]
