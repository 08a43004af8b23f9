"""Edge Impulse audio JSON with decimal values: stored with the right scale, ambiguous refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinystudio.dataset.importers import import_paths
from tinystudio.dataset.project import Project
from tinystudio.errors import DatasetError


def _ei(path, values) -> None:
    doc = {"protected": {"ver": "v1", "alg": "none"}, "signature": "0",
           "payload": {"device_type": "TEST", "interval_ms": 0.0625,
                       "sensors": [{"name": "audio", "units": "wav"}], "values": values}}  # fmt: skip
    path.write_text(json.dumps(doc))


def _imported(tmp_path, name, values) -> np.ndarray:
    _ei(tmp_path / f"yes.{name}.json", values)
    import_paths(tmp_path / name, [tmp_path / f"yes.{name}.json"])
    (rec,) = Project.open(tmp_path / name).recordings()
    assert rec.sensor_kind == "microphone" and rec.rate_hz == 16000
    return np.asarray(rec.read(0, rec.n_samples)).reshape(-1)


def test_int16_magnitudes_written_as_decimals_are_int16(tmp_path):
    x = (9000 * np.sin(np.arange(1600) / 7)).round()
    got = _imported(tmp_path, "mag", [float(v) for v in x])  # json writes 1234.0
    assert got.dtype == np.int16 and np.array_equal(got, x.astype(np.int16))
    assert np.mean(np.abs(got) >= 32767) == 0  # nothing clipped


def test_fractions_of_full_scale_are_scaled_to_int16(tmp_path):
    x = 0.3 * np.sin(np.arange(1600) / 7)
    got = _imported(tmp_path, "frac", [float(v) for v in x])
    assert got.dtype == np.int16
    assert np.max(np.abs(got.astype(int) - np.round(x * 32767))) == 0


def test_ambiguous_decimals_are_refused_naming_the_fix(tmp_path):
    _ei(tmp_path / "yes.amb.json", [12.5, -3.25, 100.75] * 100)
    with pytest.raises(DatasetError, match="neither int16 samples nor fractions of full scale"):
        import_paths(tmp_path / "amb", [tmp_path / "yes.amb.json"])
