"""Live plotting on the Device page: redraw rate, frame time, lost frames, event-loop stalls.

The virtual board streams 6 IMU channels at 1 kHz plus 16 kHz audio; the Device page
shows 10 s of each (two IMU plots, the waveform and the spectrogram). Measured in the same
run (offscreen Qt platform):

* ``ours``: the app as shipped: the display timer (62 Hz) takes only the samples that
  arrived since its previous tick from the ring buffers, bins them into (min, max) pairs
  appended to fixed per-plot buffers (about two points per pixel column) and repaints one
  polyline item per plot; the spectrogram computes only the new FFT columns.
* ``naive``: the common first attempt: a Qt signal per sample block from the reader
  thread, each appended to the plot data and drawn with ``setData`` at full resolution.
* ``ours_training``: ``ours`` while a model trains as the Train page runs it (a worker
  watching ``tinystudio train`` in a child process; TensorFlow loads and trains there
  during the measurement).

Per phase: redraws/s (paint events of the plot views), frame time p50/p99 (refresh slot
plus the paints it caused), lost frames (sequence gaps seen by the session) and the
event loop's longest stall (a 1 ms timer's largest gap). Last line: one JSON object.

    python benchmarks/bench_plot.py [--seconds 6] [--no-training]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

TARGETS = {"redraws_per_s": 60.0, "frame_p99_ms": 16.7, "lost_frames": 0, "stall_ms": 100.0}


class Meter:
    """Paint timing of every pyqtgraph view, slot timing, and a 1 ms stall probe."""

    def __init__(self) -> None:
        import pyqtgraph as pg
        from PySide6.QtCore import Qt, QTimer

        self.paints = 0
        self.paint_s = 0.0
        self.frames: list[float] = []
        self.gaps: list[float] = []
        self._last_probe = time.perf_counter()
        self._slot_t = None
        self._paint_at_slot = 0.0
        original = pg.GraphicsView.paintEvent

        def timed_paint(view, ev, _orig=original):
            t = time.perf_counter()
            try:
                return _orig(view, ev)
            finally:
                self.paints += 1
                self.paint_s += time.perf_counter() - t

        pg.GraphicsView.paintEvent = timed_paint
        self.probe = QTimer()
        self.probe.setTimerType(Qt.PreciseTimer)
        self.probe.setInterval(1)
        self.probe.timeout.connect(self._tick)
        self.probe.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last_probe)
        self._last_probe = now

    def slot(self, fn):
        """Wrap a refresh slot: a frame = the slot + paints until the next slot."""

        def wrapped(*a):
            t = time.perf_counter()
            if self._slot_t is not None:
                self.frames.append(self._slot_t + (self.paint_s - self._paint_at_slot))
            fn(*a)
            self._slot_t = time.perf_counter() - t
            self._paint_at_slot = self.paint_s

        return wrapped

    def reset(self) -> None:
        self.paints, self.paint_s, self.frames, self.gaps = 0, 0.0, [], []
        self._slot_t, self._paint_at_slot = None, 0.0
        self._last_probe = time.perf_counter()

    def result(self, seconds: float, views: int, lost: int) -> dict:
        frames = np.array(self.frames or [0.0]) * 1000
        return {
            "redraws_per_s": round(self.paints / views / seconds, 1),
            "frame_p50_ms": round(float(np.percentile(frames, 50)), 2),
            "frame_p99_ms": round(float(np.percentile(frames, 99)), 2),
            "frames": len(self.frames),
            "lost_frames": lost,
            "stall_ms": round(1000 * max(self.gaps or [0.0]) - 1.0, 1),
        }


def wait(app, seconds: float, until=None) -> None:
    """Run the event loop for ``seconds`` (or until ``until()`` holds)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    if until is not None:
        poll = QTimer()
        poll.timeout.connect(lambda: until() and loop.quit())
        poll.start(20)
    loop.exec()


def lost_total(board) -> int:
    return sum(s.lost_frames for s in board.stats().values())


class NaivePlots:
    """setData per packet, full resolution, signal per block from the reader thread."""

    def __init__(self, session, meter: Meter, window_s: float = 10.0) -> None:
        import pyqtgraph as pg
        from PySide6.QtCore import QObject, Signal
        from PySide6.QtWidgets import QVBoxLayout, QWidget

        class Bridge(QObject):
            block = Signal(object)

        self.widget = QWidget()
        layout = QVBoxLayout(self.widget)
        self.bridge = Bridge()
        self.plots = {}
        self.data = {}
        for s in session.info.sensors:
            groups = [list(range(0, 3)), list(range(3, 6))] if s.n_channels == 6 else [list(range(s.n_channels))]
            for cols in groups:
                w = pg.PlotWidget()
                layout.addWidget(w)
                curves = [w.plot(pen=pg.mkPen("c")) for _ in cols]
                self.plots.setdefault(s.sensor_id, []).append((cols, curves, w))
            self.data[s.sensor_id] = (np.zeros((0, s.n_channels), np.float32), int(window_s * s.rate_hz),
                                      s.rate_hz, np.array([c.scale for c in s.channels], np.float32))
        self.deadline = float("inf")
        self.bridge.block.connect(meter.slot(self.on_block))
        self.unsubscribe = session.subscribe(self.bridge.block.emit)
        self.widget.resize(1000, 900)
        self.widget.show()

    def on_block(self, block) -> None:
        if time.perf_counter() > self.deadline:  # phase over: drain the queue quickly
            return
        buf, n, rate, scale = self.data[block.sensor_id]
        buf = np.concatenate([buf, block.samples.astype(np.float32) * scale])[-n:]
        self.data[block.sensor_id] = (buf, n, rate, scale)
        x = np.arange(len(buf)) / rate
        for cols, curves, _w in self.plots[block.sensor_id]:
            for c, curve in zip(cols, curves, strict=True):
                curve.setData(x, buf[:, c])

    def close(self) -> None:
        self.unsubscribe()
        self.widget.close()


