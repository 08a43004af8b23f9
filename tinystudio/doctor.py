"""First-run checks: what makes TinyStudio fail on a new machine, each with its fix.

Why a module of its own: the same checks back `tinystudio doctor` and the window's
start-up (which must explain a missing Qt library in words instead of letting Qt abort),
and they must run without importing Qt or TensorFlow, since either can be what is broken.
Each check returns a :class:`Check`; nothing here changes the machine.
"""

from __future__ import annotations

import grp
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

MIN_FREE_BYTES = 500 * 1024 * 1024  # a few long recordings plus a training run
SERIAL_GROUPS = ("dialout", "uucp")  # Debian/Ubuntu/Fedora; Arch/openSUSE
SERIAL_GLOBS = ("ttyACM*", "ttyUSB*")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        text = f"{status} {self.name:<12} {self.detail}"
        return text + (f" -> fix: {self.fix}" if self.fix and not self.ok else "")

    def to_json(self) -> dict:
        return asdict(self)


# --- Qt platform plugin ---------------------------------------------------------

def qt_plugin_dir() -> Path | None:
    """PySide6's plugin folder, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins"


def missing_libraries(ldd_output: str) -> list[str]:
    """Library names that ``ldd`` reports as ``not found``."""
    return sorted({m.group(1) for m in re.finditer(r"^\s*(\S+)\s+=>\s+not found", ldd_output, re.M)})


# Debian/Ubuntu package that provides each library the xcb plugin loads, for the fix text.
_LIB_PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb.so.1": "libxcb1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}


def check_qt_platform(plugin_dir: Path | None = None, run=subprocess.run) -> Check:
    """Does Qt's xcb platform plugin find every shared library it links against?"""
    plugin_dir = plugin_dir if plugin_dir is not None else qt_plugin_dir()
    if plugin_dir is None:
        return Check("qt", False, "PySide6 is not installed",
                     "bash scripts/install.sh (installs TinyStudio and PySide6 into .venv)")
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb" if sys.platform.startswith("linux") else "")
    if not sys.platform.startswith("linux") or platform.split(":")[0] not in ("", "xcb"):
        return Check("qt", True, f"Qt platform {platform or 'default'} (no xcb check needed)")
    plugin = plugin_dir / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return Check("qt", False, f"{plugin} is missing", "reinstall PySide6: bash scripts/install.sh")
    libs = [plugin, *sorted((plugin_dir.parent / "lib").glob("libQt6XcbQpa.so*"))[:1]]
    try:
        out = "".join(run(["ldd", str(p)], capture_output=True, text=True, timeout=10).stdout
                      for p in libs)
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("qt", True, f"xcb plugin present; could not run ldd to check its libraries ({exc})")
    missing = missing_libraries(out)
    if missing:
        pkgs = sorted({_LIB_PACKAGES.get(m, m) for m in missing})
        return Check("qt", False,
                     f"the Qt xcb platform plugin cannot load: missing {', '.join(missing)}",
                     f"sudo apt-get install {' '.join(pkgs)} (or: bash scripts/install.sh)")
    return Check("qt", True, "Qt xcb platform plugin finds all its libraries")


# --- display ----------------------------------------------------------------------

def _x_socket(display: str) -> str | None:
    m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    return f"/tmp/.X11-unix/X{m.group(1)}" if m else None


def check_display(env: dict | None = None) -> Check:
    """Is there a screen to open the window on?"""
    env = os.environ if env is None else env
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc")):
        return Check("display", True, f"QT_QPA_PLATFORM={platform} (no screen needed)")
    if env.get("WAYLAND_DISPLAY"):
        return Check("display", True, f"Wayland display {env['WAYLAND_DISPLAY']}")
    display = env.get("DISPLAY", "")
    if not display:
        return Check("display", False, "no display: DISPLAY is not set",
                     "run it from a desktop session, or over SSH with `ssh -X`, or headless: "
                     "Xvfb :99 & DISPLAY=:99 tinystudio")
    sock = _x_socket(display)
    if sock is None:  # host:N, remote X: let Qt try
        return Check("display", True, f"X display {display} (remote, not probed)")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(sock)
    except OSError:
        return Check("display", False, f"X display {display} does not answer ({sock})",
                     "start the X server (or Xvfb) for that display, or set DISPLAY to a running one")
    return Check("display", True, f"X display {display} answers")


