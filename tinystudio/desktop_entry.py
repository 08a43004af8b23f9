"""A freedesktop.org launcher (menu entry + icon) for TinyStudio on Linux desktops.

Why: makers start tools from the application menu, not a terminal. The entry points at
the `tinystudio` script of the environment it was installed from (the project's .venv),
so it keeps working without activating anything. Only the two files named here are
written or removed; the folders are ``$XDG_DATA_HOME`` (default ~/.local/share).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tinystudio.errors import TinyStudioError
from tinystudio.resources import resource_path

APP_ID = "tinystudio"


def data_home(env=None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launcher_paths(env=None) -> tuple[Path, Path]:
    home = data_home(env)
    return (home / "applications" / f"{APP_ID}.desktop",
            home / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png")


def _exec_args() -> list[str]:
    script = Path(sys.executable).with_name("tinystudio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tinystudio"]


def _quote_exec(arg: str) -> str:
    """Quote per the Desktop Entry spec: a path with spaces or reserved characters."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def desktop_entry_text(exec_args: list[str], icon: Path) -> str:
    program = " ".join(_quote_exec(a) for a in exec_args)
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=TinyStudio",
        "GenericName=TinyML Studio",
        "Comment=Record sensor data, train a tiny model and flash it to a microcontroller, offline",
        f"Exec={program}",
        f"Icon={icon}",
        "Terminal=false",
        "Categories=Development;Science;Electronics;",
        "Keywords=TinyML;Arduino;microcontroller;accelerometer;machine learning;",
        "StartupWMClass=tinystudio",
        "",
    ])


def install_launcher(env=None) -> tuple[Path, Path]:
    entry, icon = launcher_paths(env)
    try:
        icon.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(resource_path("icons", "tinystudio.png"), icon)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(".desktop.tmp")
        tmp.write_text(desktop_entry_text(_exec_args(), icon), encoding="utf-8")
        tmp.replace(entry)
    except OSError as exc:
        raise TinyStudioError(f"could not write the launcher in {data_home(env)}: {exc.strerror}; "
                              "check that folder's permissions or set XDG_DATA_HOME") from exc
    return entry, icon


def uninstall_launcher(env=None) -> list[Path]:
    removed = []
    for path in launcher_paths(env):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
