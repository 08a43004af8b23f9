"""Generate the cross-language test vectors in tests/vectors/*.json from Python.

Why: the C core (firmware_recorders/common) and the Python host must agree byte for
byte. These vectors are produced by the Python implementation (tinystudio.devices.protocol
for framing, HELLO, camera, ack/log/error; tests/firmware/fw_reference.py, written from
docs/protocol.md, for sections 6-7), committed, and checked in both directions by
tests/firmware/test_vectors.py: the C code must produce the same bytes, the C parsers must
read back the same fields, and Python must still produce the committed bytes.

Run ``python tests/vectors/make_vectors.py`` after a deliberate protocol change.
Floats are float32 values (exact in JSON); byte strings are hex.
"""

from __future__ import annotations

import json
import random
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "firmware"))
sys.path.insert(0, str(HERE.parent.parent))

import fw_reference as ref  # noqa: E402

from tinystudio.devices import protocol as p  # noqa: E402

#: The C decoder buffer: TS_ENCODED_MAX(TS_MAX_BODY) bytes of encoded frame.
C_DECODER_CAP = p.MAX_BODY + 8 + (p.MAX_BODY + 8) // 254 + 2


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def crc_vectors(rng: random.Random) -> list[dict]:
    data = [b"", b"123456789", b"\x00", b"\xff" * 4, bytes(range(256))]
    data += [rng.randbytes(rng.randint(1, 300)) for _ in range(10)]
    return [{"data": d.hex(), "crc": zlib.crc32(d)} for d in data]


def frame_vectors(rng: random.Random) -> list[dict]:
    bodies = [
        b"",
        bytes(24),  # protocol.md's SAMPLES example
        b"\x01" * 246,  # payload of exactly 254 non-zero bytes if header/CRC are non-zero
        b"\x01" * 253,
        b"\x01" * 254,
        b"\x01" * 600,
        bytes(p.MAX_BODY),
        bytes(range(1, 256)) * 4,
        b"\x00\x01" * 300,
    ]
    bodies += [rng.randbytes(rng.randint(0, p.MAX_BODY)) for _ in range(12)]
    out = []
    for i, body in enumerate(bodies):
        t, s, q = rng.choice([0x10, 0x01, 0x21, 0x30, 0x7F]), rng.choice([0, 3, 0xFF]), rng.randrange(65536)
        if i == 1:
            t, s, q = 0x10, 0, 5
        if i == 2:
            t, s, q = 0x11, 0x01, 0x0101  # header without zeros; CRC checked below
        out.append({"type": t, "stream": s, "seq": q, "body": body.hex(),
                    "wire": p.encode_frame(t, s, q, body).hex()})  # fmt: skip
    return out


def decoder_vectors(rng: random.Random) -> list[dict]:
    """Byte streams with valid, damaged and garbage frames, and what the decoder makes of them."""
    out = []
    for case in range(30):
        parts = []
        for _ in range(rng.randint(1, 8)):
            body = rng.randbytes(rng.randint(0, 300))
            wire = bytearray(p.encode_frame(rng.randrange(256), rng.randrange(256), rng.randrange(65536), body))
            r = rng.random()
            if r < 0.2 and len(wire) > 2:  # flip a byte (not the delimiter)
                wire[rng.randrange(len(wire) - 1)] ^= 1 << rng.randrange(8)
            elif r < 0.3:  # lose a byte
                del wire[rng.randrange(len(wire))]
            elif r < 0.4:  # garbage
                wire = bytearray(rng.randbytes(rng.randint(1, 40))) + b"\x00"
            elif r < 0.45:
                wire = bytearray(b"\x00\x00")  # empty frames
            elif r < 0.5:
                wire = bytearray(b"\x03\x01\x02\x00")  # too short to be a frame
            parts.append(bytes(wire))
        stream = b"".join(parts)
        if case == 0:
            stream = bytes.fromhex("05010101") + b"\x00"  # COBS code runs past the end
        if max((len(x) for x in stream.split(b"\x00")), default=0) > C_DECODER_CAP:
            continue
        dec = p.FrameDecoder(max_encoded=C_DECODER_CAP)
        frames = dec.feed(stream)
        out.append({
            "stream": stream.hex(),
            "frames": [[f.type, f.stream, f.seq, f.body.hex()] for f in frames],
            "crc_errors": dec.crc_errors,
            "framing_errors": dec.framing_errors,
        })  # fmt: skip
    return out


