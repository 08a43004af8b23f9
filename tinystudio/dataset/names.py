"""Labels as text, file names as slugs: the two never mix.

A label is what a person typed ("wave", "café", "left/right"): any printable text up to
:data:`MAX_LABEL_CHARS` characters. It is validated where it enters (the label, import and
record commands, the GUI's label operations, a project file being opened), so a control
character (a newline that would break a CSV header or a C string, a NUL that truncates
a C string, an escape sequence that rewrites a terminal) never reaches a file.

A file or folder name made from a label, a recording id or a segment id is always a
:func:`slug`: ASCII letters, digits, ``_`` and ``-``, never ``.``/``..``, never a hidden or
a reserved Windows name, unique per export even on case-insensitive file systems. The
text itself travels beside the files in a small manifest (:data:`LABEL_MANIFEST`), so an
export read back by ``import`` gives every label exactly as it was typed.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from tinystudio.errors import DatasetError
from tinystudio.text_safety import name_problem

#: Longest label, in characters (Unicode code points).
MAX_LABEL_CHARS = 64
#: Longest slug made from a label or id (file names stay far below every OS limit).
MAX_SLUG_CHARS = 48
#: Hidden file written at the top of a data export: folder slug -> label text. Hidden so
#: that ``import`` of the folder never takes it for data.
LABEL_MANIFEST = ".tinystudio-labels.json"

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def label_problem(label) -> str | None:
    """Why ``label`` is not a valid label, or None when it is."""
    if not isinstance(label, str):
        return f"is a {type(label).__name__}, not text"
    if not label.strip():
        return "is empty"
    if len(label) > MAX_LABEL_CHARS:
        return f"is {len(label)} characters long; at most {MAX_LABEL_CHARS} are allowed"
    problem = name_problem(label)
    if problem is not None:
        return problem
    if label != label.strip():
        return "starts or ends with white space"
    return None


def check_label(label, where: str = "") -> str:
    """Return ``label`` if valid, else raise a DatasetError naming ``where`` and the fix."""
    problem = label_problem(label)
    if problem is None:
        return label
    prefix = f"{where}: " if where else ""
    shown = repr(label)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    raise DatasetError(f"{prefix}label {shown} {problem}; use printable text of 1 to "
                       f"{MAX_LABEL_CHARS} characters (letters, digits, spaces and punctuation)")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slug(text: str) -> str:
    """A file-name-safe form of ``text``: itself when already safe, else a readable ASCII
    form plus a short hash of the text (so two different texts rarely share a slug;
    :func:`unique_slugs` makes that never)."""
    text = str(text)
    if _SAFE.match(text) and len(text) <= MAX_SLUG_CHARS and text.lower() not in _WINDOWS_RESERVED:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE_RUN.sub("_", ascii_text).strip("_-")[: MAX_SLUG_CHARS - 9] or "x"
    return f"{base}-{_digest(text)}"


def unique_slugs(texts) -> dict[str, str]:
    """``{text: slug}`` for every distinct text, no two slugs equal ignoring case (macOS and
    Windows file systems would merge ``Punch`` and ``punch``)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for text in sorted(set(texts), key=lambda t: (not _SAFE.match(t), t)):
        s = slug(text)
        n = 0
        while s.lower() in taken:
            n += 1
            s = f"{slug(text)[: MAX_SLUG_CHARS - 4]}-{n}"
        taken.add(s.lower())
        out[text] = s
    return out


def label_manifest_text(slugs: dict[str, str]) -> str:
    """The manifest written beside an export's class folders: ``{slug: label}``."""
    doc = {"format": "tinystudio-labels", "labels": {s: t for t, s in sorted(slugs.items())}}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def read_label_manifest(folder: Path) -> dict[str, str]:
    """``{folder name: label}`` from an export's manifest; {} when there is none. A manifest
    that is unreadable or holds an invalid label is a clear error, not a silent rename."""
    path = Path(folder) / LABEL_MANIFEST
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        labels = doc["labels"]
        if not isinstance(labels, dict):
            raise TypeError("labels is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: unreadable label manifest ({exc}); delete it to use the "
                           "folder names as labels") from None
    return {str(k): check_label(v, str(path)) for k, v in labels.items()}
