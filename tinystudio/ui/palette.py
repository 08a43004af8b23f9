"""One palette for every plot, so a channel has the same colour on every page.

The Record and Device pages draw one live plot per unit (accelerometer, gyroscope), the
Label page and the Record preview one timeline for the whole recording. Indexing colours
by position inside each plot gave the gyroscope the accelerometer's colours on one page
and others on the next. A channel's colour is fixed by what it is: the motion axes by name
(``aX``, ``acc_x``, ``gyroZ``, ... -> accelerometer x/y/z, gyroscope x/y/z, magnetometer
x/y/z), any other channel by its position in its recording or sensor.
"""

from __future__ import annotations

import re

#: Distinct curve colours readable on light and dark backgrounds.
CHANNEL_COLORS = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#9a6324", "#808000", "#469990",
)

_AXIS = re.compile(
    r"^(?:(?P<a>a|acc|accel|accelerometer|linacc)|(?P<g>g|gyr|gyro|gyroscope)|(?P<m>m|mag|magnetometer))"
    r"[ _.\-]?(?P<axis>[xyz])$", re.IGNORECASE)


def channel_color(name: str, index: int) -> str:
    """The colour of channel ``name``, the ``index``-th of its recording or sensor."""
    m = _AXIS.match(name.strip())
    if m is not None:
        family = 0 if m["a"] else 1 if m["g"] else 2
        return CHANNEL_COLORS[3 * family + "xyz".index(m["axis"].lower())]
    return CHANNEL_COLORS[index % len(CHANNEL_COLORS)]


def class_color(colors: dict[str, str], label: str, index: int) -> str:
    """A class's colour from the project, else the palette's by position."""
    return colors.get(label, CHANNEL_COLORS[index % len(CHANNEL_COLORS)])
