"""The virtual board limits its own process, as a real board's RAM limits its firmware.

Why: models uploaded to the virtual board come from the link, so they are untrusted. They
are validated structurally before TFLM sees them (``validate_upload``), and they run in
the board's process, never the studio's. These limits make that process a sandbox too:
an address-space cap turns a runaway allocation into a MemoryError (answered as
MODEL_INVALID) instead of swapping the machine, and no core file is written if TFLM
crashes (the board then disconnects, as a crashed board would, and the studio says so).
"""

from __future__ import annotations

import contextlib

#: Address space for the whole board process: it reserves ~320 MB at start, so this
#: leaves room for any model a board could hold and none for a runaway one.
BOARD_ADDRESS_SPACE = 3 * 1024**3


def limit_board_process(address_space: int = BOARD_ADDRESS_SPACE) -> dict[str, int]:
    """Lower (never raise) this process' address-space and core-file limits; what is now set."""
    try:
        import resource
    except ImportError:  # not POSIX: no limits to set
        return {}
    out = {}
    for name, lim, value in (("address_space", resource.RLIMIT_AS, address_space),
                             ("core", resource.RLIMIT_CORE, 0)):
        soft, hard = resource.getrlimit(lim)
        want = value if hard == resource.RLIM_INFINITY else min(value, hard)
        if soft == resource.RLIM_INFINITY or soft > want:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(lim, (want, hard))
        out[name] = resource.getrlimit(lim)[0]
    return out
