"""How project and import files are opened: confined, regular, self-contained.

A project folder or an export someone sent is untrusted input. A symlink in it
(``recordings/``, ``models/``, the lock file), a ``current.json`` naming ``../../..``, a
FIFO named ``project.json`` or an HDF5 recording whose samples live in ``/etc/passwd``
(external storage) would make the studio read, write or block on things outside the
folder. Every reader of such files goes through these helpers, so the rules live in one
place: paths stay inside their root with no link followed, project files are regular
files (opened without blocking and without following a link), lock files are opened
with ``O_NOFOLLOW``, and recordings are self-contained with shapes their storage backs.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tinystudio.errors import DatasetError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
#: Limits on a JSON file read through :func:`read_json` (project.json of 10^5 recordings
#: is ~30 MB).
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 64


def inside(root: Path, path: Path, what: str = "path") -> Path:
    """``path`` if it lies inside ``root`` with no symlink on the way; else a DatasetError.

    Each component below ``root`` is checked with ``lstat``, so a link is refused even
    when it points back inside (the target could be swapped between check and use).
    """
    root = Path(os.path.abspath(root))
    # a relative path is relative to the working folder, as ``root`` is (callers pass
    # ``root / entry``): joining it to root again doubled "gestures/gestures/models/..."
    full = Path(os.path.abspath(path))
    try:
        rel = full.relative_to(root)
    except ValueError:
        raise DatasetError(f"{path}: {what} is outside {root}; refused") from None
    if ".." in rel.parts:
        raise DatasetError(f"{path}: {what} leaves {root}; refused")
    cur = root
    for part in rel.parts:
        cur = cur / part
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            break  # not there (yet): nothing to follow
        except OSError as exc:
            raise DatasetError(f"{cur}: cannot be checked ({exc.strerror or exc})") from None
        if stat.S_ISLNK(st.st_mode):
            raise DatasetError(f"{cur}: {what} is a symbolic link; TinyStudio does not follow links "
                               "inside a project or an import. Replace it with the real file or folder")
    return full


def check_regular(path: Path, what: str = "file") -> None:
    """Refuse a link, FIFO, device or folder where a regular file must be."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be checked ({exc.strerror or exc})") from None
    if stat.S_ISLNK(st.st_mode):
        raise DatasetError(f"{path}: {what} is a symbolic link; TinyStudio reads only regular files "
                           "here. Replace it with the real file")
    if not stat.S_ISREG(st.st_mode):
        raise DatasetError(f"{path}: {what} is not a regular file (a FIFO, device or folder); "
                           "replace it with the real file")


def read_regular(path: Path, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a regular file, opened without following a link or blocking on a FIFO."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        check_regular(path, what)  # ELOOP from O_NOFOLLOW: say "a symbolic link"
        raise DatasetError(f"{path}: {what} cannot be read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DatasetError(f"{path}: {what} is not a regular file (a FIFO, device or folder); "
                               "replace it with the real file")
        if limit is not None and st.st_size > limit:
            raise DatasetError(f"{path}: {what} is {st.st_size} bytes, more than the limit of "
                               f"{limit // (1024 * 1024)} MB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read() if limit is None else fh.read(limit + 1)
    finally:
        os.close(fd)


def open_lock(path: Path, mode: int = 0o644) -> int:
    """A lock file's descriptor; a symlink planted as the lock file is refused."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR | _NOFOLLOW | _NONBLOCK, mode)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DatasetError(f"{path}: the lock file is not a regular file; remove it")
    return fd


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice")
        out[key] = value
    return out


def _depth(obj, limit: int) -> int:
    stack, deepest = [(obj, 1)], 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def loads_strict(text: str, where: str, max_depth: int = MAX_JSON_DEPTH):
    """JSON with duplicate keys, NaN/Infinity and nesting beyond ``max_depth`` refused.

    A duplicate key is refused rather than resolved: json keeps the last one, so the next
    save would silently drop what the first one held (a recording's labels, say).
    """
    def refuse_constant(name):
        raise ValueError(f"{name} is not allowed")

    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=refuse_constant)
    except RecursionError:
        raise DatasetError(f"{where}: JSON nested too deeply (more than {max_depth} levels)") from None
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"{where}: not valid JSON ({exc})") from None
    if _depth(data, max_depth) > max_depth:
        raise DatasetError(f"{where}: JSON nested too deeply (more than {max_depth} levels)")
    return data


def read_json(path: Path, what: str = "JSON file", limit: int = MAX_JSON_BYTES):
    """A regular file's JSON, strictly parsed (see :func:`loads_strict`)."""
    data = read_regular(path, what, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: {what} is not UTF-8 text ({exc})") from None
    return loads_strict(text, str(path))


def check_h5_self_contained(path: Path, f) -> None:
    """Refuse external links, external storage and virtual datasets, and a dataset whose
    declared shape its allocated storage does not back (a 10 KB file claiming 10^10 rows).

    HDF5 follows all three on access: external storage reads raw bytes from any file
    (``/etc/passwd`` became "samples"), an external link opens another file, a virtual
    dataset maps others. A recording is one file; nothing here is followed.
    """
    import h5py

    names: list[str] = []
    f.visit_links(names.append)
    for name in names:
        link = f.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            raise DatasetError(f"{path}: '{name}' is an external link to {link.filename!r}; a recording "
                               "must be self-contained. Refused")
        if isinstance(link, h5py.SoftLink):
            continue  # resolved inside this file when used (and checked there)
        obj = f.get(name)
        if isinstance(obj, h5py.Dataset):
            _check_dataset(path, name, obj)


def _check_dataset(path: Path, name: str, ds) -> None:
    import math

    if ds.external:
        raise DatasetError(f"{path}: dataset '{name}' keeps its data in another file "
                           f"({ds.external[0][0]!r}); a recording must be self-contained. Refused")
    if ds.is_virtual:
        raise DatasetError(f"{path}: dataset '{name}' is a virtual dataset (data from other files); "
                           "a recording must be self-contained. Refused")
    shape = ds.shape or ()
    n = math.prod(shape)
    if n == 0:
        return
    if ds.chunks:
        need = math.prod(math.ceil(s / c) for s, c in zip(shape, ds.chunks, strict=True))
        have = ds.id.get_num_chunks()
        if have + 1 < need:  # one chunk of slack: a recording in progress may lag its shape
            raise DatasetError(f"{path}: dataset '{name}' declares {shape} but stores only {have} "
                               f"of its {need} chunks; the file is damaged or crafted. Refused")
    else:
        layout = ds.id.get_create_plist().get_layout()
        if layout == 1:  # H5D_CONTIGUOUS
            size = ds.id.get_storage_size()
            if size < n * ds.dtype.itemsize:
                raise DatasetError(f"{path}: dataset '{name}' declares {shape} ({n * ds.dtype.itemsize} "
                                   f"bytes) but stores {size}; the file is damaged or crafted. Refused")