def make_project(tmp: Path) -> Path:
    from tinystudio.dataset.importers import import_paths

    data = REPO / "resources" / "examples" / "gestures_punch_flex"
    project = tmp / "train-project"
    import_paths(project, [data / "punch.csv"], label="punch")
    import_paths(project, [data / "flex.csv"], label="flex")
    return project


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--no-training", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_plot-"))
    os.environ["TINYSTUDIO_SETTINGS_DIR"] = str(tmp / "settings")

    from tinystudio.ui.app import create_app
    from tinystudio.ui.board_controller import VirtualBoardOptions
    from tinystudio.ui.main_window import MainWindow
    from tinystudio.ui.workers import start_worker

    app = create_app()
    window = MainWindow()
    window.resize(1280, 1000)
    window.show()
    window.build_pages()
    page = window.device_page
    meter = Meter()
    board = window.board
    board.tick.disconnect(page.refresh)
    board.tick.connect(meter.slot(page.refresh))
    board.connect_virtual(VirtualBoardOptions(sensors="imu,mic", imu_rate=1000))
    wait(app, 60, until=lambda: board.session is not None)
    if board.session is None:
        raise SystemExit("the virtual board did not connect")
    views = sum(len(v.views) for v in page.views.values())
    info = {s.name: f"{s.n_channels} ch @ {s.rate_hz:g} Hz" for s in board.session.info.sensors}
    wait(app, 11.0)  # fill the 10 s windows first
    results = {}

    def phase(name: str, seconds: float, n_views: int, until=None) -> None:
        lost0 = lost_total(board)
        meter.reset()
        t0 = time.perf_counter()
        wait(app, seconds, until)
        dt = time.perf_counter() - t0
        results[name] = meter.result(dt, n_views, lost_total(board) - lost0)
        results[name]["seconds"] = round(dt, 1)
        print(name, results[name], flush=True)

    phase("ours", args.seconds, views)

    # naive baseline: the Device page stops drawing, the naive plots take over
    board.tick.disconnect()
    naive = NaivePlots(board.session, meter)
    naive.deadline = time.perf_counter() + args.seconds
    phase("naive", args.seconds, len([w for p in naive.plots.values() for w in p]))
    naive.close()
    board.tick.connect(meter.slot(page.refresh))
    wait(app, 1.0)

    if not args.no_training:
        from tinystudio.ml.pipeline import TrainOptions
        from tinystudio.ui.train_process import train_in_process

        project = make_project(tmp)
        done = threading.Event()

        def train(*, progress, stop):  # as the Train page does it
            try:
                return train_in_process(str(project), TrainOptions(epochs=15), progress=progress,
                                        stop=stop, event=lambda m: None)
            finally:
                done.set()

        worker = start_worker(train, on_error=lambda e: print("training failed:", e))
        phase("ours_training", max(args.seconds, 30.0), views, until=done.is_set)
        worker.quit()
        worker.done.wait(120)
    board.shutdown()
    window.close()

    ours, naive_r = results["ours"], results["naive"]
    out = {
        "benchmark": "plot",
        "sensors": info,
        "window_s": 10.0,
        "phases": results,
        "redraw_ratio_vs_naive": round(ours["redraws_per_s"] / max(naive_r["redraws_per_s"], 0.1), 2),
        "p99_ratio_naive_over_ours": round(naive_r["frame_p99_ms"] / max(ours["frame_p99_ms"], 0.01), 2),
        "targets": TARGETS,
        "meets": {
            "redraws_per_s": ours["redraws_per_s"] >= TARGETS["redraws_per_s"],
            "frame_p99_ms": ours["frame_p99_ms"] <= TARGETS["frame_p99_ms"],
            "lost_frames": ours["lost_frames"] == 0,
            "stall_ms": ours["stall_ms"] < TARGETS["stall_ms"],
            "stall_ms_training": results.get("ours_training", {}).get("stall_ms", 0) < TARGETS["stall_ms"],
        },
        "load_average": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