def _imu(sid: int, rate: float) -> p.SensorInfo:
    a, g = f32(4.0 / 32768), f32(2000.0 / 32768)
    chans = tuple(p.ChannelInfo(n, "g", a) for n in ("aX", "aY", "aZ"))
    chans += tuple(p.ChannelInfo(n, "deg/s", g) for n in ("gX", "gY", "gZ"))
    return p.SensorInfo(sid, p.SensorKind.IMU, "imu", p.SampleType.I16, f32(rate), chans)


def hello_vectors() -> list[dict]:
    infos = [
        p.DeviceInfo("Empty", "fw", ""),
        p.DeviceInfo(
            "Arduino Nano 33 BLE Sense Rev2", "tinystudio-recorder 0.1.0", "nano33ble_rev2",
            model_slot_bytes=65536, arena_bytes=40960,
            sensors=(
                _imu(0, 104.0),
                p.SensorInfo(1, p.SensorKind.MICROPHONE, "mic", p.SampleType.I16, 16000.0,
                             (p.ChannelInfo("mic", "", f32(1 / 32768)),)),
            ),
        ),
        p.DeviceInfo(
            "XIAO ESP32S3 Sense", "tinystudio-recorder 0.1.0", "xiao_esp32s3_sense",
            model_slot_bytes=262144, arena_bytes=153600, max_body=4096,
            sensors=(
                p.SensorInfo(3, p.SensorKind.CAMERA, "camera", p.SampleType.U8, 5.0,
                             (p.ChannelInfo("gray", "", 1.0),), 96, 96, p.PixelFormat.GRAY8),
                p.SensorInfo(7, p.SensorKind.GENERIC, "ünïcode µ", p.SampleType.F32, f32(0.1),
                             (p.ChannelInfo("t", "°C", f32(0.01)), p.ChannelInfo("", "", -1.5))),
            ),
        ),
    ]  # fmt: skip
    out = []
    for info in infos:
        sensors = [
            {
                "sensor_id": s.sensor_id, "kind": int(s.kind), "sample_type": int(s.sample_type),
                "rate_hz": s.rate_hz, "name": s.name,
                "channels": [[c.name, c.unit, c.scale] for c in s.channels],
                "width": s.width, "height": s.height, "pixel_format": int(s.pixel_format),
            }
            for s in info.sensors
        ]  # fmt: skip
        out.append({
            "board_name": info.board_name, "firmware_version": info.firmware_version,
            "board_id": info.board_id, "model_slot_bytes": info.model_slot_bytes,
            "arena_bytes": info.arena_bytes, "max_body": info.max_body, "sensors": sensors,
            "body": p.encode_hello(info).hex(),
        })  # fmt: skip
    return out


