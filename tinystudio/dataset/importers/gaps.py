"""What to do with gaps in a text file's timestamps: keep, split at them, or resample.

A data logger that stalls (an SD card write, a busy loop) leaves holes: the samples are
fine but the file covers more time than ``n / rate``. ``keep`` stores the samples as they
are (the recording says how much time the gaps hold, and `info` shows the real
duration); ``split`` makes one recording per gap-free run; ``resample`` puts the samples
on a uniform grid at the measured rate by linear interpolation, gaps included (the
report says how many samples were filled in).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinystudio.dataset.importers.common import Parsed
from tinystudio.devices.text_table import measure_timing

GAP_MODES = ("keep", "split", "resample")


def _clip_spans(spans, a: int, b: int):
    out = []
    for s, e, lab in spans:
        s2, e2 = max(s, a), min(e, b)
        if e2 > s2:
            out.append((s2 - a, e2 - a, lab))
    return out


def _timing_attrs(times: np.ndarray) -> dict:
    t = measure_timing(times)
    if t is None:
        return {}
    return {"timing_median_interval_s": t.median_interval_s, "timing_jitter_s": t.jitter_s,
            "timing_gaps": t.gaps, "timing_gap_seconds": t.gap_seconds, "duration_s": t.duration_s}


def split_at_gaps(p: Parsed) -> list[Parsed]:
    timing = p.timing
    if p.times is None or timing is None or not timing.gaps:
        return [p]
    cuts = [0, *[i + 1 for i in timing.gap_after], len(p.samples)]
    out = []
    for k, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        if b <= a:
            continue
        times = p.times[a:b] - p.times[a]
        extra = {**p.meta.extra, **_timing_attrs(times), "split_part": k + 1, "split_first_row": a}
        if len(times) < 2:
            extra.update({"timing_gaps": 0, "timing_gap_seconds": 0.0, "duration_s": 1.0 / p.meta.rate_hz})
        meta = replace(p.meta, extra=extra, uuid="")
        part = Parsed(p.samples[a:b], meta, _clip_spans(p.spans, a, b), p.source, f"{p.stem}-part{k + 1}",
                      times=times, timing=measure_timing(times), notes=list(p.notes), split=p.split)
        out.append(part)
    p.notes.append(f"split at {timing.gaps} gap(s) into {len(out)} recordings")
    for part in out:
        part.notes = list(p.notes)
    return out


def resample(p: Parsed) -> Parsed:
    if p.times is None or p.timing is None:
        return p
    rate = p.meta.rate_hz
    n = int(np.floor(p.times[-1] * rate + 1e-9)) + 1
    grid = np.arange(n) / rate
    t = p.times
    if np.any(np.diff(t) <= 0):  # a clock reset: resampling would mix two clocks
        keep = np.concatenate([[True], np.diff(t) > 0])
        t, samples = t[keep], p.samples[keep]
    else:
        samples = p.samples
    x = samples.astype(np.float64)
    cols = [np.interp(grid, t, x[:, c]) for c in range(x.shape[1])]
    out = np.stack(cols, axis=1)
    if samples.dtype.kind == "i":
        out = np.rint(out)
    out = out.astype(samples.dtype)
    # Segments follow time: a span's rows map to the grid rows nearest their times.
    idx = np.clip(np.rint(p.times * rate).astype(np.int64), 0, n - 1)
    spans = []
    for s, e, lab in p.spans:
        a, b = int(idx[s]), int(idx[e - 1]) + 1
        if b > a:
            spans.append((a, b, lab))
    filled = n - len(samples)
    extra = {**p.meta.extra, "resampled_from_rows": len(p.samples), "timing_gaps": 0, "timing_gap_seconds": 0.0,
             "duration_s": n / rate, "resampled_filled_rows": max(0, filled)}
    meta = replace(p.meta, extra=extra)
    notes = [*p.notes, f"resampled {len(p.samples)} rows to {n} at {rate:g} Hz "
                       f"({max(0, filled)} filled in by interpolation across {p.timing.gaps} gap(s))"]
    return Parsed(out, meta, spans, p.source, p.stem, times=grid, timing=measure_timing(grid),
                  notes=notes, split=p.split)


def apply_gaps(parsed: list[Parsed], mode: str) -> list[Parsed]:
    if mode == "keep":
        return parsed
    out: list[Parsed] = []
    for p in parsed:
        out.extend(split_at_gaps(p) if mode == "split" else [resample(p)])
    return out
