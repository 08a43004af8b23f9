"""One take: a Recorder fed by the board's reader thread, stopped exactly on time.

The reader thread calls :meth:`Take.on_block` for every sample block (no Qt, no widget);
it trims the last block so a fixed-duration take holds exactly ``n_target`` samples and
sets ``full`` when done. The GUI polls ``n_samples``/``full`` on its display tick and
closes the take in a worker (closing flushes and rewrites the HDF5 file).
"""

from __future__ import annotations

import threading


class Take:
    def __init__(self, project, session, sensor, label: str | None, n_target: int | None,
                 subject: str | None = None, session_name: str | None = None) -> None:
        from tinystudio.dataset.recorder import Recorder

        self.sensor_id = sensor.sensor_id
        self.rate_hz = sensor.rate_hz
        self.n_target = n_target
        self.full = threading.Event()
        self.error: BaseException | None = None
        self.recorder = Recorder(project, sensor, session.info, label=label or None,
                                 subject=subject or None, session=session_name or None)
        self._lock = threading.Lock()
        self._n = 0
        self._unsubscribe = session.subscribe(self.on_block)

    @property
    def n_samples(self) -> int:
        return self._n

    @property
    def seconds(self) -> float:
        return self._n / self.rate_hz if self.rate_hz else 0.0

    def on_block(self, block) -> None:  # reader thread
        if block.sensor_id != self.sensor_id or self.full.is_set():
            return
        samples = block.samples
        with self._lock:
            if self.n_target is not None:
                room = self.n_target - self._n
                if room <= 0:
                    self.full.set()
                    return
                samples = samples[:room]
            try:
                self.recorder.append(samples)
            except BaseException as exc:  # surfaced on the GUI thread by the poll
                self.error = exc
                self.full.set()
                return
            self._n += len(samples)
            if self.n_target is not None and self._n >= self.n_target:
                self.full.set()

    def detach(self) -> None:
        """Stop receiving samples (GUI thread; cheap)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.full.set()

    def finish(self, *, progress=None, stop=None):
        """Close the file and register it in the project (worker thread)."""
        self.detach()
        with self._lock:
            return self.recorder.close()


def start_take(project, session, sensor, label, n_target, *, subject=None, session_name=None,
               progress=None, stop=None) -> Take:
    return Take(project, session, sensor, label, n_target, subject, session_name)
