"""What an import must say rather than drop silently: Edge Impulse multi-label files
(their ranges become segments), files that arrive without any label, and identical data
filed under two labels (a copy mistake that caps any model's accuracy)."""

from __future__ import annotations

import hashlib
import json


def multi_label_spans(encoded: str, n_samples: int) -> tuple[list[tuple[int, int, str]], str]:
    """Segments from an Edge Impulse multi-label entry (``[{label, startIndex, endIndex}]``,
    ``endIndex`` inclusive), and a note when some ranges could not be used."""
    try:
        ranges = json.loads(encoded)
    except (TypeError, ValueError):
        return [], "multi-label entry is not readable JSON: imported without segments"
    spans, bad = [], 0
    for r in ranges if isinstance(ranges, list) else []:
        try:
            lab, a, b = str(r["label"]), int(r["startIndex"]), int(r["endIndex"]) + 1
        except (KeyError, TypeError, ValueError):
            bad += 1
            continue
        a, b = max(0, a), min(n_samples, b)
        if lab and b > a:
            spans.append((a, b, lab))
        else:
            bad += 1
    note = f"multi-label file: {len(spans)} labeled range(s) became segments"
    if bad:
        note += f"; {bad} range(s) without a label or outside the {n_samples} samples were left out"
    return sorted(spans), note


def label_warnings(parsed) -> list[str]:
    """Files imported with no labeled segment at all, named (they train nothing yet)."""
    empty = [p.source.name for p in parsed if not p.spans]
    if not empty:
        return []
    shown = ", ".join(empty[:8]) + (f" and {len(empty) - 8} more" if len(empty) > 8 else "")
    return [f"{len(empty)} file(s) imported without labels (no label in the file, its name or "
            f"folder): {shown}; label them (`tinystudio label`) or import again with --label"]


def _digest(samples, a: int, b: int) -> str:
    return hashlib.sha1(samples[a:b].tobytes()).hexdigest()


def conflict_warnings(parsed) -> list[str]:
    """Identical samples labeled differently (within the import): named pairs."""
    seen: dict[str, tuple[str, str]] = {}
    out = []
    for p in parsed:
        if p.samples is None:
            continue
        for a, b, lab in p.spans:
            if not lab or b - a < 2:
                continue
            key = _digest(p.samples, a, b)
            first = seen.setdefault(key, (lab, p.source.name))
            if first[0] != lab:
                out.append(f"identical data labeled {first[0]!r} in {first[1]} and {lab!r} in "
                           f"{p.source.name}: one of the labels is wrong; fix or delete one")
    return out
