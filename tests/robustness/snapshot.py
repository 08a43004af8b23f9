"""Before/after snapshots of a folder, for adversarial tests: a case may change only what
it targeted; every other file must be byte-identical afterwards.

    snap = Snapshot(project)              # before the case
    ...                                   # the case
    snap.assert_unchanged(except_=["recordings/bad.h5", "damaged/*"])

``except_`` holds glob patterns (fnmatch, on paths relative to the root, with "/"): files
matching them may be added, removed or changed. Everything else is compared by SHA-256 of
its bytes. Shared by the robustness tests of the dataset and of exports/boards.
"""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path


def digest(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of the bytes, for every file under ``root``."""
    root = Path(root)
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


class Snapshot:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.before = digest(self.root)

    def differences(self, except_=()) -> dict[str, list[str]]:
        """{"added": [...], "removed": [...], "changed": [...]} outside ``except_``."""
        after = digest(self.root)

        # The project index is derived data (rebuilt from the recordings whenever it is
        # missing or stale), refreshed by any open: never part of what a case may not touch.
        except_ = [*except_, "index.sqlite", "*/index.sqlite"]

        def kept(path: str) -> bool:
            return not any(fnmatch.fnmatchcase(path, pat) for pat in except_)

        return {
            "added": [p for p in after if p not in self.before and kept(p)],
            "removed": [p for p in self.before if p not in after and kept(p)],
            "changed": [p for p in after if p in self.before and after[p] != self.before[p] and kept(p)],
        }

    def assert_unchanged(self, except_=()) -> None:
        diff = self.differences(except_)
        assert not any(diff.values()), f"files outside the case changed under {self.root}: {diff}"
