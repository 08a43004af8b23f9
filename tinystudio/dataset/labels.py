"""Label editing as small reversible operations, so the GUI can undo and redo them.

Every operation is a :class:`SetSegments` on one recording: the segments before and
after. Building operations from the current state keeps them trivially invertible and
makes redo exact. ``apply`` changes the project in memory; the caller saves (the GUI after
each edit, the CLI at the end), and ``Project.save`` writes labels atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tinystudio.dataset.names import check_label
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError


@dataclass(frozen=True)
class SetSegments:
    recording_id: str
    before: tuple[Segment, ...]
    after: tuple[Segment, ...]
    description: str = ""

    def apply(self, project) -> None:
        project.set_segments(self.recording_id, list(self.after))

    def revert(self, project) -> None:
        project.set_segments(self.recording_id, list(self.before))

    def inverse(self) -> SetSegments:
        return SetSegments(self.recording_id, self.after, self.before, f"undo {self.description}")


def _find(segments, seg_id: str) -> Segment:
    for s in segments:
        if s.id == seg_id:
            return s
    raise DatasetError(f"no segment {seg_id!r}")


def _op(project, rec_id: str, after: list[Segment], description: str) -> SetSegments:
    return SetSegments(rec_id, tuple(project.segments(rec_id)), tuple(after), description)


def add_segment(project, rec_id: str, start: int, end: int, label: str) -> SetSegments:
    check_label(label, rec_id)
    seg = Segment.new(start, end, label)
    return _op(project, rec_id, project.segments(rec_id) + [seg], f"add {label} {start}..{end}")


def move_segment(project, rec_id: str, seg_id: str, delta: int) -> SetSegments:
    n = project.recording(rec_id).n_samples
    segs = project.segments(rec_id)
    s = _find(segs, seg_id)
    delta = max(-s.start, min(int(delta), n - s.end))
    new = replace(s, start=s.start + delta, end=s.end + delta)
    return _op(project, rec_id, [new if x.id == seg_id else x for x in segs], f"move {s.label} by {delta}")


def resize_segment(project, rec_id: str, seg_id: str, start: int, end: int) -> SetSegments:
    segs = project.segments(rec_id)
    s = _find(segs, seg_id)
    if not start < end:
        raise DatasetError(f"segment {seg_id}: start {start} must be before end {end}")
    new = replace(s, start=int(start), end=int(end))
    return _op(project, rec_id, [new if x.id == seg_id else x for x in segs], f"resize {s.label}")


def relabel_segment(project, rec_id: str, seg_id: str, label: str) -> SetSegments:
    check_label(label, rec_id)
    segs = project.segments(rec_id)
    s = _find(segs, seg_id)
    new = replace(s, label=label)
    return _op(project, rec_id, [new if x.id == seg_id else x for x in segs], f"relabel {s.label} -> {label}")


def delete_segment(project, rec_id: str, seg_id: str) -> SetSegments:
    segs = project.segments(rec_id)
    s = _find(segs, seg_id)
    return _op(project, rec_id, [x for x in segs if x.id != seg_id], f"delete {s.label}")


def label_whole(project, rec_id: str, label: str) -> SetSegments:
    """Replace all segments of a recording with one covering it entirely."""
    check_label(label, rec_id)
    n = project.recording(rec_id).n_samples
    return _op(project, rec_id, [Segment.new(0, n, label)], f"label all {label}")


def add_segments(project, rec_id: str, spans, label: str) -> SetSegments:
    """Add many segments at once (e.g. accepted auto-segmentation proposals): one undo step."""
    check_label(label, rec_id)
    new = [Segment.new(s, e, label) for s, e in spans]
    return _op(project, rec_id, project.segments(rec_id) + new, f"add {len(new)} {label}")


class UndoStack:
    """Apply operations and walk back and forth through them."""

    def __init__(self, project) -> None:
        self.project = project
        self._done: list[SetSegments] = []
        self._undone: list[SetSegments] = []

    def push(self, op: SetSegments) -> None:
        op.apply(self.project)
        self._done.append(op)
        self._undone.clear()

    def undo(self) -> SetSegments | None:
        if not self._done:
            return None
        op = self._done.pop()
        op.revert(self.project)
        self._undone.append(op)
        return op

    def redo(self) -> SetSegments | None:
        if not self._undone:
            return None
        op = self._undone.pop()
        op.apply(self.project)
        self._done.append(op)
        return op

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)
