"""Names from outside (CSV headers, HDF5 attributes, a board's HELLO) hold no control or
invisible characters: a U+202E in a channel name would print reversed in every table and
terminal, a U+FEFF would hide inside a CSV header. Refused naming the name, the character
and the file; the project is left as it was."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from tests.dataset.helpers import cli, cli_json, tree_digest
from tinystudio.dataset.validate import check_attrs
from tinystudio.devices import protocol as p
from tinystudio.errors import DatasetError
from tinystudio.text_safety import name_problem


@pytest.fixture()
def project(tmp_path, punch_csv):
    proj = tmp_path / "proj"
    cli_json("import", proj, punch_csv, "--label", "punch")
    return proj


@pytest.mark.parametrize("char", ["\u202e", "\ufeff", "\u2066", "\x1b"])
def test_import_refuses_a_csv_channel_name_with_an_invisible_character(project, tmp_path, char):
    f = tmp_path / "names.csv"
    f.write_text(f"timestamp,acc{char}X,accY\n0,1,2\n10,1,2\n20,1,3\n", encoding="utf-8")
    before = tree_digest(project)
    proc = cli("import", project, f, "--label", "wave", check=False)
    err = proc.stderr.strip()
    assert proc.returncode == 4, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert f"U+{ord(char):04X}" in err and str(f) in err and "rename" in err, err
    assert tree_digest(project) == before


def test_a_leading_byte_order_mark_is_not_a_name(project, tmp_path):
    """A UTF-8 BOM at the start of a CSV (Excel writes one) is the encoding's, not the name's."""
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbftimestamp,accX,accY\n0,1,2\n10,1,2\n20,1,3\n")
    cli_json("import", project, f, "--label", "wave")
    with h5py.File(project / "recordings" / "bom.h5") as h:
        names = [n.decode() if isinstance(n, bytes) else n for n in h.attrs["channel_names"]]
    assert names == ["accX", "accY"]


def test_a_recording_file_with_a_bidi_override_in_a_channel_name_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as h:
        h.attrs["sensor_kind"] = "imu"
        h.attrs["channel_names"] = np.array(["ax", "a\u202ey"], dtype=h5py.string_dtype())
        h.attrs["rate_hz"] = 50.0
        with pytest.raises(DatasetError, match=r"channel_names.*U\+202E"):
            check_attrs(path, h.attrs)


def _hello(channel: str, unit: str = "g") -> bytes:
    sensor = p.SensorInfo(0, p.SensorKind.IMU, "imu", p.SampleType.F32, 50.0,
                          (p.ChannelInfo(channel, unit, 1.0),))
    return p.encode_hello(p.DeviceInfo("Board", "1.0", sensors=(sensor,)))


@pytest.mark.parametrize("channel, unit", [("a\u202ex", "g"), ("ax", "\ufeffg"), ("a\u2028x", "g")])
def test_hello_refuses_invisible_characters_in_names(channel, unit):
    with pytest.raises(p.ProtocolError, match=r"channel 0 .*U\+(202E|FEFF|2028)"):
        p.decode_hello(_hello(channel, unit))


def test_joiners_that_real_text_needs_stay_allowed():
    assert name_problem("thumbs \U0001f44d\u200d") is None
    assert name_problem("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") is None  # Persian ZWNJ
    p.decode_hello(_hello("\u0645\u06cc\u200c\u062e"))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` and which holds no pixel data."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize("size", [(65535, 65535), (9000, 9000), (2049, 4)])
def test_an_image_larger_than_a_boards_frame_is_refused_before_decoding(project, tmp_path, size):
    from PIL import Image

    folder = tmp_path / "imgs" / "cat"
    folder.mkdir(parents=True)
    if size[0] > 4096:  # a 60-byte decompression bomb: up to 12 GB of pixels declared
        (folder / "bomb.png").write_bytes(_png_header_only(*size))
    else:
        Image.new("L", size).save(folder / "wide.png")
    before = tree_digest(project)
    proc = cli("import", project, tmp_path / "imgs", check=False)
    err = proc.stderr.strip()
    assert proc.returncode == 4 and "Traceback" not in err, err
    assert "2048 x 2048" in err and "resize" in err and ("bomb.png" in err or "wide.png" in err), err
    if size != (65535, 65535):  # PIL itself refuses that one in open(), before any size is known
        assert f"{size[0]} x {size[1]} pixels" in err, err
    assert tree_digest(project) == before


def test_a_csv_wider_than_a_recording_is_refused_on_its_header(project, tmp_path):
    f = tmp_path / "wide.csv"
    n = 5000
    f.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + "\n".join(",".join("1" * n) for _ in range(3)) + "\n")
    before = tree_digest(project)
    proc = cli("import", project, f, "--label", "x", "--rate", "50", check=False)
    err = proc.stderr.strip()
    assert proc.returncode == 4 and "5000 columns" in err and "4096" in err and str(f) in err, err
    assert tree_digest(project) == before
