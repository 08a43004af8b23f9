"""Replay a recording as a virtual-board sensor, in a loop, at its own rate.

A CSV (read by the same reader as `import`: IMU_Capture output, phyphox and logger
exports; a time column gives the rate, blank lines mark gestures) becomes an int16 sensor with a per-channel scale chosen so the values the host
reconstructs equal the CSV's within the quantization step: when the CSV's decimals fit
int16 (0.001 g steps for +-32 g) the scale *is* that decimal step and the values
round-trip exactly; otherwise the scale spreads the column's range over int16. A WAV
becomes the microphone at the file's rate.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from tinystudio.boards.virtual.sensors import IMU_ID, MIC_ID
from tinystudio.devices.protocol import ChannelInfo, SampleType, SensorInfo, SensorKind
from tinystudio.devices.text_table import TableError, read_table
from tinystudio.devices.units import guess_units, looks_imu
from tinystudio.errors import DeviceError

#: The LSM9DS1 default rate, which the IMU_Capture sketch runs at.
DEFAULT_CSV_RATE = 119.0


class ReplaySensor:
    """Loops over recorded raw rows; ``boundaries`` marks segment starts within a block."""

    def __init__(
        self,
        info: SensorInfo,
        raw: np.ndarray,
        segment_starts: list[int],
        decimals: list[int],
        values: np.ndarray | None = None,
    ):
        if len(raw) == 0:
            raise DeviceError(f"replay file for sensor {info.name!r} holds no samples")
        self.info = info
        self.rate = info.rate_hz
        self.raw = raw
        self.decimals = decimals
        #: The recorded physical values (CSV: as written), printed by text mode.
        self.values = values if values is not None else raw * np.array([c.scale for c in info.channels])
        self._last = np.zeros(0, dtype=np.int64)
        #: Indices into ``raw`` where a segment starts (blank line before; 0 = file start).
        self.segment_starts = sorted(set(segment_starts) | {0})
        self._starts = np.array(self.segment_starts)
        self.index = 0
        self.boundaries: list[int] = []

    def generate(self, n: int) -> np.ndarray:
        idx = (np.arange(self.index, self.index + n)) % len(self.raw)
        absolute = np.arange(self.index, self.index + n)
        is_start = np.isin(idx, self._starts) & (absolute > 0)
        self.boundaries = [int(i) for i in np.nonzero(is_start)[0]]
        self.index += n
        self._last = idx
        return self.raw[idx]

    def physical(self, raw: np.ndarray) -> np.ndarray:
        """Physical values of the block ``generate`` just returned (exact CSV values)."""
        if len(raw) == len(self._last):
            return self.values[self._last]
        return raw * np.array([c.scale for c in self.info.channels])


def load_csv(path: Path, rate_hz: float | None = None, sensor_id: int = IMU_ID) -> ReplaySensor:
    """Read with the same reader as `import` (:func:`text_table.read_table`): the same
    channels, names, units and rate; a time column is not replayed as a channel, it gives
    the rate."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeviceError(f"cannot read replay file {path}: {exc}") from exc
    try:
        table = read_table(text, str(path))
    except TableError as exc:
        raise DeviceError(f"replay file {exc}") from None
    if table.nonfinite:
        line, name, tok = table.nonfinite[0]
        raise DeviceError(f"{path}, line {line}, column {name!r}: {tok!r} is not a finite number "
                          f"({len(table.nonfinite)} such cells); a replay needs every value")
    data = table.values
    width = data.shape[1]
    names = table.names
    decimals = table.decimals
    if rate_hz is None:
        timing = table.timing
        rate_hz = timing.rate_hz if timing is not None else DEFAULT_CSV_RATE
    scales, raw_cols = [], []
    for c in range(width):
        col = data[:, c]
        peak = float(np.max(np.abs(col))) or 1.0
        step = 10.0 ** -decimals[c]
        scale = step if peak / step <= 32767 else peak / 32767
        # The host multiplies by the f32 scale it receives: quantize with that exact value.
        scale = float(np.float32(scale))
        scales.append(scale)
        raw_cols.append(np.clip(np.rint(col / scale), -32768, 32767))
    raw = np.stack(raw_cols, axis=1).astype("<i2")
    units = guess_units(names, table.units)
    imu_like = looks_imu(names, units)
    info = SensorInfo(
        sensor_id,
        SensorKind.IMU if imu_like else SensorKind.GENERIC,
        "imu" if imu_like else path.stem,
        SampleType.I16,
        float(rate_hz),
        tuple(ChannelInfo(n, u, s) for n, u, s in zip(names, units, scales, strict=True)),
    )
    return ReplaySensor(info, raw, [b0 for b0, _ in table.blocks], decimals, data)


def load_wav(path: Path, sensor_id: int = MIC_ID) -> ReplaySensor:
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            rate, width, nch, frames = w.getframerate(), w.getsampwidth(), w.getnchannels(), w.getnframes()
            data = w.readframes(frames)
    except (OSError, wave.Error, EOFError) as exc:
        raise DeviceError(f"cannot read WAV file {path}: {exc}") from exc
    if width != 2:
        raise DeviceError(f"{path}: {8 * width}-bit WAV; the virtual microphone replays 16-bit PCM only")
    raw = np.frombuffer(data, dtype="<i2").reshape(-1, nch)[:, :1].copy()
    info = SensorInfo(
        sensor_id, SensorKind.MICROPHONE, "mic", SampleType.I16, float(rate), (ChannelInfo("mic", "", 1 / 32768),)
    )
    return ReplaySensor(info, raw, [], [5])


def load_replay(path: str | Path, rate_hz: float | None = None) -> ReplaySensor:
    path = Path(path)
    if not path.exists():
        raise DeviceError(f"replay file {path} does not exist")
    if path.suffix.lower() == ".wav":
        if rate_hz:
            raise DeviceError(f"{path}: a WAV replays at its own rate; drop --rate")
        return load_wav(path)
    return load_csv(path, rate_hz)
