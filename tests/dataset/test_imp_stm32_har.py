"""The STMicroelectronics activity set in resources/examples/stm32_har imports as shipped:
headerless ``x, y, z`` CSVs in one folder per class, with the rate only in the file names
(``running_01_26Hz_4g_mg.csv``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dataset.helpers import cli, cli_json
from tinystudio.dataset.importers.csv_text import parse_csv, rate_from_name
from tinystudio.errors import DatasetError


def test_shipped_activity_set_imports_with_classes_counts_and_rate(tmp_path, examples_dir):
    data = examples_dir / "stm32_har"
    out = cli_json("import", tmp_path / "p", data)
    assert {k: v["unassigned"] for k, v in out["classes"].items()} == {
        "running": 17, "stationary": 36, "walking": 39}
    assert out["recordings"] == 92 and out["segments"] == 92 and out["samples"] == 92_000
    assert {e["rate_hz"] for e in out["imported"]} == {26.0}
    assert {len(e["channels"]) for e in out["imported"]} == {3}
    assert all(any("26 Hz from the file name" in n for n in e["notes"]) for e in out["imported"])
    assert sorted(Path(s["path"]).name for s in out["skipped"]) == ["LICENSE", "README.md"]
    assert out["warnings"] == []


@pytest.mark.parametrize("name, rate", [
    ("running_01_26Hz_4g_mg.csv", 26.0), ("log-100hz.csv", 100.0), ("acc 1.6kHz.txt", 1600.0),
    ("26Hz_walk.csv", 26.0), ("walk_26Hz.csv", 26.0),
    ("a_26Hz_52Hz.csv", None), ("hz26.csv", None), ("walk26Hz.csv", None), ("x_0Hz.csv", None),
    ("data.csv", None)])
def test_rate_from_file_name(name, rate):
    assert rate_from_name(Path(name)) == rate


def test_rate_option_overrides_the_name_and_no_rate_anywhere_is_refused(tmp_path):
    rows = "".join(f"{i % 7}, {i % 5}, {i % 3}\n" for i in range(50))
    named = tmp_path / "walk_26Hz.csv"
    named.write_text(rows)
    assert parse_csv(named, label="walk").meta.rate_hz == 26.0
    assert parse_csv(named, label="walk", rate=52.0).meta.rate_hz == 52.0
    plain = tmp_path / "walk.csv"
    plain.write_text(rows)
    with pytest.raises(DatasetError, match=r"walk\.csv: .*pass --rate HZ"):
        parse_csv(plain, label="walk")
    proc = cli("import", tmp_path / "p", plain, "--label", "walk", check=False)
    assert proc.returncode != 0 and "pass --rate HZ" in proc.stderr and "Traceback" not in proc.stderr
