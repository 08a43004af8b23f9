"""Bounded ring buffers between a board's reader thread and whoever displays the data.

The reader thread writes whole blocks; the GUI pulls the latest window on its own timer.
Neither side ever waits for the other for more than one copy, and memory is fixed at
creation so a board streaming for hours cannot grow the process.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Fixed-capacity FIFO of items (samples or images) with a running total count."""

    def __init__(self, capacity: int, item_shape: tuple[int, ...], dtype) -> None:
        if capacity <= 0:
            raise ValueError("ring buffer capacity must be positive")
        self._data = np.zeros((capacity, *item_shape), dtype=dtype)
        self._capacity = capacity
        self._write = 0  # next index to write
        self._total = 0  # items ever written
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def total(self) -> int:
        """Items written since creation (not capped by capacity)."""
        return self._total

    @property
    def dtype(self):
        return self._data.dtype

    def __len__(self) -> int:
        return min(self._total, self._capacity)

    def write(self, block: np.ndarray) -> None:
        n = len(block)
        if n == 0:
            return
        with self._lock:
            cap = self._capacity
            if n >= cap:
                self._data[:] = block[n - cap :]
                self._write = 0
            else:
                end = self._write + n
                if end <= cap:
                    self._data[self._write : end] = block
                else:
                    first = cap - self._write
                    self._data[self._write :] = block[:first]
                    self._data[: n - first] = block[first:]
                self._write = end % cap
            self._total += n

    def latest(self, n: int | None = None) -> np.ndarray:
        """A copy of the newest ``n`` items (all held items if None), oldest first."""
        with self._lock:
            held = min(self._total, self._capacity)
            n = held if n is None else min(n, held)
            if n == 0:
                return self._data[:0].copy()
            start = (self._write - n) % self._capacity
            if start + n <= self._capacity:
                return self._data[start : start + n].copy()
            return np.concatenate((self._data[start:], self._data[: self._write]))

    def clear(self) -> None:
        with self._lock:
            self._write = 0
            self._total = 0
