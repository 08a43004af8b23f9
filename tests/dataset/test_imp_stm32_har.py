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


def test_a_note_said_of_every_file_is_printed_once_with_the_count(tmp_path, examples_dir, capsys):
    """92 files each with "sample rate 26 Hz from the file name '<its name>'" made 92 lines;
    the text report says it once, naming how many files and the first; --json keeps all."""
    from tinystudio.cli import main

    assert main(["import", str(tmp_path / "p"), str(examples_dir / "stm32_har")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rate_lines = [ln for ln in lines if "from the file name" in ln]
    assert len(rate_lines) == 1, lines
    assert rate_lines[0].startswith("92 files (the first ") and "sample rate 26 Hz" in rate_lines[0]
    assert len(lines) <= 6, lines


def test_notes_of_a_few_files_are_still_printed_per_file(capsys):
    from tinystudio.commands.import_data import print_notes

    print_notes([{"file": f"/d/a{i}_26Hz.csv", "notes": [f"sample rate 26 Hz from the file name 'a{i}_26Hz.csv'"]}
                 for i in range(3)] + [{"file": "/d/b.csv", "notes": ["resampled", "resampled"]}])
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"/d/a{i}_26Hz.csv: sample rate 26 Hz from the file name 'a{i}_26Hz.csv'" for i in range(3)] + [
        "/d/b.csv: resampled"]
