"""Silence C++ and Python chatter of TensorFlow and TFLM for the length of a block.

The converter prints "Saved artifact ..." on stdout and TFLM prints allocation failures
on stderr while the arena is being bisected; ``--json`` output must stay one clean JSON
object, so both file descriptors are pointed at /dev/null and restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

_lock = threading.RLock()  # re-entrant: a quiet block may call another


@contextlib.contextmanager
def quiet():
    with _lock:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        saved = []
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            yield
            return
        try:
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                    os.dup2(devnull, fd)
                except OSError:
                    pass
            with contextlib.redirect_stdout(open(os.devnull, "w")) as out:  # noqa: SIM115
                try:
                    yield
                finally:
                    out.close()
        finally:
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)
            os.close(devnull)


@contextlib.contextmanager
def native_stderr_off(active: bool = True):
    """For ``--quiet`` runs: TensorFlow's C++ log lines ("E0000 ... tfg_optimizer ...",
    oneDNN notices) are written straight to file descriptor 2 from threads Python does not
    see, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. The descriptor points at /dev/null for
    the block; the command's own one-line error is printed after it, on the real stderr."""
    if not active:
        yield
        return
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(2)
    except OSError:
        yield
        return
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
