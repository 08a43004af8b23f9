"""What a sensor is, when the file cannot say: ``import --sensor/--units/--keep-columns``.

A headerless ``x,y,z`` CSV or a logger's ``ch0..ch3`` columns are imported as
``generic`` data; generic data trains with the same raw-window models as motion, but a
user who knows it is an accelerometer (motion), a vibration probe or audio should be able
to say so, with units, so the descriptor, the plots and the baselines use them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinystudio.errors import DatasetError

#: The names a user types -> the recording's sensor kind.
SENSOR_NAMES = {"motion": "imu", "imu": "imu", "vibration": "vibration", "generic": "generic",
                "audio": "microphone", "microphone": "microphone"}


@dataclass(frozen=True)
class SensorDeclaration:
    kind: str | None = None  # a key of SENSOR_NAMES
    units: tuple[str, ...] = ()  # one per channel, or one for all
    keep_columns: tuple[str, ...] = ()  # columns kept even though they look like counters

    @classmethod
    def from_args(cls, sensor: str | None, units: str | None, keep: str | None) -> SensorDeclaration:
        if sensor is not None and sensor not in SENSOR_NAMES:
            raise DatasetError(f"--sensor {sensor!r}: choose {', '.join(SENSOR_NAMES)}")
        split = lambda v: tuple(t.strip() for t in v.split(",") if t.strip()) if v else ()  # noqa: E731
        return cls(sensor, split(units), split(keep))

    def apply(self, parsed) -> None:
        """Set the declared kind and units on one parsed file (images and .h5 untouched)."""
        meta = parsed.meta
        if meta is None or meta.sensor_kind == "camera":
            return
        if self.kind is not None:
            kind = SENSOR_NAMES[self.kind]
            if (kind == "microphone") != (meta.sensor_kind == "microphone"):
                raise DatasetError(f"{parsed.source}: --sensor {self.kind} does not fit this "
                                   f"{meta.sensor_kind} file; import audio and other data separately")
            meta.sensor_kind = kind
        if self.units:
            n = len(meta.channel_names)
            if len(self.units) not in (1, n):
                raise DatasetError(f"{parsed.source}: --units gives {len(self.units)} units for "
                                   f"{n} channels ({', '.join(meta.channel_names)}); give one or {n}")
            from tinystudio.devices.units import normalize_unit

            meta.units = [normalize_unit(u) for u in (self.units * n if len(self.units) == 1 else self.units)]
