"""Writing an export: only inside the chosen folder, never over a file without consent.

Every exporter (data: CSV, WAV, NumPy, Edge Impulse JSON; models: .tflite, C, Arduino)
first builds an :class:`OutputPlan`, the list of files it is about to write, each a path
relative to the output folder made from slugs. The plan is checked as a whole before the
first byte is written:

* every target, resolved through symlinks, lies inside the resolved output folder (a
  class folder or file that is a symlink to elsewhere is refused, not followed);
* no target exists already, unless the caller passed ``force`` (``--force``; the GUI asks
  first, listing :meth:`OutputPlan.existing`);
* nothing outside the plan is ever touched: exports do not delete.

Each file is written to a hidden temporary file beside its target and renamed over it, so
an interrupted export leaves whole files, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tinystudio.errors import DatasetError, TinyStudioError

Writer = Callable[[Path], None]
#: How many conflicting files an error message names before "and N more".
_SHOWN = 3


def _plain_relative(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or "\\" in rel:
        raise ValueError(f"export target {rel!r} is not a plain relative path")  # a bug, not input
    return p


@dataclass
class OutputPlan:
    """The files an export will write under ``root``, checked before anything is written."""

    root: Path
    error: type[TinyStudioError] = DatasetError
    files: list[tuple[PurePosixPath, Writer]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    def add(self, rel: str, writer: Writer) -> None:
        p = _plain_relative(rel)
        if any(q == p for q, _ in self.files):
            raise ValueError(f"export target {rel!r} planned twice")  # slugs are unique: a bug
        self.files.append((p, writer))

    def add_bytes(self, rel: str, data: bytes) -> None:
        self.add(rel, lambda path: path.write_bytes(data))

    def add_text(self, rel: str, text: str) -> None:
        self.add(rel, lambda path: path.write_text(text, encoding="utf-8"))

    def targets(self) -> list[Path]:
        return [self.root / rel for rel, _ in self.files]

    def check_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise self.error(f"{self.root}: exists and is not a folder; choose a folder for --out")

    def check_inside(self) -> None:
        """Refuse any target that resolves outside the output folder (symlinked folders or
        files planted in an existing output folder)."""
        base = self.root.resolve()
        for target in self.targets():
            resolved = target.resolve()
            if not resolved.is_relative_to(base):
                raise self.error(
                    f"{target}: resolves to {resolved}, outside the output folder {base}; remove "
                    "that link or choose another --out folder (exports write only inside it)")

    def existing(self) -> list[Path]:
        """Targets that exist already (files an export with ``force`` would replace)."""
        return [t for t in self.targets() if t.exists() or t.is_symlink()]

    def check(self, force: bool = False) -> None:
        self.check_root()
        self.check_inside()
        for t in self.targets():
            if t.is_dir() and not t.is_symlink():
                raise self.error(f"{t}: a folder is in the way of an export file; move it or "
                                 "choose another --out folder")
        clash = self.existing()
        if clash and not force:
            names = ", ".join(str(p.relative_to(self.root)) for p in clash[:_SHOWN])
            more = f" and {len(clash) - _SHOWN} more" if len(clash) > _SHOWN else ""
            raise self.error(
                f"{self.root}: the export would overwrite {len(clash)} existing file"
                f"{'s' if len(clash) != 1 else ''} ({names}{more}); pass --force to replace "
                "them, or choose an empty --out folder")

    def write(self, force: bool = False, progress: Callable[[int, int], None] | None = None,
              stop: threading.Event | None = None) -> list[Path]:
        """Check, then write every file atomically; returns the paths written."""
        self.check(force)
        written: list[Path] = []
        n = len(self.files)
        for i, (rel, writer) in enumerate(self.files):
            if stop is not None and stop.is_set():
                break
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(self.root.resolve()):
                raise self.error(f"{target.parent}: moved outside {self.root} during the export")
            tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
            try:
                writer(tmp)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            written.append(target)
            if progress:
                progress(i + 1, n)
        return written
