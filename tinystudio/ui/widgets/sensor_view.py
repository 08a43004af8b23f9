"""The live view of one sensor, chosen from what its HELLO says it is.

IMU and generic sensors get one plot per physical unit (accelerometer in g and
gyroscope in dps do not share a y axis); a microphone gets its waveform and a scrolling
spectrogram; a camera gets its newest image. The host needs no per-board code.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout

from tinystudio.devices.protocol import SensorInfo, SensorKind
from tinystudio.ui.widgets.camera_view import CameraView
from tinystudio.ui.widgets.live_plot import LivePlot
from tinystudio.ui.widgets.spectrogram import Spectrogram


def unit_groups(sensor: SensorInfo) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for i, ch in enumerate(sensor.channels):
        groups.setdefault(ch.unit, []).append(i)
    return list(groups.items())


class SensorView(QGroupBox):
    def __init__(self, sensor: SensorInfo, window_s: float = 10.0, parent=None) -> None:
        super().__init__(f"{sensor.name} ({sensor.kind.name.lower()}, {sensor.rate_hz:g} Hz)", parent)
        self.sensor = sensor
        self.views = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        if sensor.kind == SensorKind.CAMERA:
            self.views.append(CameraView(sensor.name, sensor=sensor))
        else:
            for unit, cols in unit_groups(sensor):
                self.views.append(
                    LivePlot(
                        title=", ".join(sensor.channels[c].name for c in cols),
                        channel_names=[sensor.channels[c].name for c in cols],
                        columns=cols,
                        scales=[sensor.channels[c].scale for c in cols],
                        rate_hz=sensor.rate_hz,
                        window_s=window_s,
                        unit=unit,
                    )
                )
            if sensor.kind == SensorKind.MICROPHONE:
                self.views.append(Spectrogram(sensor.rate_hz, window_s=window_s))
        for v in self.views:
            layout.addWidget(v)

    def update_from(self, ring, stream=None) -> bool:
        """``stream`` (the session's SensorStream) lets a camera show its lost frames."""
        changed = False
        for v in self.views:
            changed = (v.update_from(ring, stream) if isinstance(v, CameraView) else v.update_from(ring)) or changed
        return changed
