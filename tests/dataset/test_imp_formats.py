"""Text formats people have, imported through the shared reader (fixtures_text/README.md
says which documentation each fixture follows), and the same bytes through the live
text parser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tinystudio.cli import main
from tinystudio.dataset import Project
from tinystudio.dataset.importers import import_paths, parse_paths
from tinystudio.dataset.importers.csv_text import parse_csv
from tinystudio.devices.text_stream import TextStreamParser
from tinystudio.errors import DatasetError

FIX = Path(__file__).parent / "fixtures_text"


def _cli_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert main([*map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _time_column(path: Path, delimiter: str, decimal_comma: bool = False) -> np.ndarray:
    """The first column, read with nothing but str.split (an independent check)."""
    lines = [ln for ln in path.read_text().splitlines()[1:] if ln.strip()]
    cells = [ln.split(delimiter)[0] for ln in lines]
    return np.array([float(c.replace(",", ".") if decimal_comma else c) for c in cells])


@pytest.mark.parametrize("name, delim, dc", [("phyphox_comma.csv", ",", False),
                                             ("phyphox_semicolon_decimal_comma.csv", ";", True)])
def test_phyphox_exports_time_units_and_true_rate(name, delim, dc):
    p = parse_csv(FIX / name)
    assert p.meta.channel_names == ["Acceleration x", "Acceleration y", "Acceleration z", "Absolute acceleration"]
    assert p.meta.units == ["m/s2"] * 4 and p.meta.sensor_kind == "imu"
    t = _time_column(FIX / name, delim, dc)
    true_rate = 1.0 / float(np.mean(np.diff(t)))
    assert p.meta.rate_hz == pytest.approx(true_rate, rel=1e-4)
    assert p.meta.extra["time_column"] == "Time" and p.meta.extra["time_unit"] == "s"
    assert len(p.samples) == len(t) and abs(float(p.samples[:, 2].mean()) - 9.79) < 0.05


def test_both_phyphox_variants_give_the_same_numbers():
    a = parse_csv(FIX / "phyphox_comma.csv")
    b = parse_csv(FIX / "phyphox_semicolon_decimal_comma.csv")
    assert np.array_equal(a.samples, b.samples) and a.meta.rate_hz == b.meta.rate_hz


def test_logger_with_stalls_reports_gaps_and_info_shows_real_duration(tmp_path, capsys):
    out = _cli_json(capsys, "import", tmp_path / "p", FIX / "logger_stalls.csv", "--label", "walk")
    (entry,) = out["imported"]
    timing = entry["timing"]
    assert timing["gaps"] == 2 and timing["median_interval_s"] == pytest.approx(0.020)
    assert timing["gap_seconds"] == pytest.approx(1.9, abs=0.01)
    assert any("2 gap(s)" in w for w in out["warnings"])
    info = _cli_json(capsys, "info", tmp_path / "p")["duration"]
    assert info["samples_seconds"] == pytest.approx(200 / entry["rate_hz"], rel=1e-6)
    assert info["real_seconds"] == pytest.approx(timing["duration_s"]) and info["real_seconds"] > 5.8
    assert info["gaps"] == 2
    rec = Project.open(tmp_path / "p").recordings()[0]
    assert json.loads(rec.attrs["text_metadata"])["board"] == "SparkFun RedBoard"


def test_gaps_split_and_resample(tmp_path):
    parts = parse_paths([FIX / "logger_stalls.csv"], label="walk", gaps="split")
    assert [len(p.samples) for p in parts] == [60, 80, 60]
    assert all(p.timing.gaps == 0 and p.spans == [(0, len(p.samples), "walk")] for p in parts)
    (res,) = parse_paths([FIX / "logger_stalls.csv"], label="walk", gaps="resample")
    keep = parse_csv(FIX / "logger_stalls.csv", "walk")
    assert len(res.samples) == pytest.approx(keep.timing.duration_s * keep.meta.rate_hz, abs=2)
    assert res.timing.gaps == 0 and res.meta.extra["resampled_filled_rows"] == len(res.samples) - 200
    assert np.allclose(res.samples[0], keep.samples[0])


def test_serial_monitor_paste_skips_cut_lines_and_finds_the_millis_clock():
    p = parse_csv(FIX / "serial_monitor_paste.txt")
    assert p.notes == ["line 1: partial line (3 of 4 values), skipped",
                       "line 151: partial last line (2 of 4 values), skipped"]
    assert p.meta.channel_names == ["ch0", "ch1", "ch2"] and p.meta.rate_hz == 100.0
    assert p.meta.extra["time_column_found_by"] == "values" and len(p.samples) == 149


def test_rfc4180_quoted_crlf_with_a_comma_inside_a_label():
    p = parse_csv(FIX / "rfc4180_quoted.csv")
    assert p.meta.channel_names == ["accX", "accY", "accZ"] and p.meta.units == ["g"] * 3
    assert p.spans == [(30, 90, "wave, slow")] and p.meta.rate_hz == 100.0


def test_hash_metadata_is_kept_and_spaced_commas_are_separators():
    p = parse_csv(FIX / "hash_metadata.csv")
    assert json.loads(p.meta.extra["text_metadata"]) == {
        "device": "Arduino Nano 33 BLE Sense", "sensor": "LSM9DS1", "subject": "s03"}
    assert p.meta.channel_names == ["aX", "aY", "aZ", "gX", "gY", "gZ"]
    assert p.meta.rate_hz == pytest.approx(104.0, rel=1e-3)
    q = parse_csv(FIX / "spaced_commas.csv")
    assert q.meta.channel_names == ["accX", "accY", "accZ"] and q.meta.rate_hz == 50.0


@pytest.mark.parametrize("name", ["phyphox_comma.csv", "phyphox_semicolon_decimal_comma.csv", "hash_metadata.csv",
                                  "spaced_commas.csv", "rfc4180_quoted.csv", "serial_monitor_paste.txt",
                                  "logger_stalls.csv", "imu_capture_blocks.csv"])
def test_live_parser_gives_the_same_channels_for_the_same_bytes(name):
    data = (FIX / name).read_bytes()
    imported = parse_csv(FIX / name, rate=None if name != "imu_capture_blocks.csv" else 119.0)
    parser = TextStreamParser()
    rows = []
    for i in range(0, len(data), 97):  # reads split lines anywhere
        chunk = parser.feed(data[i:i + 97], i / 1e5)
        if len(chunk.samples):
            rows.append(chunk.samples)
    parser.feed(b"\n", 1.0)
    assert parser.channel_names == imported.meta.channel_names
    got = np.concatenate(rows)
    n = len(imported.samples)
    assert got.shape[1] == imported.samples.shape[1]
    assert np.allclose(got[-n:] if len(got) >= n else got, imported.samples[-len(got):], atol=1e-6)
    if imported.timing is not None:
        assert parser.time_column and parser.rate_hz == pytest.approx(imported.meta.rate_hz, rel=1e-3)
    if "phyphox" in name:
        assert parser.channel_units == imported.meta.units


# ------------------------------------------------------------ numbers that must not pass


def _write(tmp_path, text, name="bad.csv"):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_nan_inf_and_missing_cells_are_refused_with_positions(tmp_path):
    f = _write(tmp_path, "t,ax,ay\n0,1,2\n10,nan,2\n20,3,\n30,inf,4\n40,5,6\n50,7,8\n60,9,9\n")
    with pytest.raises(DatasetError) as err:
        import_paths(tmp_path / "p", [f], label="a")
    msg = str(err.value)
    assert "3 cell(s)" in msg and "line 3, column 'ax': 'nan'" in msg and "line 4, column 'ay': ''" in msg
    assert "line 5, column 'ax': 'inf'" in msg and "--nonfinite" in msg
    assert not (tmp_path / "p").exists()
    drop = parse_csv(f, "a", nonfinite="drop")
    assert drop.samples.tolist() == [[1, 2], [5, 6], [7, 8], [9, 9]] and "dropped 3 row(s)" in drop.notes[0]
    assert drop.spans == [(0, 4, "a")] and drop.timing.gaps == 1  # the dropped rows leave a hole in time
    interp = parse_csv(f, "a", nonfinite="interpolate")
    assert interp.samples.tolist() == [[1, 2], [2, 2], [3, 3], [4, 4], [5, 6], [7, 8], [9, 9]]
    assert "interpolated 3" in interp.notes[0]


def test_integer_and_float_overflow_are_errors_not_wraps(tmp_path):
    f = _write(tmp_path, "a,b\n1,2\n3,99999999999\n")
    with pytest.raises(DatasetError, match=r"line 3, column 'b'.*does not fit a 32-bit integer"):
        parse_csv(f, rate=10)
    g = _write(tmp_path, "a,b\n1,2.5\n3,1e39\n", "big.csv")
    with pytest.raises(DatasetError, match=r"line 3, column 'b'.*beyond float32"):
        parse_csv(g, rate=10)


@pytest.mark.parametrize("value, needle", [("null", "payload.values[1][2]: null is not a number"),
                                           ("true", "payload.values[1][2]: true is not a number"),
                                           ("100000000000000000000000000000000", "does not fit a 32-bit integer"),
                                           ("NaN", "is not a finite float32 number")])
def test_edge_impulse_json_values_are_checked(tmp_path, value, needle):
    from tinystudio.dataset.importers.others import parse_ei_json

    f = tmp_path / "up.s1.json"
    f.write_text('{"protected":{"ver":"v1","alg":"none"},"signature":"0","payload":{"interval_ms":10,'
                 '"sensors":[{"name":"accX","units":"m/s2"},{"name":"accY","units":"m/s2"},'
                 '{"name":"accZ","units":"m/s2"}],"values":[[1,2,3],[4,5,' + value + ']]}}')
    with pytest.raises(DatasetError) as err:
        parse_ei_json(f, None, None)
    assert needle in str(err.value) and str(f) in str(err.value)
