"""Child process for the SIGKILL tests: records synthetic 16 kHz audio in real time.

Prints ``APPENDED <n> <monotonic time>`` after each block and ``DONE <id> <n>`` after each
recording is closed, so the parent knows what must survive a kill at any moment.
Sample i of every recording has the value i % 30011 (int16), so content is checkable.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from tinystudio.dataset import Project
from tinystudio.dataset.recorder import Recorder
from tinystudio.devices.protocol import ChannelInfo, DeviceInfo, SampleType, SensorInfo, SensorKind

RATE = 16000
BLOCK = 160
MOD = 30011


def main(project_dir: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    project = Project.open_or_create(project_dir)
    mic = SensorInfo(1, SensorKind.MICROPHONE, "mic", SampleType.I16, float(RATE), (ChannelInfo("mic", "FS", 1 / 32768),))
    dev = DeviceInfo("child", "1.0", sensors=(mic,))
    print("READY", flush=True)
    while True:
        seconds = float(rng.uniform(0.2, 1.2))
        rec = Recorder(project, mic, dev, label="speech")
        n = 0
        t0 = time.monotonic()
        while n < seconds * RATE:
            block = (np.arange(n, n + BLOCK) % MOD).astype("<i2").reshape(-1, 1)
            rec.append(block)
            n += BLOCK
            print(f"APPENDED {rec.id} {n} {time.monotonic():.6f}", flush=True)
            delay = t0 + n / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        out = rec.close()
        print(f"DONE {out.id} {out.n_samples}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
