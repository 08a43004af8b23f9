"""Regenerate the text fixtures (run once; the files are committed, tests never run this).

Each file follows the format as its tool documents or writes it (see README.md here);
the numbers are synthetic but shaped like the real thing: a phone lying still (gravity on
z in m/s2), a wrist IMU in g, timestamps with the jitter and stalls of real loggers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(12)


def phone_still(n):
    return np.column_stack([rng.normal(0.05, 0.03, n), rng.normal(-0.12, 0.03, n), rng.normal(9.79, 0.04, n)])


def wrist(n, rate):
    t = np.arange(n) / rate
    return np.column_stack([0.1 * np.sin(6 * t), 0.05 * np.cos(4 * t), 0.98 + 0.02 * np.sin(9 * t)]) + rng.normal(0, 0.004, (n, 3))


def phyphox(n=240):
    # phyphox "Acceleration with g": Time (s) and m/s^2, Java %.9E numbers, quoted header.
    t = np.cumsum(np.r_[0.0, rng.normal(0.00998, 0.0004, n - 1)])
    a = phone_still(n)
    absa = np.linalg.norm(a, axis=1)
    head = ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)", "Acceleration z (m/s^2)",
            "Absolute acceleration (m/s^2)"]
    rows = np.column_stack([t, a, absa])
    fmt = lambda v: f"{v:.9E}".replace("E-0", "E-").replace("E+0", "E").replace("E+", "E")  # noqa: E731
    comma = ",".join(f'"{h}"' for h in head) + "\n" + "".join(",".join(fmt(v) for v in r) + "\n" for r in rows)
    (HERE / "phyphox_comma.csv").write_text(comma)
    semi = ";".join(f'"{h}"' for h in head) + "\n" + "".join(
        ";".join(fmt(v).replace(".", ",") for v in r) + "\n" for r in rows)
    (HERE / "phyphox_semicolon_decimal_comma.csv").write_text(semi)


def logger_with_stalls(n=200):
    # An OpenLog-style logger: '#' metadata, millis column, 50 Hz, two SD-card stalls.
    dt = np.full(n - 1, 20.0) + rng.integers(-1, 2, n - 1)
    dt[59] += 400  # a 0.4 s stall
    dt[139] += 1500  # a 1.5 s stall
    ms = 48213 + np.r_[0, np.cumsum(dt)].astype(int)
    a = wrist(n, 50.0)
    lines = ["# OpenLog v3.0 / LSM6DS3 logger", "# board: SparkFun RedBoard", "# started: 2024-05-01T10:02:11Z",
             "millis,ax,ay,az"]
    lines += [f"{m},{x:.4f},{y:.4f},{z:.4f}" for m, (x, y, z) in zip(ms, a, strict=True)]
    (HERE / "logger_stalls.csv").write_text("\n".join(lines) + "\n")


def serial_monitor_paste(n=150):
    # Copied from the Arduino Serial Monitor: no header, millis() first, the first line
    # cut in the middle and the last line cut too (no newline).
    ms = 120340 + 10 * np.arange(n)
    a = wrist(n, 100.0)
    full = [f"{m},{x:.3f},{y:.3f},{z:.3f}" for m, (x, y, z) in zip(ms, a, strict=True)]
    text = full[0][full[0].index(",", 4) + 1:] + "\n" + "\n".join(full[1:]) + "\n" + full[-1][:9]
    (HERE / "serial_monitor_paste.txt").write_text(text)


def rfc4180_quoted(n=120):
    # A spreadsheet export: CRLF, every field quoted, a label with a comma inside quotes.
    ms = 10 * np.arange(n)
    a = wrist(n, 100.0)
    lines = ['"Time (ms)","accX [g]","accY [g]","accZ [g]","label"']
    for i, (m, (x, y, z)) in enumerate(zip(ms, a, strict=True)):
        lab = "wave, slow" if 30 <= i < 90 else ""
        lines.append(f'"{m}","{x:.4f}","{y:.4f}","{z:.4f}","{lab}"')
    (HERE / "rfc4180_quoted.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())


def hash_metadata(n=208):
    # '#' metadata lines above an Edge Impulse style CSV (timestamp in ms) at 104 Hz.
    ms = np.rint(np.arange(n) * 1000 / 104).astype(int)
    a = wrist(n, 104.0)
    g = rng.normal(0, 2.0, (n, 3))
    lines = ["# device: Arduino Nano 33 BLE Sense", "# sensor = LSM9DS1", "# subject: s03",
             "# free text comment without a key", "timestamp,aX,aY,aZ,gX,gY,gZ"]
    lines += [f"{m},{x:.3f},{y:.3f},{z:.3f},{p:.2f},{q:.2f},{r:.2f}"
              for m, (x, y, z), (p, q, r) in zip(ms, a, g, strict=True)]
    (HERE / "hash_metadata.csv").write_text("\n".join(lines) + "\n")


def spaced_commas(n=100):
    # " , " separators (printf("%f , %f\\n")) and a time column in seconds.
    t = np.arange(n) / 50.0
    a = wrist(n, 50.0)
    lines = ["time , accX , accY , accZ"] + [f"{s:.3f} , {x:.4f} , {y:.4f} , {z:.4f}"
                                             for s, (x, y, z) in zip(t, a, strict=True)]
    (HERE / "spaced_commas.csv").write_text("\n".join(lines) + "\n")


def imu_capture_blocks():
    # Arduino IMU_Capture: header, 119 rows per gesture, a blank line after each.
    a = wrist(238, 119.0)
    g = rng.normal(0, 30.0, (238, 3))
    out = ["aX,aY,aZ,gX,gY,gZ"]
    for k in range(2):
        out += [f"{x:.3f},{y:.3f},{z:.3f},{p:.3f},{q:.3f},{r:.3f}"
                for (x, y, z), (p, q, r) in zip(a[119 * k:119 * (k + 1)], g[119 * k:119 * (k + 1)], strict=True)]
        out.append("")
    (HERE / "imu_capture_blocks.csv").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    phyphox()
    logger_with_stalls()
    serial_monitor_paste()
    rfc4180_quoted()
    hash_metadata()
    spaced_commas()
    imu_capture_blocks()
