"""The numpy path of the text reader gives exactly the tokenizing path's table (issue 25):
on the example and fixture files, on edge cases, across block boundaries, bit for bit;
and everything it does not take (comments, quotes in rows, NaN, ragged rows...) falls
back, so errors keep their words."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tinystudio.devices import text_fast
from tinystudio.devices import text_table as tt

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").rglob("*.csv"))
FIXTURES = sorted(p for p in (ROOT / "tests" / "dataset" / "fixtures_text").iterdir()
                  if p.suffix in (".csv", ".txt"))


def _read_both(text: str):
    """(fast path taken, fast-or-fallback result, tokenizing result); results are a Table
    or the TableError message."""
    taken = text_fast.read_plain(text, "f.csv") is not None
    out = []
    for fn in (tt.read_table, tt.read_table_tokens):
        try:
            out.append(fn(text, "f.csv"))
        except tt.TableError as exc:
            out.append(str(exc))
    return taken, out[0], out[1]


def _assert_same(a, b) -> None:
    assert type(a) is type(b), (a, b)
    if isinstance(a, str):
        assert a == b
        return
    for f in dataclasses.fields(tt.Table):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert x is not None and y is not None and x.dtype == y.dtype and x.shape == y.shape, f.name
            assert np.array_equal(np.ascontiguousarray(x).view(np.uint8),
                                  np.ascontiguousarray(y).view(np.uint8)), f.name  # bit for bit
        else:
            assert x == y, f.name


def _check(text: str, fast: bool | None) -> None:
    taken, a, b = _read_both(text)
    _assert_same(a, b)
    if fast is not None:
        assert taken is fast


@pytest.mark.parametrize("path", EXAMPLES + FIXTURES, ids=lambda p: p.name)
def test_real_files_same_table(path):
    text = path.read_bytes().decode("utf-8-sig")
    _check(text, None)  # which files take the fast path: the next test


def test_real_files_take_the_fast_path():
    taken = {p.name for p in EXAMPLES + FIXTURES
             if text_fast.read_plain(p.read_bytes().decode("utf-8-sig"), p.name) is not None}
    assert {"punch.csv", "flex.csv", "imu_capture_blocks.csv", "phyphox_comma.csv", "spaced_commas.csv"} <= taken
    assert "phyphox_semicolon_decimal_comma.csv" not in taken and "rfc4180_quoted.csv" not in taken


def _rows(n: int, rng, fmt="{:.4f}", cols=3) -> list[str]:
    return [",".join(fmt.format(v) for v in rng.normal(size=cols) * 10) for _ in range(n)]


@pytest.mark.parametrize("block_bytes", [64, 1 << 20])
def test_edge_cases_same_table(monkeypatch, block_bytes):
    monkeypatch.setattr(text_fast, "BLOCK_BYTES", block_bytes)  # 64: many block boundaries
    rng = np.random.default_rng(3)
    r = _rows(300, rng)
    blocks = "aX,aY,aZ\n" + "\n".join(r[:100]) + "\n\n\n" + "\n".join(r[100:200]) + "\n  \n" + "\n".join(r[200:]) + "\n\n"
    cases = {
        "blank-line blocks": (blocks, True),
        "comment in the body": ("a,b,c\n" + "\n".join(r[:50]) + "\n# gesture 2\n" + "\n".join(r[50:]), False),
        "time column ms": ("millis,x,y\n" + "\n".join(f"{1000 + 10 * i},{i % 7},{-i}" for i in range(400)), True),
        "clock without header": ("\n".join(f"{120350 + 10 * i},0.{i % 9}1,{i}" for i in range(400)), True),
        "quoted header": ('"Time (s)","x (g)","y (g)"\n' + "\n".join(f"{i / 100:.2f},{i % 5}.5,1e-{i % 9}"
                                                                       for i in range(300)), True),
        "CRLF": ("t_ms,a,b\r\n" + "\r\n".join(f"{i * 5},{i},{i * 2}" for i in range(300)) + "\r\n", True),
        "no trailing newline": ("x,y,z\n" + "\n".join(r), True),
        "tab delimited": ("x\ty\tz\n" + "\n".join(x.replace(",", "\t") for x in r), True),
        "space delimited": ("x y z\n" + "\n".join(x.replace(",", "  ") for x in r), True),
        "spaced commas": ("x , y , z\n" + "\n".join(x.replace(",", " , ") for x in r), True),
        "partial last line": ("x,y,z\n" + "\n".join(r) + "\n1.5,2", False),
        "partial first line": ("\n".join(["2,3"] + r), None),
        "ragged row": ("x,y,z\n" + "\n".join(r[:150] + ["1,2,3,4"] + r[150:]), False),
        "empty cell": ("x,y,z\n" + "\n".join(r[:150] + ["1,,3"] + r[150:]), False),
        "NaN cell": ("x,y,z\n" + "\n".join(r[:150] + ["1,nan,3"] + r[150:]), False),
        "overflow": ("x,y,z\n" + "\n".join(r[:150] + ["1,1e999,3"] + r[150:]), False),
        "two dots": ("x,y,z\n" + "\n".join(r[:150] + ["1,1.2.3,3"] + r[150:]), False),
        "dangling exponent": ("x,y,z\n" + "\n".join(r[:150] + ["1,2e,3"] + r[150:]), False),
        "numbers side by side": ("x,y,z\n" + "\n".join(r[:150] + ["1,2 5,3"] + r[150:]), False),
        "header again": ("x,y,z\n" + "\n".join(r[:150] + ["x,y,z"] + r[150:]), False),
        "label column": ("x,y,label\n" + "\n".join(f"{i},{i},{'ab'[i % 2]}" for i in range(200)), False),
        "decimal comma": ("x;y\n" + "\n".join(f"{i},5;{i}" for i in range(200)), False),
        "integers and floats": ("n,v\n" + "\n".join(f"{i},{i if i != 150 else '7.'}" for i in range(300)), True),
        "signs and exponents": ("a,b\n" + "\n".join(f"+{i},-.{i}E+2" for i in range(1, 300)), True),
        "only a header": ("x,y,z\n", None),
        "empty": ("", None),
        "long preamble of comments": ("\n".join(f"# line {i}" for i in range(500)) + "\nx,y\n1,2\n3,4\n", None),
    }
    for name, (text, fast) in cases.items():
        try:
            _check(text, fast)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_floats_bit_for_bit():
    """Every way a float is written converts to the same double as ``float()``."""
    rng = np.random.default_rng(7)
    v = np.concatenate([rng.normal(size=2000) * 10.0 ** rng.integers(-300, 300, size=2000),
                        [5e-324, 2.2250738585072011e-308, 1.7976931348623157e308, 0.1, -0.0]])
    toks = [repr(float(x)) for x in v] + [f"{x:.3e}" for x in v[:500]] + ["9007199254740993", "00012", "5.", ".5"]
    toks += ["0.1000000000000000055511151231257827"] * 2
    toks = toks[: len(toks) // 2 * 2]
    text = "a,b\n" + "\n".join(f"{x},{y}" for x, y in zip(toks[::2], toks[1::2], strict=True)) + "\n"
    _check(text, True)
    table = tt.read_table(text)
    want = np.array([float(t) for t in toks]).reshape(-1, 2)
    assert np.array_equal(table.values.view(np.uint64), want.view(np.uint64))
