"""A channel has one colour on every page (issue 21): the live plots of the Record and
Device pages (one plot per unit) and the timelines of the Label page and the Record
preview (one for the whole recording) take it from tinystudio/ui/palette.py."""

from __future__ import annotations

import numpy as np

from tinystudio.boards.virtual.sensors import imu_info
from tinystudio.ui.widgets.sensor_view import SensorView
from tinystudio.ui.widgets.timeline import Timeline


def _live_colours(view: SensorView) -> dict[str, str]:
    return {c.name: c.pen.color().name() for plot in view.views for c in plot.curves}


def _timeline_colours(timeline: Timeline, names) -> dict[str, str]:
    return {n: timeline.curves[i].opts["pen"].color().name() for i, n in enumerate(names)}


def test_gyroscope_and_accelerometer_pens_agree_between_live_plots_and_timelines(qtbot):
    sensor = imu_info(119.0)  # the virtual board's IMU: aX..aZ in g, gX..gZ in deg/s
    live = SensorView(sensor, window_s=5.0)
    qtbot.addWidget(live)
    assert len(live.views) == 2  # accelerometer and gyroscope plotted apart
    names = [c.name for c in sensor.channels]
    for editable, compact in ((True, False), (False, True)):  # Label page, Record preview
        timeline = Timeline(editable=editable, compact=compact)
        qtbot.addWidget(timeline)
        timeline.set_signal(np.zeros((50, 6), np.float32), 119.0, names, ["g"] * 3 + ["deg/s"] * 3)
        assert _timeline_colours(timeline, names) == _live_colours(live)
    colours = _live_colours(live)
    assert len(set(colours.values())) == 6  # a gyroscope axis never looks like an accelerometer axis


def test_the_same_axis_under_another_name_or_order_keeps_its_colour(qtbot):
    arduino = Timeline()
    qtbot.addWidget(arduino)
    arduino.set_signal(np.zeros((50, 6), np.float32), 100.0, ["aX", "aY", "aZ", "gX", "gY", "gZ"], None)
    logger = Timeline()  # a logger writes gyroscope first, with other names
    qtbot.addWidget(logger)
    logger.set_signal(np.zeros((50, 6), np.float32), 100.0, ["gyroX", "gyroY", "gyroZ", "accX", "accY", "accZ"],
                      None)
    a = _timeline_colours(arduino, ["aX", "aY", "aZ", "gX", "gY", "gZ"])
    b = _timeline_colours(logger, ["gyroX", "gyroY", "gyroZ", "accX", "accY", "accZ"])
    assert [b["accX"], b["accY"], b["accZ"], b["gyroX"], b["gyroY"], b["gyroZ"]] == list(a.values())
