"""Firmware core: host throughput of the C frame codec vs the Python host codec, and the
Cortex-M4 code size.

Why: the C core is what every board runs; its decoder must never be the bottleneck of a
model upload, and its flash footprint must stay within the 6 KB budget. Both figures are
measured in the same run as their baselines (Python's FrameDecoder/encode_frame on the
same frames; the budget). Last line: one JSON object.

    python benchmarks/bench_firmware_core.py [--frames N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tinystudio.devices import protocol as p  # noqa: E402

CORE = REPO / "firmware_recorders" / "common"
BUDGET = 6 * 1024


def python_codec(frames: int, body_len: int) -> tuple[float, float]:
    body = bytes((i * 37) & 0xFF for i in range(body_len))
    t0 = time.perf_counter()
    stream = b"".join(p.encode_frame(p.MsgType.SAMPLES, 0, i & 0xFFFF, body) for i in range(frames))
    t_enc = time.perf_counter() - t0
    dec = p.FrameDecoder()
    got = 0
    t0 = time.perf_counter()
    for off in range(0, len(stream), 4096):
        got += len(dec.feed(stream[off : off + 4096]))
    t_dec = time.perf_counter() - t0
    assert got == frames
    return frames / t_enc, frames / t_dec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=500_000)
    args = ap.parse_args()
    results: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["make", "-s", "-C", str(CORE), f"BUILD={tmp}", "bench"], check=True)
        for body_len, tag in ((24, "imu"), (1020, "chunk")):
            c = json.loads(subprocess.run([f"{tmp}/bench", str(args.frames if body_len < 100 else args.frames // 20), str(body_len)],
                                          check=True, capture_output=True, text=True).stdout)  # fmt: skip
            py_enc, py_dec = python_codec(args.frames if body_len < 100 else args.frames // 20, body_len)
            results |= {
                f"c_decode_{tag}_frames_per_s": c["decode_frames_per_s"],
                f"c_decode_{tag}_mb_per_s": c["decode_mb_per_s"],
                f"py_decode_{tag}_frames_per_s": round(py_dec),
                f"c_vs_py_decode_{tag}": round(c["decode_frames_per_s"] / py_dec, 2),
                f"c_encode_{tag}_frames_per_s": c["encode_frames_per_s"],
                f"py_encode_{tag}_frames_per_s": round(py_enc),
                f"c_vs_py_encode_{tag}": round(c["encode_frames_per_s"] / py_enc, 2),
            }
            print(f"{body_len:5d}-byte bodies: C decode {c['decode_frames_per_s']:,.0f} frames/s "
                  f"({c['decode_mb_per_s']} MB/s, byte at a time) vs Python FrameDecoder {py_dec:,.0f} "
                  f"(x{results[f'c_vs_py_decode_{tag}']}); C encode {c['encode_frames_per_s']:,.0f} vs "
                  f"Python {py_enc:,.0f} (x{results[f'c_vs_py_encode_{tag}']})")  # fmt: skip
        out = subprocess.run(["make", "-s", "-C", str(CORE), f"BUILD={tmp}", "arm-size"], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        text, data, bss = (int(x) for x in next(line for line in out.splitlines() if "(TOTALS)" in line).split()[:3])
        results |= {"m4_text": text, "m4_data": data, "m4_bss": bss, "m4_budget": BUDGET,
                    "m4_budget_used": round((text + data) / BUDGET, 3)}  # fmt: skip
        print(f"Cortex-M4 -Os: text {text} + data {data} = {text + data} bytes, "
              f"{100 * (text + data) / BUDGET:.0f} % of the {BUDGET}-byte budget; bss {bss}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
