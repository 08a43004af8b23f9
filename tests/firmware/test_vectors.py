"""Cross-language vectors: the C core and the Python protocol agree byte for byte.

Directions checked for every vector in tests/vectors/*.json:
- Python -> bytes: regenerating the vectors from Python gives exactly the committed files;
- C -> bytes: the C encoders produce the committed bytes from the same fields;
- bytes -> C: the C decoder/parsers read the committed bytes back into the same fields;
- bytes -> Python: the host decoders read what C produced.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest
from c_core import Driver, bits, hx, unhex

from tinystudio.devices import protocol as p

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
sys.path.insert(0, str(VECTORS))
import make_vectors  # noqa: E402


def load(name: str) -> list[dict]:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def test_committed_vectors_are_what_python_produces_now() -> None:
    for name, vectors in make_vectors.build().items():
        committed = (VECTORS / f"{name}.json").read_text(encoding="utf-8")
        assert make_vectors.dumps(vectors) == committed, (
            f"tests/vectors/{name}.json differs from what the Python implementation produces; "
            "if the protocol changed on purpose, run python tests/vectors/make_vectors.py"
        )


def test_vectors_are_not_trivial() -> None:
    counts = {name: len(load(name)) for name in ("crc", "frames", "decoder", "hello", "messages", "windows")}
    assert min(counts.values()) >= 3, counts
    kinds = {v["kind"] for v in load("messages")}
    assert kinds >= {"camera", "ack", "log", "error", "model_ack", "model_status", "inference",
                     "run_output", "descriptor", "model_begin", "model_chunk", "run_input"}  # fmt: skip


def test_crc32(driver: Driver) -> None:
    for v in load("crc"):
        assert int(driver.cmd("crc", hx(unhex(v["data"]))), 16) == v["crc"], v
    assert driver.cmd("crc", b"123456789".hex()) == "cbf43926"


def test_frame_encoding_matches_python(driver: Driver) -> None:
    for v in load("frames"):
        wire = driver.cmd("enc", v["type"], v["stream"], v["seq"], v["body"] or "-")
        assert wire == v["wire"], f"frame {v['type']:#x} with a {len(v['body']) // 2}-byte body"
        assert p.FrameDecoder().feed(unhex(wire)) == [
            p.Frame(v["type"], v["stream"], v["seq"], unhex(v["body"]))
        ]
    sample = load("frames")[1]
    assert len(unhex(sample["wire"])) == 34  # protocol.md's SAMPLES example


def test_frame_decoding_matches_python(driver: Driver) -> None:
    for v in load("frames"):
        out = driver.cmd("dec", v["wire"])
        assert out == f"F {v['type']} {v['stream']} {v['seq']} {v['body'] or '-'};E 1 0 0"


def test_damaged_streams_decode_like_python(driver: Driver) -> None:
    saw_crc = saw_framing = 0
    for v in load("decoder"):
        out = driver.cmd("dec", v["stream"])
        *frames, tail = out.split(";")
        got = [f.split(" ") for f in frames]
        expect = [["F", str(t), str(s), str(q), b or "-"] for t, s, q, b in v["frames"]]
        assert got == expect
        assert tail == f"E {len(v['frames'])} {v['crc_errors']} {v['framing_errors']}"
        saw_crc += v["crc_errors"]
        saw_framing += v["framing_errors"]
    assert saw_crc and saw_framing  # the vectors exercise both kinds of damage


def test_decoder_resynchronizes_after_an_overlong_frame(driver: Driver) -> None:
    good = p.encode_frame(0x10, 2, 7, b"abc")
    out = driver.cmd("dec", (b"\x01" * 5000 + b"\x00" + good).hex())
    assert out == f"F 16 2 7 {b'abc'.hex()};E 1 0 1"


def test_hello_matches_python(driver: Driver) -> None:
    for v in load("hello"):
        tokens: list[object] = [hx(v["board_name"]), hx(v["firmware_version"]), hx(v["board_id"]),
                                v["model_slot_bytes"], v["arena_bytes"], v["max_body"], len(v["sensors"])]  # fmt: skip
        for s in v["sensors"]:
            tokens += [s["sensor_id"], s["kind"], s["sample_type"], len(s["channels"]),
                       bits(s["rate_hz"]), hx(s["name"])]  # fmt: skip
            for name, unit, scale in s["channels"]:
                tokens += [hx(name), hx(unit), bits(scale)]
            if s["kind"] == p.SensorKind.CAMERA:
                tokens += [s["width"], s["height"], s["pixel_format"]]
        body = driver.cmd("hello", *tokens)
        assert body == v["body"], v["board_name"]
        info = p.decode_hello(unhex(body))
        assert info.board_name == v["board_name"] and len(info.sensors) == len(v["sensors"])


def _c_encode(driver: Driver, v: dict) -> str | None:
    k = v["kind"]
    if k == "camera":
        return driver.cmd("cam", v["image_id"], v["width"], v["height"], v["pixel_format"], v["offset"], v["data"] or "-")
    if k == "ack":
        return driver.cmd("ack", v["request"], v["status"])
    if k == "log":
        return driver.cmd("log", v["level"], hx(v["text"]))
    if k == "error":
        return driver.cmd("err", v["code"], hx(v["text"]))
    if k == "model_ack":
        return driver.cmd("mack", v["next_offset"], v["status"], v["slot_bytes"])
    if k == "model_status":
        return driver.cmd("mstatus", v["status"], v["model_bytes"], v["model_crc32"], v["arena_used"], v["descriptor"] or "-")
    if k == "inference":
        return driver.cmd("inf", v["window_index"], v["latency_us"], bits(v["output_scale"]), v["output_zero_point"], v["scores"] or "-")
    if k == "run_output":
        return driver.cmd("rout", v["status"], v["latency_us"], v["output"] or "-")
    return None


def test_board_messages_c_encodes_python_bytes(driver: Driver) -> None:
    n = 0
    for v in load("messages"):
        got = _c_encode(driver, v)
        if got is None:
            continue
        n += 1
        assert got == (v["body"] or "-"), f"{v['kind']}: C and Python bytes differ"
    assert n >= 20


def test_board_messages_python_decodes_c_bytes(driver: Driver) -> None:
    for v in load("messages"):
        got = _c_encode(driver, v)
        if got is None:
            continue
        body = unhex(got)
        if v["kind"] == "camera":
            c = p.decode_camera_chunk(body)
            assert (c.image_id, c.width, c.offset, c.data.hex()) == (v["image_id"], v["width"], v["offset"], v["data"])
        elif v["kind"] == "ack":
            assert p.decode_ack(body) == (v["request"], v["status"])
        elif v["kind"] == "log":
            level, text = p.decode_log(body)
            assert level == v["level"] and v["text"].startswith(text)
        elif v["kind"] == "error":
            code, text = p.decode_error(body)
            assert code == v["code"] and v["text"].startswith(text)
        elif v["kind"] == "inference":
            wi, lat, top, n = struct.unpack_from("<IIBB", body)
            scores = struct.unpack_from(f"<{n}b", body, 10)
            assert (wi, lat, n) == (v["window_index"], v["latency_us"], len(v["scores"]) // 2)
            if n:
                assert scores[top] == max(scores) and top == scores.index(max(scores))


def test_host_messages_c_parses_python_bytes(driver: Driver) -> None:
    seen = set()
    for v in load("messages"):
        k, body = v["kind"], v["body"] or "-"
        if k == "model_begin":
            assert driver.cmd("begin", body) == f"ok {v['total_bytes']} {v['model_crc32']} {v['chunk_bytes']} {v['descriptor']}"
        elif k == "model_chunk":
            assert driver.cmd("chunk", body) == f"ok {v['offset']} {v['data'] or '-'}"
        elif k == "run_input":
            assert driver.cmd("runin", body) == f"ok {v['offset']} {v['total']} {v['data'] or '-'}"
        elif k == "descriptor":
            f = v["fields"]
            expect = ["ok", f["version"], f["sensor_id"], f["frontend"], f["n_channels"], f["window"], f["stride"],
                      bits(f["input_scale"])[2:], f["input_zero_point"], bits(f["output_scale"])[2:],
                      f["output_zero_point"]]  # fmt: skip
            for m, a in zip(f["mul"], f["add"], strict=True):
                expect += [bits(m)[2:], bits(a)[2:]]
            expect += [len(f["labels"])] + [hx(s) for s in f["labels"]]
            assert driver.cmd("desc", body) == " ".join(str(x) for x in expect)
        else:
            continue
        seen.add(k)
    assert seen == {"model_begin", "model_chunk", "run_input", "descriptor"}


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_or_padded_host_messages_are_rejected(driver: Driver, cut: int) -> None:
    for v in load("messages"):
        if v["kind"] not in ("descriptor", "model_begin"):
            continue
        body = unhex(v["body"])
        cmd = "desc" if v["kind"] == "descriptor" else "begin"
        assert driver.cmd(cmd, hx(body[:-cut])) == "bad"
        assert driver.cmd(cmd, hx(body + b"\x00" * cut)) == "bad"
    assert driver.cmd("chunk", "010203") == "bad"
    assert driver.cmd("runin", "01020304050607") == "bad"


def test_raw_windows_match_the_python_reference(driver: Driver) -> None:
    for v in load("windows"):
        out = driver.cmd("window", v["descriptor"], v["steps"], v["samples"], 0)
        assert out.split(";")[:-1] == v["windows"]
        assert len(v["windows"]) >= 3


def test_reference_encoders_agree_with_the_host_implementation() -> None:
    """The host's own section 6-7 codec (tinystudio.devices.model_messages) gives the same bytes."""
    from tinystudio.devices import model_messages as mm

    for v in load("messages"):
        body = unhex(v["body"])
        if v["kind"] == "descriptor":
            d = mm.decode_descriptor(body)
            assert mm.encode_descriptor(d) == body
            assert list(d.labels) == v["fields"]["labels"]
        elif v["kind"] == "model_begin":
            assert mm.encode_model_begin(mm.decode_model_begin(body)) == body
        elif v["kind"] == "model_ack":
            a = mm.decode_model_ack(body)
            assert (a.next_offset, a.status, a.slot_bytes) == (v["next_offset"], v["status"], v["slot_bytes"])
        elif v["kind"] == "model_status":
            s = mm.decode_model_status(body)
            assert (s.status, s.model_bytes, s.model_crc32) == (v["status"], v["model_bytes"], v["model_crc32"])
        elif v["kind"] == "inference":
            i = mm.decode_inference(body)
            assert mm.encode_inference(i) == body and i.window_index == v["window_index"]
        elif v["kind"] == "run_input":
            assert mm.encode_run_input(mm.decode_run_input(body)) == body


