"""Locate files shipped in the top-level ``resources/`` folder.

Resources live beside the package in a source checkout (editable install), so both the
GUI and the headless commands find board profiles and models without extra configuration.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, raising a clear error if it is missing."""
    path = RESOURCES_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"TinyStudio resource {path} is missing; reinstall TinyStudio from a full checkout"
        )
    return path
