"""The virtual board's end of a pseudo-terminal, with an optional baud-rate throttle.

The board holds the pty master; the host opens the slave path like any serial port. The
board also keeps the slave open itself, so the host closing and reopening the port never
produces EIO/hang-ups on the master: the board keeps running across host reconnects, as
a USB board does across serial-monitor restarts.

``baud`` limits both directions to ``baud / 10`` bytes per second (8N1) with token
buckets, so tests meet a real link's limits: output beyond what the link carries waits
in a bounded TX queue (like firmware's buffer) and sample frames that do not fit are
dropped, which the host sees as sequence gaps; input is consumed no faster than the
link delivers, so a host uploading too fast blocks in ``write`` as on real hardware.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import time
import tty

#: Bound of the board's TX queue on an unthrottled pty (bytes). Large on purpose: a
#: descheduled sim process catches up in one burst, which must not count as link loss.
TX_QUEUE_BYTES = 8 << 20
#: With ``baud`` set, the queue holds this much link time, like a firmware TX buffer.
TX_QUEUE_SECONDS = 0.1


class TokenBucket:
    """``rate`` bytes per second, bursts up to ``burst`` bytes; ``rate=None`` is unlimited."""

    def __init__(self, rate: float | None, burst: int | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(64, int((rate or 0) * 0.01))
        self._tokens = float(self.burst)
        self._t = time.monotonic()

    def available(self, now: float | None = None) -> int:
        if self.rate is None:
            return 1 << 30
        now = time.monotonic() if now is None else now
        self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
        self._t = now
        return int(self._tokens)

    def consume(self, n: int) -> None:
        if self.rate is not None:
            self._tokens -= n

    def wait_for(self, n: int) -> float:
        """Seconds until ``n`` bytes (at most a burst) are available."""
        if self.rate is None:
            return 0.0
        need = min(n, self.burst) - self.available()
        return max(0.0, need / self.rate)


class PtyLink:
    """Non-blocking pty master with a TX queue and baud throttling."""

    def __init__(self, baud: int | None = None, tx_queue_bytes: int | None = None) -> None:
        self.master, self._slave = os.openpty()
        # Raw mode on the slave: no echo of the board's output back to it, no line editing.
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self._slave)
        self.baud = baud
        rate = baud / 10.0 if baud else None
        self.tx_bucket = TokenBucket(rate)
        self.rx_bucket = TokenBucket(rate)
        if tx_queue_bytes is None:
            tx_queue_bytes = max(4096, int(rate * TX_QUEUE_SECONDS)) if rate else TX_QUEUE_BYTES
        self.tx_queue_bytes = tx_queue_bytes
        self._out = bytearray()
        self.bytes_out = 0
        self.bytes_in = 0
        self.dropped_frames = 0
        self.closed = False

    def fileno(self) -> int:
        return self.master

    # ----------------------------------------------------------------- output
    def queue(self, data: bytes, droppable: bool = False) -> bool:
        """Queue one encoded frame; a droppable frame is dropped when the queue is full."""
        if droppable and len(self._out) + len(data) > self.tx_queue_bytes:
            self.dropped_frames += 1
            return False
        self._out += data
        return True

    @property
    def pending(self) -> int:
        return len(self._out)

    def flush(self) -> None:
        """Write as much of the queue as the throttle and the pty accept, without blocking."""
        while self._out and not self.closed:
            n = min(len(self._out), self.tx_bucket.available(), 1 << 16)
            if n <= 0:
                return
            try:
                written = os.write(self.master, self._out[:n])
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EAGAIN):
                    return
                raise
            self.tx_bucket.consume(written)
            self.bytes_out += written
            del self._out[:written]

    def write_all(self, data: bytes, timeout: float = 5.0) -> None:
        """Queue and push ``data`` out now (used at boot and shutdown)."""
        self.queue(data)
        deadline = time.monotonic() + timeout
        while self._out and time.monotonic() < deadline and not self.closed:
            self.flush()
            if self._out:
                self.wait(0.005)

    # ------------------------------------------------------------------ input
    def read(self) -> bytes:
        """Whatever the host sent that the link has delivered by now (b"" if nothing)."""
        if self.closed:
            return b""
        n = min(self.rx_bucket.available(), 1 << 16)
        if n <= 0:
            return b""
        try:
            data = os.read(self.master, n)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # no host side open: nothing to read
                return b""
            raise
        self.rx_bucket.consume(len(data))
        self.bytes_in += len(data)
        return data

    # ------------------------------------------------------------------- wait
    def wait(self, timeout: float) -> None:
        """Sleep until input arrives, the output can move, or ``timeout`` passes."""
        if self.closed:
            time.sleep(timeout)
            return
        rlist = [self.master] if self.rx_bucket.available() > 0 else []
        wlist = []
        if self._out:
            wait_tokens = self.tx_bucket.wait_for(len(self._out))
            if wait_tokens > 0:
                timeout = min(timeout, wait_tokens)
            else:
                wlist = [self.master]
        elif self.rx_bucket.rate is not None and not rlist:
            timeout = min(timeout, self.rx_bucket.wait_for(64))
        try:
            select.select(rlist, wlist, [], max(0.0, timeout))
        except (OSError, ValueError):
            time.sleep(timeout)

    def close(self) -> None:
        """Close both ends: the host sees the port vanish, as on an unplug."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
