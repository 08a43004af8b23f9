"""Which files of a folder are data, and what label and split each one has.

Understands the layouts people bring:

* Edge Impulse exports (``info.labels``, ``training/``, ``testing/``): label and category
  (train/test) of every file come from ``info.labels`` (metadata and bounding boxes kept);
  without it, from the file name (``<label>.<id>.json``). A folder named training/testing
  is a split, never a label.
* Image and clip datasets with ``train/`` and ``test/`` roots, each holding one folder per
  class; nested folders (``<class>/<session>/...``): the class is the first folder below
  the split folder (or below the root).
* Files that are not data (README, licenses, notes, hidden files, unknown types) are
  skipped and listed with the reason, never parsed as CSV.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tinystudio.dataset.names import read_label_manifest
from tinystudio.dataset.safe_open import read_regular
from tinystudio.errors import DatasetError

TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".log", ".dat"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
DATA_SUFFIXES = TEXT_SUFFIXES | IMAGE_SUFFIXES | {".wav", ".json", ".h5", ".hdf5"}
#: Folder names that are a train/test split, not a class.
SPLIT_FOLDERS = {"train": "train", "training": "train", "test": "test", "testing": "test"}
#: File names (without suffix, lower case) that are documentation, not data.
DOC_NAMES = {"readme", "license", "licence", "copying", "notice", "authors", "changelog", "changes",
             "citation", "contributing", "credits", "info", "metadata", "manifest"}
EI_LABELS_FILE = "info.labels"
#: An info.labels of 10^5 files with metadata is a few tens of MB.
MAX_LABELS_BYTES = 64 * 1024 * 1024
#: Why a link inside an imported folder is skipped: it could lead outside the folder.
LINK_REASON = "a symbolic link (not followed: it could lead outside the folder)"


@dataclass
class Candidate:
    """One data file with what its place in the folder (or info.labels) says about it."""

    path: Path
    label: str | None = None
    split: str | None = None
    #: Recording attributes from the source (Edge Impulse metadata, bounding boxes).
    attrs: dict = field(default_factory=dict)
    #: Where the label came from: "info.labels", "folder", "file name", "--label", "".
    label_from: str = ""


@dataclass
class Walk:
    files: list[Candidate] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    labels_files: list[str] = field(default_factory=list)


def _read_info_labels(path: Path) -> dict[Path, dict]:
    """Resolved file path -> its entry in an Edge Impulse ``info.labels``."""
    try:
        doc = json.loads(read_regular(path, EI_LABELS_FILE, MAX_LABELS_BYTES).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable Edge Impulse info.labels file ({exc})") from exc
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        raise DatasetError(f"{path}: Edge Impulse info.labels without a 'files' list")
    out = {}
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise DatasetError(f"{path}: files[{i}] has no 'path'")
        out[(path.parent / entry["path"]).resolve()] = entry
    return out


def _ei_label(entry: dict, where: str) -> str | None:
    lab = entry.get("label")
    if isinstance(lab, dict):
        kind = lab.get("type")
        if kind == "label":
            value = lab.get("label")
            if not isinstance(value, str) or not value:
                raise DatasetError(f"{where}: label is {value!r}, expected a non-empty text")
            return value
        if kind == "unlabeled":
            return None
        if kind == "multi-label":
            return None  # per-range labels: the recording keeps them as an attribute
    if isinstance(lab, str):
        return lab or None
    return None


def _ei_candidate(f: Path, entry: dict, info: Path) -> Candidate:
    where = f"{info}: entry for {entry.get('path')}"
    cat = str(entry.get("category", "")).lower()
    split = {"training": "train", "testing": "test", "train": "train", "test": "test"}.get(cat)
    attrs: dict = {"ei_category": cat} if cat else {}
    boxes = entry.get("boundingBoxes")
    if boxes:
        attrs["ei_bounding_boxes"] = json.dumps(boxes)
    if entry.get("metadata"):
        attrs["ei_metadata"] = json.dumps(entry["metadata"])
    lab = entry.get("label")
    if isinstance(lab, dict) and lab.get("type") == "multi-label":
        attrs["ei_multi_label"] = json.dumps(lab.get("labels", []))
    return Candidate(f, _ei_label(entry, where), split, attrs, "info.labels")


def _skip_reason(f: Path, rel: Path) -> str | None:
    if any(part.startswith(".") for part in rel.parts):
        return "hidden file"
    if f.name == EI_LABELS_FILE:
        return None
    stem = f.name.split(".", 1)[0].lower()
    if stem in DOC_NAMES and f.suffix.lower() != ".json":
        return "documentation, not data"
    if f.suffix.lower() == ".md":
        return "documentation, not data"
    if f.suffix.lower() not in DATA_SUFFIXES:
        return f"not a data file ({f.suffix or 'no suffix'})"
    return None


def _folder_label(rel: Path) -> tuple[str | None, str | None]:
    """(label, split) from the folders between the root and the file."""
    dirs = [d for d in rel.parts[:-1]]
    split = None
    for i, d in enumerate(dirs):
        if d.lower() in SPLIT_FOLDERS:
            split = SPLIT_FOLDERS[d.lower()]
            rest = dirs[i + 1:]
            return (rest[0] if rest else None), split
    return (dirs[0] if dirs else None), split


def _name_label(f: Path) -> str | None:
    """Edge Impulse names files ``<label>.<sample id>.<ext>``."""
    parts = f.name.split(".")
    return parts[0] if len(parts) >= 3 and parts[0] else None


def walk(paths, label: str | None = None) -> Walk:
    """Candidates (in a stable order) and skipped files for the given files and folders."""
    out = Walk()
    for p in map(Path, paths):
        if p.is_dir():
            texts = read_label_manifest(p)  # a TinyStudio export's labels, by their text
            infos: dict[Path, dict] = {}
            info_files = sorted((x for x in p.rglob(EI_LABELS_FILE) if not x.is_symlink()),
                                key=lambda x: len(x.parts))
            for info in info_files:
                for k, v in _read_info_labels(info).items():
                    infos.setdefault(k, v)
                out.labels_files.append(str(info))
            for f in sorted(x for x in p.rglob("*") if x.is_symlink() or x.is_file()):
                rel = f.relative_to(p)
                reason = LINK_REASON if f.is_symlink() else _skip_reason(f, rel)
                if f.name == EI_LABELS_FILE and not reason:
                    continue
                if reason:
                    out.skipped.append({"path": str(f), "reason": reason})
                    continue
                entry = infos.get(f.resolve())
                if entry is not None:
                    c = _ei_candidate(f, entry, info_files[0])
                elif infos and f.suffix.lower() == ".json":
                    out.skipped.append({"path": str(f), "reason": f"not listed in {EI_LABELS_FILE}"})
                    continue
                else:
                    lab, split = _folder_label(rel)
                    lab = texts.get(lab, lab) if lab else lab
                    c = Candidate(f, lab, split, label_from="folder" if lab else "")
                    if lab is None and split is not None and (nl := _name_label(f)):
                        c.label, c.label_from = nl, "file name"
                if label:
                    c.label, c.label_from = label, "--label"
                out.files.append(c)
        elif p.exists():
            if p.name == EI_LABELS_FILE:
                raise DatasetError(f"{p}: import the folder that holds {EI_LABELS_FILE} (the export root), "
                                   "not the labels file itself")
            out.files.append(Candidate(p, label, None, label_from="--label" if label else ""))
        else:
            raise DatasetError(f"{p}: no such file or folder")
    return out