def message_vectors(rng: random.Random) -> list[dict]:
    """Board -> host bodies (C encodes) and host -> board bodies (C parses)."""
    out: list[dict] = []

    def add(kind: str, body: bytes, **fields) -> None:
        out.append({"kind": kind, **fields, "body": body.hex()})

    for img, w, h, fmt, off, n in [(0, 96, 96, 0, 0, 1012), (65535, 160, 120, 1, 37950, 450), (7, 2, 2, 2, 0, 12)]:
        data = rng.randbytes(n)
        add("camera", p.encode_camera_chunk(p.CameraChunk(img, w, h, p.PixelFormat(fmt), off, data)),
            image_id=img, width=w, height=h, pixel_format=fmt, offset=off, data=data.hex())  # fmt: skip
    for req, st in [(0x05, 0), (0x06, 1), (0x7F, 2), (0x05, 9)]:
        add("ack", p.encode_ack(p.MsgType(req), p.Status(st)), request=req, status=st)
    for level, text in [(0, ""), (1, "IMU: LSM9DS1 (Rev1)"), (3, "Ärger ✓"), (2, "x" * 2000)]:
        add("log", p.encode_log(p.LogLevel(level), text), level=level, text=text)
    for code, text in [(0, ""), (513, "microphone failed to start"), (65535, "y" * 1500)]:
        add("error", p.encode_error(code, text), code=code, text=text)
    for nx, st, slot in [(0, 0, 65536), (4096, 5, 65536), (123456789, 4, 0xFFFFFFFF)]:
        add("model_ack", ref.model_ack(nx, st, slot), next_offset=nx, status=st, slot_bytes=slot)
    descs = [
        ref.Descriptor(0, 0, 6, 119, 20, f32(0.0392), -128, f32(1 / 256), -128, ("punch", "flex"),
                       tuple(f32(x) for x in (0.25, 0.25, 0.25, 0.01, 0.01, 0.01)),
                       tuple(f32(x) for x in (0.0, -1.5, 3.25, 0.0, 0.5, -0.5))),
        ref.Descriptor(1, 1, 40, 49, 1, f32(0.1), 0, f32(1 / 256), -128,
                       ("silence", "unknown", "yes", "no")),
        ref.Descriptor(3, 2, 1, 1, 1, f32(1.0), -128, f32(1 / 256), -128, ("person", "not_person")),
        ref.Descriptor(9, 0, 1, 3, 5, f32(0.5), 3, f32(0.25), 7, (), (f32(2.0),), (f32(-0.75),)),
    ]  # fmt: skip
    for d in descs:
        body = ref.descriptor(d)
        add("descriptor", body, fields={k: list(v) if isinstance(v, tuple) else v
                                        for k, v in d.__dict__.items()})  # fmt: skip
        add("model_status", ref.model_status(0, 51234, 0xDEADBEEF, 23000, body),
            status=0, model_bytes=51234, model_crc32=0xDEADBEEF, arena_used=23000,
            descriptor=body.hex())  # fmt: skip
        add("model_begin", ref.model_begin(51234, 0xCAFEF00D, 1020, body),
            total_bytes=51234, model_crc32=0xCAFEF00D, chunk_bytes=1020, descriptor=body.hex())
    add("model_status", ref.model_status(7, 0, 0, 0, b""), status=7, model_bytes=0,
        model_crc32=0, arena_used=0, descriptor="")  # fmt: skip
    for off, n in [(0, 1020), (1020, 1), (4294967295 - 3, 0)]:
        data = rng.randbytes(n)
        add("model_chunk", ref.model_chunk(off, data), offset=off, data=data.hex())
    for off, total, n in [(0, 714, 714), (1016, 9216, 1016), (0, 0, 0)]:
        data = rng.randbytes(n)
        add("run_input", ref.run_input(off, total, data), offset=off, total=total, data=data.hex())
    for wi, lat, scores, sc, zp in [
        (0, 1234, bytes([0x80, 0x7F]), f32(1 / 256), -128),
        (4294967295, 0, bytes([5, 5, 9, 9, 0xFF]), f32(0.125), 3),  # ties: first max
        (17, 99, b"", f32(1.0), 0),
        (1, 2, bytes([0xF0, 0xF1, 0xF0]), f32(0.5), 127),
    ]:
        add("inference", ref.inference(wi, lat, scores, sc, zp), window_index=wi,
            latency_us=lat, scores=scores.hex(), output_scale=sc, output_zero_point=zp)  # fmt: skip
    for st, lat, n in [(0, 812, 4), (7, 0, 0), (0, 65000, 1019)]:
        data = rng.randbytes(n)
        add("run_output", ref.run_output(st, lat, data), status=st, latency_us=lat, output=data.hex())
    return out


def window_vectors(rng: random.Random) -> list[dict]:
    out = []
    cases = [
        ref.Descriptor(0, 0, 3, 4, 2, 1.0, 0, 1.0, 0, ("a",),
                       (f32(0.01), f32(-0.02), f32(1.0)), (f32(0.5), f32(-3.0), f32(0.0))),
        ref.Descriptor(0, 0, 2, 3, 5, 1.0, 0, 1.0, 0, ("a",), (f32(1 / 64), f32(0.5)),
                       (f32(0.0), f32(-0.5))),
        ref.Descriptor(0, 0, 1, 5, 1, 1.0, 0, 1.0, 0, ("a",), (f32(0.001),), (f32(0.0),)),
    ]  # fmt: skip
    for d in cases:
        samples = [[rng.randint(-32768, 32767) for _ in range(d.n_channels)] for _ in range(23)]
        samples[3] = [100] * d.n_channels  # exact .5 cases for 0.01 / 1/64 scales
        out.append({
            "descriptor": ref.descriptor(d).hex(),
            "samples": struct.pack(f"<{23 * d.n_channels}h", *sum(samples, [])).hex(),
            "steps": 23,
            "windows": [w.hex() for w in ref.windows(d, samples)],
        })  # fmt: skip
    return out


def build() -> dict[str, list]:
    rng = random.Random(20261127)
    return {
        "crc": crc_vectors(rng),
        "frames": frame_vectors(rng),
        "decoder": decoder_vectors(rng),
        "hello": hello_vectors(),
        "messages": message_vectors(rng),
        "windows": window_vectors(rng),
    }


def dumps(vectors: list) -> str:
    return json.dumps(vectors, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    for name, vectors in build().items():
        (HERE / f"{name}.json").write_text(dumps(vectors), encoding="utf-8")
        print(f"tests/vectors/{name}.json: {len(vectors)} vectors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
