import threading

import numpy as np
import pytest

from tinystudio.devices.ring import RingBuffer


def test_wraps_and_returns_newest_in_order():
    r = RingBuffer(10, (2,), np.int16)
    data = np.arange(60, dtype=np.int16).reshape(30, 2)
    for i in range(0, 30, 7):
        r.write(data[i : i + 7])
    assert r.total == 30 and len(r) == 10
    np.testing.assert_array_equal(r.latest(), data[-10:])
    np.testing.assert_array_equal(r.latest(3), data[-3:])


def test_block_larger_than_capacity_keeps_tail():
    r = RingBuffer(4, (), np.float32)
    r.write(np.arange(9, dtype=np.float32))
    np.testing.assert_array_equal(r.latest(), [5, 6, 7, 8])


def test_concurrent_reader_always_sees_contiguous_data():
    r = RingBuffer(1000, (), np.int64)
    stop = threading.Event()
    errors = []

    def reader():
        while not stop.is_set():
            x = r.latest(500)
            if len(x) > 1 and not np.all(np.diff(x) == 1):
                errors.append(x)

    t = threading.Thread(target=reader)
    t.start()
    n = 0
    for _ in range(2000):
        r.write(np.arange(n, n + 37))
        n += 37
    stop.set()
    t.join()
    assert not errors


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(0, (), np.int8)
