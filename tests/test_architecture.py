"""Layering rules from DESIGN.md, enforced on the source itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tinystudio"
QT_MODULES = {"PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_ui_imports_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "ui":
            continue
        bad = _imported_roots(path) & QT_MODULES
        if bad:
            offenders.append(f"{rel}: {sorted(bad)}")
    assert not offenders, "Qt imported outside tinystudio/ui/: " + "; ".join(offenders)


def test_core_layers_import_no_qt_or_tensorflow_at_startup():
    """Importing the core and the CLI must not pull in Qt or TensorFlow."""
    code = (
        "import sys, tinystudio.cli, tinystudio.devices.protocol;"
        "tinystudio.cli.build_parser();"
        "bad=[m for m in ('PySide6','pyqtgraph','tensorflow') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"start-up imported: {out.stdout.strip()}"


def test_modules_stay_small():
    big = [
        f"{p.relative_to(PACKAGE)} ({n} lines)"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert not big, "split these modules by concept: " + ", ".join(big)


def test_test_module_basenames_are_unique():
    """Test folders without __init__.py share one module namespace under pytest."""
    tests = Path(__file__).resolve().parent
    seen: dict[str, Path] = {}
    clashes = []
    for path in tests.rglob("test_*.py"):
        if (path.parent / "__init__.py").exists():
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(tests)} and {path.relative_to(tests)}")
        seen[path.name] = path
    assert not clashes, "rename one of: " + "; ".join(clashes)


def test_ruff_is_clean():
    """The style the repository promises (pyproject's [tool.ruff]) holds everywhere."""
    repo = PACKAGE.parent
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "tinystudio", "tests", "benchmarks", "scripts"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-1000:]


def test_host_side_never_imports_the_boards():
    """devices/ is the host side of the link; the virtual and emulated boards sit on the
    far side of a serial port, so the host must not depend on them (issue 15)."""
    offenders = []
    for path in (PACKAGE / "devices").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [mod or ""]
            if any(n.startswith("tinystudio.boards") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert not offenders, f"host-side modules importing tinystudio.boards: {offenders}"
