"""The virtual board's switchable sources: takes performed on request, the mouse, and the
control channel of a real ``tinystudio sim`` process over a real pty."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from tinystudio.boards.virtual.board import SimConfig, build_sensors
from tinystudio.boards.virtual.pointer import PX_PER_M, PointerSource
from tinystudio.boards.virtual.sensors import imu_info
from tinystudio.boards.virtual.sources import SensorSlot, build_source
from tinystudio.boards.virtual.takes import example_takes
from tinystudio.errors import DeviceError

SCALES = np.array([c.scale for c in imu_info(119.0).channels])


def _slot(source=None) -> SensorSlot:
    return build_sensors(SimConfig(sensors=("imu",), source=source))[0]


def _played_takes(phys: np.ndarray, takes: list[np.ndarray]) -> list[int]:
    """Which example take (index) starts at each position of ``phys``, within a step."""
    found = []
    i = 0
    while i < len(phys):
        hit = next((k for k, t in enumerate(takes)
                    if i + len(t) <= len(phys) and np.all(np.abs(phys[i:i + len(t)] - t) <= SCALES)), None)
        if hit is None:
            i += 1
        else:
            found.append(hit)
            i += len(takes[hit])
    return found


def test_example_source_performs_the_asked_class_take_by_take():
    slot = _slot({"kind": "example", "name": "gestures"})
    assert slot.classes == ("flex", "punch")
    takes = example_takes("gestures", slot.info)
    assert len(takes["punch"]) == 10 and len(takes["flex"]) == 10
    assert slot.perform("punch")
    phys = slot.generate(119 * 16) * SCALES
    played = _played_takes(phys, takes["punch"])
    # the real takes, verbatim (to the int16 step), a fresh order: the first ten are all ten
    assert len(played) >= 10 and sorted(played[:10]) == list(range(10)), played
    assert not _played_takes(phys, takes["flex"])
    assert slot.perform("flex")
    phys = slot.generate(119 * 6) * SCALES
    assert len(_played_takes(phys, takes["flex"])) >= 3
    assert not _played_takes(phys, takes["punch"])


def test_an_unknown_class_rests_and_says_so():
    slot = _slot({"kind": "example", "name": "gestures"})
    assert not slot.perform("wave")
    assert slot.performing is None
    slot.generate(119)  # the ramp into rest
    still = slot.generate(119 * 2) * SCALES
    assert np.all(still[:, :3].std(axis=0) < 0.02) and np.all(np.abs(still[:, 3:]).max(axis=0) < 5)
    assert abs(np.linalg.norm(still[:, :3].mean(axis=0)) - 1.0) < 0.15  # gravity only


def test_switching_the_source_keeps_what_is_performed():
    slot = _slot()
    assert slot.perform("punch")  # the built-in gestures know punch
    assert slot.set_source(build_source({"kind": "example"}, slot.info), "example")
    assert slot.performing == "punch"
    phys = slot.generate(119 * 4) * SCALES
    assert _played_takes(phys, example_takes("gestures", slot.info)["punch"])
    assert slot.set_source(build_source({"kind": "builtin"}, slot.info))  # it has punch too
    assert slot.performing == "punch"


def test_builtin_source_knows_its_gestures():
    slot = _slot({"kind": "example"})
    slot.perform("flex")
    assert not slot.set_source(build_source({"kind": "builtin"}, slot.info))  # no flex built in
    assert slot.performing is None
    assert slot.perform("wave") and slot.performing == "wave"


def test_bad_specs_are_one_line_errors(tmp_path):
    info = imu_info(119.0)
    with pytest.raises(DeviceError, match="unknown; choose from"):
        build_source({"kind": "nope"}, info)
    with pytest.raises(DeviceError, match="no labeled motion takes"):
        from tinystudio.dataset.project import Project

        Project.create(tmp_path / "empty")
        build_source({"kind": "takes", "path": str(tmp_path / "empty")}, info)


def test_project_takes_are_its_labeled_segments(tmp_path, punch_csv):
    from tinystudio.dataset.importers import import_paths

    import_paths(tmp_path / "p", [punch_csv], label="punch")
    slot = _slot({"kind": "takes", "path": str(tmp_path / "p")})
    assert slot.classes == ("punch",)
    assert slot.perform("punch")
    phys = slot.generate(119 * 4) * SCALES
    assert len(_played_takes(phys, example_takes("gestures", slot.info)["punch"])) >= 2


def test_pointer_acceleration_is_the_accelerometer():
    now = [100.0]
    src = PointerSource(imu_info(119.0), clock=lambda: now[0])
    a = 20_000.0  # px/s2 to the right
    for k in range(400):
        t = 99.0 + k / 200
        src.feed(t, 0.5 * a * (t - 99.0) ** 2, 300.0)
    now[0] = 100.5
    src.read(60)  # warm-up over the start of the track
    now[0] = 100.9
    out = src.read(40)
    expect = a / PX_PER_M / 9.80665
    assert np.allclose(out[5:-5, 0], expect, rtol=0.05)
    assert np.allclose(out[:, 1], 0.0, atol=1e-6) and np.allclose(out[:, 2], 1.0)
    assert np.all(out[5:-5, 4] > 0)  # moving right reads as a tilt rate


def test_sim_control_channel_over_a_real_pty():
    from tinystudio.devices.session import BoardSession

    proc = subprocess.Popen([sys.executable, "-m", "tinystudio", "sim", "--sensors", "imu", "--control"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().split(" ", 1)[1].strip()
        session = BoardSession.open(port)
        try:
            session.start()

            def send(cmd):
                proc.stdin.write(json.dumps(cmd) + "\n")
                proc.stdin.flush()

            def wait_log(text, timeout=10.0):
                end = time.monotonic() + timeout
                while time.monotonic() < end:
                    if any(text in m for _lvl, m in list(session.logs)):
                        return
                    time.sleep(0.05)
                raise AssertionError(f"no log {text!r}: {list(session.logs)}")

            send({"sensor": "imu", "source": {"kind": "example", "name": "gestures"}})
            wait_log("imu source: example takes (gestures)")
            send({"sensor": "imu", "perform": "wave"})
            wait_log("has no takes of 'wave'")
            send({"sensor": "imu", "perform": "punch"})
            wait_log("imu performs punch")
            time.sleep(2.5)
            ring = session.ring(0)
            data = ring.latest(119 * 2)
            assert np.abs(data[:, 0] * SCALES[0]).max() > 1.5  # punches, not rest
            send({"not": "a command"})
            wait_log("has no source, perform or pointer")
        finally:
            session.close()
    finally:
        proc.terminate()
        proc.wait(5)
