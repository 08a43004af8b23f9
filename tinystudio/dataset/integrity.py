"""Reading every sample once: checksums and finite values, before they can do harm.

Opening a project checks each file's structure but reads no samples (an hour of audio
would make every command slow). Damage inside the samples is found when they are read:
HDF5 verifies each chunk's Fletcher-32 checksum, and a float recording may hold NaN or
Inf (from a hostile or hand-made file; importers refuse them). Training reads everything
anyway, so `tinystudio train` runs :func:`verify` first: a recording whose checksums fail
is quarantined like any unreadable file (training goes on with the rest), and a
non-finite value stops training with the recording, sample and channel named, instead of
silently producing a NaN model. `tinystudio info --verify` runs the same check on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinystudio.dataset import repair as _repair
from tinystudio.dataset.projectfile import project_lock
from tinystudio.errors import DatasetError

#: Rows read at a time: bounded memory for long recordings.
BLOCK_ROWS = 1 << 16


@dataclass
class VerifyResult:
    checked: int = 0
    quarantined: list[str] = field(default_factory=list)
    non_finite: list[str] = field(default_factory=list)


def first_non_finite(rec, start: int, stop: int) -> str | None:
    """A description of the first NaN/Inf in ``rec[start:stop]``, else None."""
    if rec.dtype.kind != "f":
        return None  # integers are always finite
    for a in range(start, stop, BLOCK_ROWS):
        x = rec.read(a, min(stop, a + BLOCK_ROWS))
        bad = ~np.isfinite(x)
        if bad.any():
            idx = np.argwhere(bad)[0]
            row = a + int(idx[0])
            ch = rec.channel_names[int(idx[-1])] if x.ndim == 2 else "pixel"
            return (f"{rec.path}: sample {row}, channel {ch} is {x[tuple(idx)]!r}, not a finite number; "
                    "fix the file or delete this recording")
    return None


def _readable(rec) -> str | None:
    for a in range(0, rec.n_samples, BLOCK_ROWS):
        try:
            rec.read(a, min(rec.n_samples, a + BLOCK_ROWS))
        except DatasetError as exc:
            return str(exc)
    return None


def verify(project, labeled_only: bool = False) -> VerifyResult:
    """Read the samples of every recording (or only labeled spans); quarantine recordings
    whose data cannot be read back intact, list non-finite values."""
    result = VerifyResult()
    for rec in list(project.recordings()):
        if labeled_only and not rec.segments:
            continue
        result.checked += 1
        problem = _readable(rec)
        if problem is not None:
            with project_lock(project.path):
                line = _repair.quarantine(rec.path, project.path, problem.split(": ", 1)[-1])
            project.repairs.append(line)
            project.mark_quarantined(rec.id, line)
            result.quarantined.append(line)
            continue
        spans = ([(s.start, s.end) for s in rec.segments] if labeled_only else [(0, rec.n_samples)])
        for start, end in spans:
            bad = first_non_finite(rec, start, end)
            if bad:
                result.non_finite.append(bad)
                break
    if result.quarantined:
        project.save(sync_recordings=False)
    return result
