"""Acceptance: for every CSV fixture, `import` and `sim --replay` + `stream --json` agree on
channel names and count, and the replayed rate matches the imported rate within 1 %.

The virtual board runs in-process on a real pty (as `tinystudio sim --replay` builds it)
and `tinystudio stream --json` runs through the CLI entry point against that port; short
streams keep the whole set fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tinystudio.boards.virtual.board import SimConfig, build_board
from tinystudio.cli import main
from tinystudio.dataset.importers import parse_paths

FIXTURES = Path(__file__).parent / "fixtures_text"
CSV_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".txt"))


def test_every_format_has_a_fixture():
    assert len(CSV_FIXTURES) >= 8, CSV_FIXTURES


@pytest.mark.parametrize("name", CSV_FIXTURES)
def test_import_and_replay_agree(name, capsys):
    path = FIXTURES / name
    (parsed,) = parse_paths([path], label="x")
    board = build_board(SimConfig(sensors=("imu",), replay=str(path)))
    board.start()
    try:
        capsys.readouterr()
        assert main(["stream", "--port", board.port, "--seconds", "1.5", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
    finally:
        board.stop()
    (s,) = out["sensors"]
    assert s["channel_names"] == parsed.meta.channel_names
    assert s["channels"] == len(parsed.meta.channel_names)
    assert s["declared_rate_hz"] == pytest.approx(parsed.meta.rate_hz, rel=1e-6)
    assert s["rate_hz"] == pytest.approx(parsed.meta.rate_hz, rel=0.01), (s, parsed.meta.rate_hz)
    assert s["samples"] > 0 and s["lost_frames"] == 0