def test_c_windows_match_the_hosts_board_parity_quantizer(driver: Driver) -> None:
    """tinystudio.ml.package.quantize_raw_window is what the host uses for board parity."""
    import numpy as np

    from tinystudio.ml.package import ModelDescriptor, quantize_raw_window

    rng = np.random.default_rng(7)
    window, stride, nch = 16, 8, 6
    gain = rng.uniform(-0.02, 0.02, nch).astype(np.float32)
    bias = rng.uniform(-3, 3, nch).astype(np.float32)
    gain[0], bias[0] = np.float32(0.5), np.float32(0.0)  # raw odd values land on exact .5
    desc = ModelDescriptor(labels=["a"], sensor_kind="imu", frontend="raw", rate_hz=100.0,
                           channels=[f"c{i}" for i in range(nch)], window=window, stride=stride,
                           input_shape=[window, nch], input_scale=1.0, input_zero_point=0,
                           output_scale=1 / 256, output_zero_point=-128,
                           input_gain=[float(g) for g in gain], input_bias=[float(b) for b in bias])  # fmt: skip
    raw = rng.integers(-32768, 32768, size=(200, nch), dtype=np.int16)
    raw[:, 0] = rng.integers(-301, 301, size=200) | 1
    wire_desc = make_vectors.ref.descriptor(make_vectors.ref.Descriptor(
        0, 0, nch, window, stride, 1.0, 0, 1 / 256, -128, ("a",), tuple(gain.tolist()), tuple(bias.tolist())))  # fmt: skip
    out = driver.cmd("window", wire_desc.hex(), len(raw), raw.astype("<i2").tobytes().hex(), 0)
    got = [bytes.fromhex(w) for w in out.split(";")[:-1]]
    expect = [quantize_raw_window(raw[s : s + window], desc).tobytes()
              for s in range(0, len(raw) - window + 1, stride)]  # fmt: skip
    assert len(got) == len(expect) == 24
    assert got == expect
    # the stream restarts at sample 101 (STOP/START): windows are cut again from there
    out = driver.cmd("window", wire_desc.hex(), len(raw), raw.astype("<i2").tobytes().hex(), 101)
    got = [bytes.fromhex(w) for w in out.split(";")[:-1]]
    starts = [s for s in range(0, 101 - window + 1, stride)] + [s for s in range(101, len(raw) - window + 1, stride)]
    assert got == [quantize_raw_window(raw[s : s + window], desc).tobytes() for s in starts]
