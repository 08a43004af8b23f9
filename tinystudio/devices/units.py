"""Physical units of sensor channels, so thresholds and models work in known units.

Files and boards spell the same unit many ways (``m/s^2``, ``m/s²``, ``m s-2``, ``°/s``,
``dps``); channel names say what a channel is (``aX``, ``accX``, ``Acceleration x``).
One spelling per unit is kept; accelerometer channels in m/s2 or milli-g can be turned
into g (what the IMU_Capture trigger and TinyStudio's motion thresholds use).
"""

from __future__ import annotations

import re

STANDARD_GRAVITY = 9.80665

_SPELLINGS = {
    "m/s2": ("m/s^2", "m/s²", "m/s2", "m s-2", "m s^-2", "ms^-2", "ms-2", "m/s/s", "m/sec^2", "m/s**2"),
    "g": ("g", "gee", "g0"),
    "mg": ("mg", "milli-g"),
    "deg/s": ("deg/s", "°/s", "dps", "degrees/s", "deg s-1", "º/s"),
    "rad/s": ("rad/s", "rad s-1", "rad/sec"),
    "uT": ("ut", "µt", "μt", "microtesla"),
}
_CANON = {sp: canon for canon, spellings in _SPELLINGS.items() for sp in spellings}
#: Multiply an acceleration in this unit by the factor to get g.
TO_G = {"g": 1.0, "mg": 1e-3, "m/s2": 1.0 / STANDARD_GRAVITY}

_AXIS = r"[ _\-.]?\(?[xyz0-2]\)?"
_ACCEL = re.compile(rf"^(a|acc|accel|accelerometer|acceleration|linear acceleration|lin_acc){_AXIS}$", re.I)
_GYRO = re.compile(rf"^(g|gyr|gyro|gyroscope|angular velocity|rot|rotation rate){_AXIS}$", re.I)
_MAG = re.compile(rf"^(m|mag|magnetometer|magnetic field){_AXIS}$", re.I)


def normalize_unit(unit: str) -> str:
    """One spelling per known unit (``m/s^2`` -> ``m/s2``); unknown units unchanged."""
    u = unit.strip()
    if u == "G":
        return "g"
    return _CANON.get(u.lower(), _CANON.get(u, u))


def channel_kind(name: str, unit: str = "") -> str:
    """``accel``, ``gyro``, ``mag`` or ``""`` from a channel's name and unit."""
    u = normalize_unit(unit)
    n = name.strip()
    if u in TO_G or _ACCEL.match(n):
        return "accel" if u in TO_G or not u else ""
    if u in ("deg/s", "rad/s") or _GYRO.match(n):
        return "gyro"
    if u == "uT" or _MAG.match(n):
        return "mag"
    return ""


def guess_units(names: list[str], header_units: list[str] | None = None) -> list[str]:
    """Units written in a header (normalised), else the Arduino convention for short
    names (``aX`` in g, ``gX`` in deg/s, ``mX`` in uT, as IMU_Capture prints them)."""
    out = []
    for i, name in enumerate(names):
        given = header_units[i] if header_units and i < len(header_units) else ""
        if given:
            out.append(normalize_unit(given))
            continue
        n = name.lower()
        if len(n) <= 3 and n[:1] in "agm" and n[1:2] in ("x", "y", "z", "_", "") and len(n) >= 2:
            out.append({"a": "g", "g": "deg/s", "m": "uT"}[n[0]])
        else:
            out.append("")
    return out


def looks_imu(names: list[str], units: list[str] | None = None) -> bool:
    units = units or [""] * len(names)
    return any(channel_kind(n, u) in ("accel", "gyro") for n, u in zip(names, units, strict=False))


def accel_channels(names: list[str], units: list[str]) -> list[tuple[int, float | None]]:
    """(index, factor to g) of the accelerometer channels; factor None when the unit is
    unknown (a bare ``ax`` column from an unknown logger)."""
    out = []
    for i, (n, u) in enumerate(zip(names, units, strict=False)):
        if channel_kind(n, u) == "accel":
            out.append((i, TO_G.get(normalize_unit(u))))
    return out
