"""Labeling camera frames: a frame range (or one frame) gets a class, whatever was there.

Why: a camera recording is labeled by what the frames show, and a person picks frames
(a run of them in the filmstrip, or one) rather than dragging a region over a line
graph. Giving frames ``start..end`` a class cuts that range out of any segment that
covers it (a segment across the range splits in two) and adds one segment for the
range: one undoable :class:`SetSegments`, like every label edit.
"""

from __future__ import annotations

from tinystudio.dataset.labels import SetSegments
from tinystudio.dataset.names import check_label
from tinystudio.dataset.segments import Segment
from tinystudio.errors import DatasetError


def cut_out(segments: list[Segment], start: int, end: int) -> list[Segment]:
    """The segments with ``[start, end)`` removed; untouched ones keep their ids."""
    out: list[Segment] = []
    for s in segments:
        if s.end <= start or s.start >= end:
            out.append(s)
            continue
        if s.start < start:
            out.append(Segment.new(s.start, start, s.label))
        if s.end > end:
            out.append(Segment.new(end, s.end, s.label))
    return out


def label_frames(project, rec_id: str, start: int, end: int, label: str) -> SetSegments:
    """Frames ``start..end-1`` of a recording become one segment of ``label``."""
    check_label(label, rec_id)
    n = project.recording(rec_id).n_samples
    if not 0 <= start < end <= n:
        raise DatasetError(f"{rec_id}: frames {start}..{end - 1} are outside its {n} frames")
    before = list(project.segments(rec_id))
    after = sorted(cut_out(before, start, end) + [Segment.new(start, end, label)], key=lambda s: s.start)
    what = f"frame {start}" if end - start == 1 else f"frames {start}..{end - 1}"
    return SetSegments(rec_id, tuple(before), tuple(after), f"{label} on {what}")


def frame_labels(segments: list[Segment], n: int) -> list[str | None]:
    """The class of every frame (None where no segment covers it; the last segment wins)."""
    out: list[str | None] = [None] * n
    for s in segments:
        for i in range(max(0, s.start), min(n, s.end)):
            out[i] = s.label
    return out
