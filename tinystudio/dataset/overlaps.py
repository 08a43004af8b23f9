"""Overlapping segments: two labels on the same samples teach a model a contradiction
(or count one gesture twice), so the Label page refuses or warns before adding one."""

from __future__ import annotations

from tinystudio.dataset.segments import Segment


def overlapping(segments, start: int, end: int, exclude: str | None = None) -> list[Segment]:
    """Segments sharing at least one sample with ``[start, end)`` (half-open)."""
    return [s for s in segments if s.id != exclude and s.start < end and start < s.end]


def free_span(segments, start: int, end: int, n_samples: int, exclude: str | None = None) -> tuple[int, int] | None:
    """The largest part of ``[start, end)`` that overlaps nothing, or None if none is left.

    Used when a new segment is asked for in view: it is shrunk to the gap it was put in
    rather than stacked on a neighbour."""
    start, end = max(0, start), min(n_samples, end)
    cuts = sorted((max(s.start, start), min(s.end, end)) for s in overlapping(segments, start, end, exclude))
    best, pos = None, start
    for lo, hi in cuts + [(end, end)]:
        if lo > pos and (best is None or lo - pos > best[1] - best[0]):
            best = (pos, lo)
        pos = max(pos, hi)
    return best
