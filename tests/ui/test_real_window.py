"""The window opens on a real X server, exactly as a user starts it.

Why: every other GUI test runs with QT_QPA_PLATFORM=offscreen, which never loads Qt's xcb
platform plugin and so hid a window that could not open on a stock Debian desktop (missing
libxcb-icccm4 and friends). This test starts Xvfb, runs `python -m tinystudio` with the
xcb plugin, waits until the main window is mapped, grabs the whole screen, checks that
something was drawn, and quits with Ctrl+Q expecting a clean exit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import ImageGrab


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: this test needs a real X server; "
                    "install it with `bash scripts/install.sh --dev` (Debian packages xvfb, xdotool)")
    return path


def _x_env(display: str) -> dict:
    """The environment an X client gets: our display and no inherited X cookie.

    Why: a CI machine may export XAUTHORITY (or HOME with an .Xauthority) for some other
    display; a client then offers a cookie our auth-less Xvfb never issued.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("XAUTHORITY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = display
    return env


def _reachable(display: str, proc: subprocess.Popen, deadline: float) -> bool:
    """True once a real client connects (not just once Xvfb printed its number)."""
    xdotool = _need("xdotool")
    while time.monotonic() < deadline and proc.poll() is None:
        probe = subprocess.run([xdotool, "getdisplaygeometry"], env=_x_env(display),
                               capture_output=True, text=True, timeout=20)
        if probe.returncode == 0:
            return True
        time.sleep(0.2)
    return False


def _launch_xvfb(where: list[str], log) -> tuple[subprocess.Popen, str]:
    """One Xvfb: on a display it picks itself (-displayfd) or on the one given."""
    xvfb = _need("Xvfb")
    common = ["-screen", "0", "1280x800x24", "-nolisten", "tcp"]
    if where:
        proc = subprocess.Popen([xvfb, *where, *common], stdout=log, stderr=log)
        return proc, where[0]
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), *common], pass_fds=(write_fd,),
                            stdout=log, stderr=log)
    os.close(write_fd)
    with os.fdopen(read_fd) as r:
        number = r.readline().strip()
    return proc, f":{number}" if number else ""


@pytest.fixture
def xserver(tmp_path):
    """A fresh Xvfb that a client has been seen to reach.

    Why: CI once got display :0 from -displayfd and then Qt "could not connect to display
    :0". So the fixture probes with a real client, tries again on a display number of its
    own choosing if the first server is not reachable, and on failure shows Xvfb's log.
    """
    log_path = tmp_path / "xvfb.log"
    attempts = [[], [f":{random.randint(200, 899)}"], [f":{random.randint(900, 2000)}"]]
    with open(log_path, "w") as log:
        for where in attempts:
            proc, display = _launch_xvfb(where, log)
            if display and _reachable(display, proc, time.monotonic() + 20):
                break
            proc.kill()
            proc.wait(10)
        else:
            sockets = sorted(os.listdir("/tmp/.X11-unix")) if os.path.isdir("/tmp/.X11-unix") else "none"
            pytest.fail(f"no reachable Xvfb after {len(attempts)} tries; /tmp/.X11-unix: {sockets}; "
                        f"Xvfb said:\n{log_path.read_text()[-3000:]}")
    yield display
    proc.terminate()
    proc.wait(10)


def _window_id(display: str, app: subprocess.Popen, deadline: float) -> str:
    xdotool = _need("xdotool")
    env = _x_env(display)
    while time.monotonic() < deadline and app.poll() is None:
        out = subprocess.run([xdotool, "search", "--onlyvisible", "--name", "^TinyStudio"],
                             capture_output=True, text=True, env=env).stdout.split()
        if out:
            return out[0]
        time.sleep(0.2)
    raise AssertionError("the TinyStudio window was not mapped")


def _app_env(display: str, tmp_path) -> dict:
    env = _x_env(display)
    env.update(QT_QPA_PLATFORM="xcb", TINYSTUDIO_SETTINGS_DIR=str(tmp_path / "settings"),
               HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    os.chmod(tmp_path, 0o700)
    return env


@pytest.mark.slow
def test_window_opens_on_a_real_x_server(xserver, tmp_path):
    env = _app_env(xserver, tmp_path)
    app = subprocess.Popen([sys.executable, "-m", "tinystudio", "--no-board", "--project",
                            str(tmp_path / "project")], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        try:
            wid = _window_id(xserver, app, time.monotonic() + 60)
        except AssertionError:
            app.kill()
            out, err = app.communicate(timeout=10)
            xlog = (tmp_path / "xvfb.log").read_text()[-2000:]
            raise AssertionError(f"no window; exit code {app.returncode}; stderr:\n{err[-3000:]}\n"
                                 f"Xvfb log:\n{xlog}") from None
        time.sleep(1.5)  # let it paint a few frames
        shot = ImageGrab.grab(xdisplay=xserver)
        shot.save(tmp_path / "screen.png")
        pixels = np.asarray(shot.convert("RGB"), dtype=np.int16)
        colors = len(set(map(tuple, pixels.reshape(-1, 3)[::7].tolist())))
        assert pixels.std() > 10 and colors > 20, (
            f"screen looks blank: std {pixels.std():.1f}, {colors} colours (saved {tmp_path / 'screen.png'})")
        subprocess.run([_need("xdotool"), "windowfocus", "--sync", wid, "key", "--clearmodifiers",
                        "ctrl+q"], env=_x_env(xserver), timeout=20, check=False)
        try:
            code = app.wait(20)
        except subprocess.TimeoutExpired:
            app.send_signal(signal.SIGTERM)
            raise AssertionError("Ctrl+Q did not close the window within 20 s") from None
        _, err = app.communicate(timeout=5)
        assert code == 0, f"exit code {code}; stderr:\n{err[-3000:]}"
        assert "Traceback" not in err, err[-3000:]
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)


def test_window_refuses_to_start_without_a_display_and_says_why(tmp_path):
    env = _app_env("", tmp_path)
    del env["DISPLAY"]
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run([sys.executable, "-m", "tinystudio", "--no-board"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "DISPLAY is not set" in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr

