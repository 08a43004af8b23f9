"""Model upload throughput and link efficiency through `tinystudio sim` (its own process).

Cases: a 20 KB and a 250 KB real int8 model, the link throttled to 115200 and to 921600
baud (both directions). Link efficiency = model bytes per second over the link's raw
bytes per second (baud / 10, 8N1), BEGIN and COMMIT round trips included. Baseline in the
same run: the same uploader with a window of one ACK interval (4 chunks: send, wait for the
ACK, send; the link idles for every ACK's round trip), on the same board and link. Then a
stress run: uploads with chunk corruption injected by the virtual board.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinystudio.deploy.board_package import BoardPackage  # noqa: E402
from tinystudio.deploy.upload import model_status, upload_model  # noqa: E402
from tinystudio.devices import model_messages as mm  # noqa: E402
from tinystudio.devices.protocol import MsgType  # noqa: E402
from tinystudio.devices.session import BoardSession  # noqa: E402


def start_sim(baud: int | None) -> tuple[subprocess.Popen, str]:
    args = [sys.executable, "-m", "tinystudio", "sim", "--sensors", "imu"]
    if baud:
        args += ["--baud", str(baud)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"tinystudio sim did not start: {line!r}")
    return proc, line.split(None, 1)[1].strip()


def stop_sim(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def models(cache: Path) -> dict[str, BoardPackage]:
    from tinystudio.deploy.sample_models import dense_model_tflite, imu_descriptor

    out = {}
    for name, size in (("20KB", 20_000), ("250KB", 250_000)):
        path = cache / f"bench_flash_{size}.tflite"
        if not path.exists():
            path.write_bytes(dense_model_tflite(size))
        data = path.read_bytes()
        out[name] = BoardPackage(data, imu_descriptor(data), name)
    return out


def case(pkg: BoardPackage, baud: int, window_chunks: int) -> dict:
    proc, port = start_sim(baud)
    try:
        with BoardSession.open(port, baud, mode="binary", reconnect=False) as s:
            r = upload_model(s, pkg, window_chunks=window_chunks)
            assert model_status(s).model_crc32 == zlib.crc32(pkg.tflite)
    finally:
        stop_sim(proc)
    return r.to_json()


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (machines here are shared and noisy)."""
    return sorted(runs, key=lambda r: r["throughput_bytes_per_s"])[len(runs) // 2]


def stress(pkg: BoardPackage, n: int) -> dict:
    proc, port = start_sim(None)
    ok = corrupted = 0
    t0 = time.perf_counter()
    try:
        with BoardSession.open(port, 115200, mode="binary", reconnect=False) as s:
            for i in range(n):
                count = 1 + i % 3
                s.request(MsgType.FAULT, mm.encode_fault(mm.FaultKind.CORRUPT_CHUNKS, count))
                corrupted += count
                r = upload_model(s, pkg)
                ok += r.verified and model_status(s).model_crc32 == zlib.crc32(pkg.tflite)
    finally:
        stop_sim(proc)
    return {"uploads": n, "verified": ok, "chunks_corrupted": corrupted,
            "seconds": round(time.perf_counter() - t0, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 250 KB case at 115200 baud (22 s)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per 20 KB case (median reported)")
    ap.add_argument("--stress", type=int, default=100, help="uploads in the corruption stress run")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cache = Path(os.environ.get("TMPDIR", "/tmp"))
    pkgs = models(cache)
    figures: dict = {"cases": {}}
    for name, pkg in pkgs.items():
        for baud in (115200, 921600):
            if args.quick and name == "250KB" and baud == 115200:
                continue
            reps = 1 if name == "250KB" else args.repeats
            ours = median_run([case(pkg, baud, 8) for _ in range(reps)])
            base = median_run([case(pkg, baud, 4) for _ in range(reps)])
            ratio = ours["throughput_bytes_per_s"] / base["throughput_bytes_per_s"]
            key = f"{name}@{baud}"
            figures["cases"][key] = {**ours, "window4_bytes_per_s": base["throughput_bytes_per_s"],
                                     "window4_efficiency": base["link_efficiency"],
                                     "speedup_vs_window4": round(ratio, 2)}
            print(f"{key:>14}: {ours['bytes']:,} bytes in {ours['seconds']:.2f} s = "
                  f"{ours['throughput_bytes_per_s'] / 1024:.1f} KB/s, link efficiency "
                  f"{ours['link_efficiency'] * 100:.1f}% (ack-interval window {base['link_efficiency'] * 100:.1f}%, "
                  f"x{ratio:.2f}), verified {ours['verified']}", flush=True)
    st = stress(pkgs["20KB"], args.stress)
    figures["stress"] = st
    print(f"stress: {st['verified']}/{st['uploads']} uploads verified with {st['chunks_corrupted']} corrupted "
          f"chunks injected, {st['seconds']} s")
    figures["min_link_efficiency"] = min(c["link_efficiency"] for c in figures["cases"].values())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
