"""Recorder throughput: the 16 kHz microphone + 1 kHz IMU case, as a multiple of real time.

Blocks arrive as a board session delivers them (10 ms of each sensor per read). The
TinyStudio Recorder (buffered block writes into SWMR HDF5, flushed four times a second) is
timed against a naive recorder in the same process that resizes and writes the dataset
once per row and flushes once per second of data. Then one hour of audio (+ IMU) is
recorded while RSS is sampled, to show memory stays flat. Last line: one JSON object.

    python benchmarks/bench_record.py [--seconds 600] [--hour-seconds 3600]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinystudio.dataset import Project  # noqa: E402
from tinystudio.dataset.recorder import Recorder  # noqa: E402
from tinystudio.devices.protocol import (  # noqa: E402
    ChannelInfo,
    DeviceInfo,
    SampleType,
    SensorInfo,
    SensorKind,
)

MIC = SensorInfo(1, SensorKind.MICROPHONE, "mic", SampleType.I16, 16000.0, (ChannelInfo("mic", "FS", 1 / 32768),))
IMU = SensorInfo(0, SensorKind.IMU, "imu", SampleType.I16, 1000.0,
                 tuple(ChannelInfo(n, "", 1 / 4096) for n in ("ax", "ay", "az", "gx", "gy", "gz")))
DEV = DeviceInfo("bench", "0", sensors=(IMU, MIC))
TICK = 0.01
MIC_BLOCK = np.arange(160, dtype=np.int16).reshape(-1, 1)
IMU_BLOCK = np.arange(60, dtype=np.int16).reshape(-1, 6)


def run_recorder(project: Project, seconds: float) -> float:
    """Wall time to record ``seconds`` of both sensors with the real Recorder."""
    mic, imu = Recorder(project, MIC, DEV), Recorder(project, IMU, DEV)
    t0 = time.perf_counter()
    for _ in range(round(seconds / TICK)):
        mic.append(MIC_BLOCK)
        imu.append(IMU_BLOCK)
    a, b = mic.close(), imu.close()
    wall = time.perf_counter() - t0
    assert a.n_samples == round(seconds * 16000) and b.n_samples == round(seconds * 1000)
    return wall


def run_naive(folder: Path, seconds: float) -> float:
    """One resize + one write per row; flush once per second of data."""
    t0 = time.perf_counter()
    with h5py.File(folder / "naive.h5", "w") as f:
        dm = f.create_dataset("mic", (0, 1), maxshape=(None, 1), dtype="<i2", chunks=(4096, 1))
        di = f.create_dataset("imu", (0, 6), maxshape=(None, 6), dtype="<i2", chunks=(4096, 6))
        nm = ni = 0
        ticks = round(seconds / TICK)
        for k in range(ticks):
            for row in MIC_BLOCK:
                dm.resize(nm + 1, axis=0)
                dm[nm] = row
                nm += 1
            for row in IMU_BLOCK:
                di.resize(ni + 1, axis=0)
                di[ni] = row
                ni += 1
            if (k + 1) % 100 == 0:
                f.flush()
    return time.perf_counter() - t0


def hour_memory(project: Project, seconds: float) -> dict:
    proc = psutil.Process()
    rss_start = proc.memory_info().rss
    peak = [rss_start]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            peak[0] = max(peak[0], proc.memory_info().rss)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    mid = None
    wall = run_recorder_with_midpoint(project, seconds, lambda: proc.memory_info().rss)
    mid = wall.pop("rss_mid")
    stop.set()
    t.join()
    rss_end = proc.memory_info().rss
    return {"hour_seconds": seconds, "hour_wall_s": round(wall["wall"], 2),
            "rss_start_mb": round(rss_start / 2**20, 1), "rss_mid_mb": round(mid / 2**20, 1),
            "rss_end_mb": round(rss_end / 2**20, 1), "rss_peak_mb": round(peak[0] / 2**20, 1)}


def run_recorder_with_midpoint(project: Project, seconds: float, rss) -> dict:
    mic, imu = Recorder(project, MIC, DEV), Recorder(project, IMU, DEV)
    ticks = round(seconds / TICK)
    t0 = time.perf_counter()
    mid = 0
    for k in range(ticks):
        mic.append(MIC_BLOCK)
        imu.append(IMU_BLOCK)
        if k == ticks // 2:
            mid = rss()
    mic.close()
    imu.close()
    return {"wall": time.perf_counter() - t0, "rss_mid": mid}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600.0, help="data seconds for the throughput run")
    ap.add_argument("--naive-seconds", type=float, default=1.0, help="data seconds for the naive baseline")
    ap.add_argument("--hour-seconds", type=float, default=3600.0, help="data seconds for the memory run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "bench")
        run_recorder(project, 5.0)  # warm up
        wall = run_recorder(project, args.seconds)
        naive = run_naive(Path(tmp), args.naive_seconds)
        ours_x = args.seconds / wall
        naive_x = args.naive_seconds / naive
        print(f"recorder: {args.seconds:.0f} s of 16 kHz mic + 1 kHz IMU in {wall:.3f} s = {ours_x:.0f}x real time")
        print(f"naive one-row-per-append: {args.naive_seconds:.0f} s in {naive:.3f} s = {naive_x:.2f}x real time")
        print(f"speed-up: {ours_x / naive_x:.0f}x")
        mem = hour_memory(Project.create(Path(tmp) / "hour"), args.hour_seconds)
        print(f"one hour: {mem['hour_wall_s']} s wall; RSS start {mem['rss_start_mb']} MB, "
              f"mid {mem['rss_mid_mb']} MB, end {mem['rss_end_mb']} MB, peak {mem['rss_peak_mb']} MB")
    figures = {"recorder_x_realtime": round(ours_x, 1), "naive_x_realtime": round(naive_x, 3),
               "speedup": round(ours_x / naive_x, 1), "target_x_realtime": 200, **mem}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
