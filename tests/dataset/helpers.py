"""Helpers for the dataset tests: run the real CLI in a subprocess, hash a folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def cli(*args, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "tinystudio", *map(str, args)], capture_output=True,
                          text=True, env=cli_env(), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"tinystudio {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def cli_json(*args) -> dict:
    return json.loads(cli(*args, "--json").stdout.strip().splitlines()[-1])


def tree_digest(path: Path) -> dict[str, str]:
    """Every file under ``path`` with the SHA-256 of its bytes ({} when missing). The
    project index (index.sqlite) is left out: it is derived data that any open may refresh."""
    path = Path(path)
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file() and p.name != "index.sqlite"}