# --- serial ports -----------------------------------------------------------------

def check_serial(groups: Iterable[int] | None = None, uid: int | None = None,
                 user: str | None = None, devices: Iterable[Path] | None = None) -> Check:
    """Can this user open a board's serial port (Linux: dialout/uucp group, udev modes)?"""
    if not sys.platform.startswith("linux"):
        return Check("serial", True, "not Linux: ports need no group membership")
    uid = os.getuid() if uid is None else uid
    groups = set(os.getgroups() if groups is None else groups) | ({os.getgid()} if groups is None else set())
    user = user or os.environ.get("USER") or os.environ.get("LOGNAME") or "$USER"
    devices = list(devices) if devices is not None else [
        p for pattern in SERIAL_GLOBS for p in sorted(Path("/dev").glob(pattern))]
    if uid == 0:
        return Check("serial", True, "running as root: every serial port can be opened")
    unreadable = [str(d) for d in devices if not os.access(d, os.R_OK | os.W_OK)]
    wanted = []
    for name in SERIAL_GROUPS:
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        wanted.append(name)
        if gid in groups and not unreadable:
            return Check("serial", True, f"user {user} is in group {name}")
    if not wanted:
        if unreadable:
            return Check("serial", False, f"cannot open {', '.join(unreadable)}",
                         "add a udev rule giving your user access, e.g. "
                         'SUBSYSTEM=="tty", MODE="0666" in /etc/udev/rules.d/99-tinystudio.rules')
        return Check("serial", True, "no dialout/uucp group on this system; ports are not group-restricted")
    group = wanted[0]
    fix = f"sudo usermod -aG {group} {user}, then log out and back in"
    if unreadable:
        return Check("serial", False, f"cannot open {', '.join(unreadable)} (user {user} not in {group})", fix)
    return Check("serial", False, f"user {user} is not in group {group}: boards' serial ports will "
                 "refuse to open", fix)


# --- Python packages -----------------------------------------------------------------

def check_import(module: str, label: str, python: str | None = None, timeout: float = 120) -> Check:
    """Import ``module`` in a child process: a broken wheel can crash, not only raise."""
    python = python or sys.executable
    try:
        proc = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    except subprocess.TimeoutExpired:
        return Check(label, False, f"import {module} took over {timeout:.0f} s", "check the machine's load, then retry")
    if proc.returncode == 0:
        return Check(label, True, f"{module} imports")
    last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    return Check(label, False, f"import {module} fails: {last[:200]}",
                 "bash scripts/install.sh (reinstalls the Python packages into .venv)")


# --- disk ------------------------------------------------------------------------------

def check_disk(folder: Path, minimum: int = MIN_FREE_BYTES) -> Check:
    """Free space where projects are written."""
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    text = f"{free / 1e9:.1f} GB free in {probe}"
    if free < minimum:
        return Check("disk", False, text, f"free at least {minimum / 1e6:.0f} MB there, "
                     "or keep projects on another disk (tinystudio --project /other/disk/P)")
    return Check("disk", True, text)


def default_checks(project_folder: Path, with_imports: bool = True) -> list[Callable[[], Check]]:
    checks: list[Callable[[], Check]] = [check_display, check_qt_platform, check_serial,
                                         lambda: check_disk(project_folder)]
    if with_imports:
        checks += [lambda: check_import("tensorflow", "tensorflow"),
                   lambda: check_import("tflite_micro", "tflite-micro"),
                   lambda: check_import("h5py", "h5py")]
    return checks


def run_checks(project_folder: Path, with_imports: bool = True) -> list[Check]:
    return [check() for check in default_checks(project_folder, with_imports)]


def window_blockers() -> list[Check]:
    """The failed checks that stop the window from opening (fast: no TensorFlow import)."""
    return [c for c in (check_display(), check_qt_platform()) if not c.ok]
