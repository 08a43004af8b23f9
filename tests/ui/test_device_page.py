"""The Device page: live plots from the virtual board, measured rate, port list."""

from __future__ import annotations

import numpy as np


def test_live_plots_follow_the_virtual_board(qtbot, window, connect_virtual):
    session = connect_virtual(window, sensors=("imu", "mic"))
    page = window.device_page
    assert set(page.views) == {s.sensor_id for s in session.info.sensors}
    imu = page.views[0]
    assert [len(v.curves) for v in imu.views] == [3, 3]  # one plot per unit: g and deg/s
    mic_views = page.views[1].views
    assert type(mic_views[1]).__name__ == "Spectrogram"
    qtbot.waitUntil(lambda: session.ring(1).total > 16000, timeout=15_000)
    def points(curve) -> int:
        x = curve.getData()[0]
        return 0 if x is None else len(x)

    qtbot.waitUntil(lambda: points(imu.views[0].curves[0]) > 100, timeout=5_000)
    x, y = imu.views[0].curves[0].getData()
    assert x[-1] <= 0 and x[0] >= -10.0  # a fixed 10 s window ending now
    wave = mic_views[0].curves[0].getData()[1]
    assert len(wave) <= mic_views[0].max_points  # peak-decimated, not 160k points
    spec = mic_views[1]
    assert spec.last_column_db.max() > spec.db_range[0]  # columns were computed from audio
    assert (spec.image[:, -1] != spec.image[0, 0]).any()  # and drawn into the image
    def measured(row: int, col: int) -> bool:  # "--" until the rate meter has its first figure
        item = page.stats_table.item(row, col)
        return item is not None and item.text() != "--"

    qtbot.waitUntil(lambda: measured(1, 1), timeout=10_000)
    rate = float(page.stats_table.item(1, 1).text())
    assert abs(rate - 16000) < 800
    assert page.stats_table.item(1, 3).text() == "0"  # no lost frames
    qtbot.waitUntil(lambda: "Hz" in window.rate_label.text(), timeout=5_000)


def test_peak_decimation_keeps_extremes(qapp):
    from tinystudio.ui.app import configure_plots
    from tinystudio.ui.widgets.live_plot import LivePlot

    configure_plots()
    plot = LivePlot("t", ["a"], [0], [1.0], rate_hz=16000, window_s=10.0, max_points=2000)
    data = np.zeros((160_000, 1), np.int16)
    data[12_345, 0] = 3000
    data[99_999, 0] = -2000
    plot.show_data(data, total=160_000)
    x, y = plot.curves[0].getData()
    assert len(y) <= 2000
    assert y.max() == 3000 and y.min() == -2000
    assert x[0] >= -10.0 and x[-1] <= 0.0


def test_port_list_always_offers_the_virtual_board(qtbot, window):
    from tinystudio.devices.registry import port_info

    page = window.device_page
    window.board.ports_changed.emit([port_info("/dev/ttyACM7", 0x2341, 0x805A)])
    texts = [page.port_combo.itemText(i) for i in range(page.port_combo.count())]
    assert texts[0] == "Virtual board"
    assert any("/dev/ttyACM7" in t and "Nano 33 BLE" in t for t in texts), texts
    window.board.ports_changed.emit([])
    assert page.port_combo.count() == 1


def test_incremental_decimation_equals_a_full_redraw(qapp):
    """Binning only the new samples each tick gives exactly what re-decimating the whole
    window gives, for audio-like (k=160), IMU-like (k=10) and slow (k=1) rates."""
    from tinystudio.devices.ring import RingBuffer
    from tinystudio.ui.app import configure_plots
    from tinystudio.ui.widgets.live_plot import LivePlot

    configure_plots()
    rng = np.random.default_rng(7)
    for rate in (16000, 1000, 50):
        live = LivePlot("t", ["a", "b"], [0, 2], [1.0, 0.5], rate_hz=rate)
        full = LivePlot("t", ["a", "b"], [0, 2], [1.0, 0.5], rate_hz=rate)
        ring = RingBuffer(int(rate * 12), (3,), np.int16)
        for _ in range(250):  # uneven blocks, sometimes none, ~12 s in all
            n = int(rng.integers(0, rate // 10 + 2))
            ring.write(rng.integers(-1000, 1000, (n, 3)).astype(np.int16))
            live.update_from(ring)
        full.show_data(ring.latest(), ring.total)
        for a, b in zip(live.curves, full.curves, strict=True):
            (xa, ya), (xb, yb) = a.getData(), b.getData()
            assert len(ya) == len(yb) > 0
            assert np.array_equal(ya, yb), rate
            assert np.allclose(xa, xb), rate
            assert xa[0] >= -10.0 and xa[-1] <= 0.0


def test_spectrogram_columns_follow_the_audio(qapp):
    """A 2 kHz tone lights up the 2 kHz row of the newest columns, nothing else."""
    from tinystudio.devices.ring import RingBuffer
    from tinystudio.ui.app import configure_plots
    from tinystudio.ui.widgets.spectrogram import Spectrogram

    configure_plots()
    spec = Spectrogram(16000, window_s=10.0)
    ring = RingBuffer(16000 * 12, (1,), np.int16)
    t = np.arange(16000) / 16000
    ring.write((8000 * np.sin(2 * np.pi * 2000 * t)).astype(np.int16)[:, None])
    assert spec.update_from(ring)
    assert not spec.update_from(ring)  # nothing new, nothing drawn
    tone_row = round(2000 / (16000 / spec.n_fft))
    assert int(np.argmax(spec.last_column_db)) == tone_row
    newest = spec.image[:, -1]
    assert newest[tone_row] != newest[tone_row + 40]  # a different colour from the floor
    assert (spec.image[:, 0] == spec.image[0, 0]).all()  # 10 s ago: nothing yet
