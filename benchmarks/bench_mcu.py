"""The emulated board (firmware on a Cortex-M4 under QEMU): throughput limit and upload efficiency.

1. Throughput limit: the firmware is built with the microphone declared at 16 kHz and up
   (MIC_RATE_HZ, compiled in), streamed for a few seconds, and the sample rate that
   arrives is measured. Past what the emulated UART path carries, the firmware's sensor
   FIFO overflows (as a real one would) and the delivered rate flattens: that is the limit.
   Baseline in the same run: the virtual board (`tinystudio sim`, Python) at the same
   declared rates, measured the same way; and the raw byte rate of a 921600-baud UART.
2. Upload efficiency: real int8 models of 20 and 60 KB uploaded with the host's uploader;
   throughput over the same uploads to the virtual board in the same run, and over the
   raw rate of a 921600- and a 115200-baud UART. QEMU's CMSDK UART holds one received
   byte and hands over the next only after the guest read it, one trip through QEMU's
   main loop per byte: host -> board is the slow direction of this emulated link.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinystudio.boards.emulated import McuBoard, build_image  # noqa: E402
from tinystudio.deploy.board_package import BoardPackage  # noqa: E402
from tinystudio.deploy.upload import model_status, upload_model  # noqa: E402
from tinystudio.devices.session import BoardSession  # noqa: E402

UART_921600 = 921600 / 10  # raw bytes/s of 8N1 at 921600 baud
UART_115200 = 115200 / 10  # ... and at 115200, the default of the boards in resources/boards.json
MIC = 1


class VirtualBoard:
    """`tinystudio sim --sensors imu,mic` in its own process (as users run it)."""

    def __init__(self, mic_rate: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tinystudio", "sim", "--sensors", "imu,mic", "--mic-rate", str(mic_rate)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise SystemExit(f"tinystudio sim did not start: {line!r}")
        self.port = line.split(None, 1)[1].strip()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def mic_throughput(port: str, seconds: float) -> dict:
    """Streams the microphone alone; delivered samples/s and payload bytes/s."""
    with BoardSession.open(port, mode="binary", reconnect=False) as s:
        s.start(MIC)
        time.sleep(0.5)  # past START and the first frames
        s0, t0 = s.stats(MIC).samples, time.perf_counter()
        time.sleep(seconds)
        s1, t1 = s.stats(MIC).samples, time.perf_counter()
        st = s.stats(MIC)
        s.stop()
    rate = (s1 - s0) / (t1 - t0)
    return {"samples_per_s": round(rate, 1), "payload_bytes_per_s": round(2 * rate),
            "lost_frames": st.lost_frames, "crc_errors": st.crc_errors}


def upload_case(port: str, pkg: BoardPackage, repeats: int) -> dict:
    runs = []
    with BoardSession.open(port, mode="binary", reconnect=False) as s:
        for _ in range(repeats):
            r = upload_model(s, pkg)
            assert r.verified and model_status(s).model_crc32 == zlib.crc32(pkg.tflite)
            runs.append(r.throughput_bytes_per_s)
    runs.sort()
    return {"bytes": len(pkg.tflite), "bytes_per_s": round(runs[len(runs) // 2])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", default="16000,64000,256000,1000000", help="declared mic rates (Hz)")
    ap.add_argument("--seconds", type=float, default=3.0, help="measurement per rate")
    ap.add_argument("--repeats", type=int, default=3, help="uploads per model (median reported)")
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    build_root = Path(tempfile.mkdtemp(prefix="bench_mcu_"))
    figures: dict = {"throughput": {}, "upload": {}}

    for rate in (int(r) for r in args.rates.split(",")):
        t0 = time.perf_counter()
        elf = build_image(build_root / str(rate), mic_rate=rate)
        build_s = time.perf_counter() - t0
        with McuBoard(elf).start() as board:
            mcu = mic_throughput(board.port, args.seconds)
        virtual = VirtualBoard(rate)
        try:
            base = mic_throughput(virtual.port, args.seconds)
        finally:
            virtual.stop()
        row = {"declared_hz": rate, "emulated": mcu, "virtual": base, "build_s": round(build_s, 1),
               "emulated_delivered_fraction": round(mcu["samples_per_s"] / rate, 4),
               "emulated_vs_virtual": round(mcu["samples_per_s"] / base["samples_per_s"], 3),
               "emulated_vs_uart_921600": round(mcu["payload_bytes_per_s"] / UART_921600, 3)}
        figures["throughput"][str(rate)] = row
        print(f"mic declared {rate:>8} Hz: emulated board delivers {mcu['samples_per_s']:>10.1f}/s "
              f"({row['emulated_delivered_fraction']:.3f} of declared, {mcu['payload_bytes_per_s'] / 1024:.1f} KB/s, "
              f"lost {mcu['lost_frames']}), virtual board {base['samples_per_s']:>10.1f}/s "
              f"-> emulated/virtual {row['emulated_vs_virtual']:.2f}, "
              f"emulated/UART@921600 {row['emulated_vs_uart_921600']:.2f}")
    limit = max(r["emulated"]["payload_bytes_per_s"] for r in figures["throughput"].values())
    figures["emulated_limit_payload_bytes_per_s"] = limit

    from tinystudio.deploy.sample_models import dense_model_tflite, imu_descriptor

    elf = build_image(build_root / "16000")
    for kb in (20, 60):
        tflite = dense_model_tflite(kb * 1000)
        pkg = BoardPackage(tflite, imu_descriptor(tflite), f"dense{kb}")
        with McuBoard(elf).start() as board:
            mcu = upload_case(board.port, pkg, args.repeats)
        virtual = VirtualBoard(16000)
        try:
            base = upload_case(virtual.port, pkg, args.repeats)
        finally:
            virtual.stop()
        row = {"emulated": mcu, "virtual": base,
               "emulated_vs_virtual": round(mcu["bytes_per_s"] / base["bytes_per_s"], 3),
               "emulated_vs_uart_921600": round(mcu["bytes_per_s"] / UART_921600, 3),
               "emulated_vs_uart_115200": round(mcu["bytes_per_s"] / UART_115200, 3)}
        figures["upload"][f"{kb}KB"] = row
        print(f"upload {len(tflite):>6} B: emulated board {mcu['bytes_per_s'] / 1024:7.1f} KB/s, virtual board "
              f"{base['bytes_per_s'] / 1024:7.1f} KB/s -> emulated/virtual {row['emulated_vs_virtual']:.2f}, "
              f"emulated/UART@921600 {row['emulated_vs_uart_921600']:.2f}, "
              f"emulated/UART@115200 {row['emulated_vs_uart_115200']:.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
