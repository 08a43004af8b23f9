"""Measure a board's sample rate from when its data arrives, robust to USB bursts.

Counting lines per second (what the Edge Impulse forwarder does) is off whenever data
arrives in bursts: USB moves 64-byte packets, hosts poll every 1-16 ms, and a busy host
reads late and gets a pile at once. What holds regardless: sample ``k`` of a board
ticking at period ``p`` cannot *arrive* before ``t0 + k * p + d_min``; it only arrives
later, by a delay that varies. So the arrival points ``(cumulative samples, time)`` lie
on or above a straight line whose slope is the period, and they touch it whenever a
read happens to be prompt. We fit that *lower envelope* (the line through the earliest
arrivals at the two ends of a window) rather than a mean, which a late burst would bias.
Over a few seconds the error is the difference of two near-minimal delays divided by the
span: far below 1 %.

Boards that stop and start (the IMU_Capture sketch waits for motion, prints 119 samples
and pauses) break the line; a pause is recognized as an arrival much later than the
samples it brought can explain, and each run between pauses is fitted on its own. A host
stall (late read, big burst) is *not* a pause: the burst brings as many samples as the
stall lasted.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

#: Smallest unexplained silence (seconds) that counts as the board pausing.
MIN_PAUSE_S = 0.1


class _Segment:
    __slots__ = ("n", "t", "count")

    def __init__(self, maxlen: int) -> None:
        self.n: deque[int] = deque(maxlen=maxlen)
        self.t: deque[float] = deque(maxlen=maxlen)
        self.count = 0  # samples in this segment so far

    def add(self, t: float, n: int) -> None:
        self.count += n
        self.n.append(self.count)
        self.t.append(t)

    def period(self) -> tuple[float, float] | None:
        """(period, weight) from the lower envelope, or None if too short to say."""
        if len(self.n) < 3:
            return None
        n = np.fromiter(self.n, dtype=np.float64, count=len(self.n))
        t = np.fromiter(self.t, dtype=np.float64, count=len(self.t))
        span_n = n[-1] - n[0]
        if span_n < 4 or t[-1] <= t[0]:
            return None
        p = (t[-1] - t[0]) / span_n
        k = max(1, len(n) // 4)
        for _ in range(3):
            r = t - n * p
            a = int(np.argmin(r[:k]))
            b = len(n) - k + int(np.argmin(r[-k:]))
            if n[b] <= n[a] or t[b] <= t[a]:
                return None
            p = (t[b] - t[a]) / (n[b] - n[a])
        span_t = (n[b] - n[a]) * p
        return p, span_t * span_t


class RateEstimator:
    """Samples per second from ``(arrival_time, n_samples)`` pairs.

    ``update`` once per read (all samples of one read share its arrival time; calling it
    per line with the same time works too). ``rate_hz`` is None until the data spans
    ``min_span_s`` seconds. Only the last ``window_s`` seconds count, so a board whose rate
    changes is followed. The reader thread updates while a display reads, so both hold a
    lock (one uncontended acquire per read of the port).
    """

    def __init__(self, window_s: float = 20.0, min_span_s: float = 0.5, max_points: int = 4096) -> None:
        self.window_s = window_s
        self.min_span_s = min_span_s
        self.max_points = max_points
        self.samples = 0
        self.pauses = 0
        self._segments: deque[_Segment] = deque()
        self._last_t: float | None = None
        self._recent: deque[float] = deque(maxlen=64)  # seconds per sample, per arrival
        self._cached: float | None = None
        self._dirty = False
        self._guess: float | None = None
        self._updates = 0
        self._lock = threading.RLock()

    def reset(self) -> None:
        self.__init__(self.window_s, self.min_span_s, self.max_points)  # type: ignore[misc]

    def _period_guess(self) -> float | None:
        if self._cached:
            return 1.0 / self._cached
        if (self._guess is None or self._updates % 32 == 0) and len(self._recent) >= 4:
            self._guess = float(np.median(np.fromiter(self._recent, dtype=np.float64)))
        return self._guess

    def update(self, t_arrival: float, n_samples: int) -> None:
        if n_samples <= 0:
            return
        with self._lock:
            self._update(t_arrival, n_samples)

    def _update(self, t_arrival: float, n_samples: int) -> None:
        self.samples += n_samples
        self._updates += 1
        new_segment = not self._segments
        if self._last_t is not None:
            dt = t_arrival - self._last_t
            if dt > 0:
                self._recent.append(dt / n_samples)
            p = self._period_guess()
            if p is not None and dt - 3 * n_samples * p > max(MIN_PAUSE_S, 10 * p):
                new_segment = True
                self.pauses += 1
        self._last_t = t_arrival
        if new_segment:
            self._segments.append(_Segment(self.max_points))
        self._segments[-1].add(t_arrival, n_samples)
        # Forget segments that ended before the window.
        while len(self._segments) > 1 and self._segments[0].t[-1] < t_arrival - self.window_s:
            self._segments.popleft()
        seg = self._segments[-1]
        while len(seg.t) > 3 and seg.t[0] < t_arrival - self.window_s:
            seg.t.popleft()
            seg.n.popleft()
        self._dirty = True
        if self._updates % 256 == 0:  # keep the pause detector's period fresh (cheap)
            _ = self.rate_hz

    @property
    def rate_hz(self) -> float | None:
        with self._lock:
            if self._dirty:
                self._dirty = False
                self._cached = self._compute()
            return self._cached

    def _compute(self) -> float | None:
        total_w = 0.0
        acc = 0.0
        span = 0.0
        for seg in self._segments:
            est = seg.period()
            if est is None:
                continue
            p, w = est
            acc += p * w
            total_w += w
            span += w**0.5
        if total_w == 0 or span < self.min_span_s:
            return self._cached if self._cached else None
        return 1.0 / (acc / total_w)
