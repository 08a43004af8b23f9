"""Labeled segments: half-open sample ranges ``[start, end)`` of one recording."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass


def new_segment_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Segment:
    """One labeled span. Immutable so undo/redo can keep old versions by reference."""

    id: str
    start: int
    end: int
    label: str

    @staticmethod
    def new(start: int, end: int, label: str) -> Segment:
        return Segment(new_segment_id(), int(start), int(end), str(label))

    @property
    def length(self) -> int:
        return self.end - self.start

    def to_json(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_json(d: dict) -> Segment:
        return Segment(str(d["id"]), int(d["start"]), int(d["end"]), str(d["label"]))


@dataclass(frozen=True)
class LabeledSegment:
    """A segment seen from the project: its recording and its split."""

    recording: object  # Recording; typed loosely to avoid an import cycle
    segment: Segment
    split: str | None

    @property
    def id(self) -> str:
        return self.segment.id

    @property
    def start(self) -> int:
        return self.segment.start

    @property
    def end(self) -> int:
        return self.segment.end

    @property
    def label(self) -> str:
        return self.segment.label

    @property
    def seconds(self) -> float:
        rate = self.recording.rate_hz
        return (self.end - self.start) / rate if rate else 0.0

    def read(self):
        return self.recording.read(self.start, self.end)

    def read_physical(self):
        return self.recording.read_physical(self.start, self.end)
