import numpy as np
import pytest

from tinystudio.dsp.windows import WindowSpec, cut_windows, segment_window_starts, window_starts


def test_ms_to_samples_rounds_to_nearest_sample():
    spec = WindowSpec.from_ms(1000, 250, 119)
    assert (spec.length, spec.stride) == (119, 30)
    assert spec.length_ms(119) == pytest.approx(1000, abs=5)


def test_window_starts_cover_only_full_windows():
    assert window_starts(10, WindowSpec(4, 3)) == [0, 3, 6]
    assert window_starts(3, WindowSpec(4, 1)) == []


def test_short_segment_gets_one_centred_window_inside_the_recording():
    spec = WindowSpec(10, 5)
    assert segment_window_starts(20, 24, 100, spec) == [17]
    assert segment_window_starts(0, 2, 100, spec) == [0]  # clamped at the start
    assert segment_window_starts(97, 100, 100, spec) == [90]  # clamped at the end
    assert segment_window_starts(0, 5, 8, spec) == []  # recording shorter than a window


def test_long_segment_windows_stay_inside_it():
    starts = segment_window_starts(10, 40, 100, WindowSpec(10, 5))
    assert starts == [10, 15, 20, 25, 30]


def test_cut_windows_shape_and_content():
    x = np.arange(20).reshape(10, 2)
    w = cut_windows(x, WindowSpec(4, 2))
    assert w.shape == (4, 4, 2)
    assert (w[1] == x[2:6]).all()


def test_invalid_spec_is_refused():
    with pytest.raises(ValueError):
        WindowSpec(0, 1)
