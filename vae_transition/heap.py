"""Keep freed memory for reuse instead of handing it back to the kernel after every frame.

A morph frame at 1280x768 is built from a few dozen float32 arrays of 4-12 MB each. glibc's
malloc gives blocks that large their own mapping, returns it to the kernel when it is freed and
maps fresh pages for the next one, and every page then faults in zeroed on first touch: a
24-frame transition took about 60,000 page faults and as much system CPU time as its
arithmetic (0.8-1.6 s against 1.8 s of user time, in one process on 2 cores). With the
thresholds below the freed blocks stay in the heap and the next frame reuses them: 1,000-7,000
faults, 0.05-0.2 s of system time, the frames 1.5x sooner, a whole join 0.81-0.85x of its
wall time (medians of five, in turn; docs/speed.md). The price is peak memory, what the heap
keeps: 1280x768 joins 545 -> 590 MB, 3840x2160 1.9 -> 2.3 GB (a 4K frame's 100 MB arrays are
still mapped on their own; a 64 MB trim threshold and no top pad kept 2.0 GB but made the
transition 1.1x slower again, in three runs each in turn).

Only the processes this package starts change their allocator (the CLI, batch workers): a host
that imports the library (an editor, ComfyUI) keeps its own settings.
"""

from __future__ import annotations

import ctypes
import sys

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3

MMAP_THRESHOLD = 32 << 20   # blocks up to this size come from the heap: glibc's ceiling for
                            # it on 64-bit, above a 1280x768 frame's largest array (12 MB)
TRIM_THRESHOLD = 256 << 20  # free memory at the heap's top kept, not returned, up to this
TOP_PAD = 64 << 20          # the heap grows by this much more than asked, in one call


def keep_freed_memory() -> bool:
    """Set the thresholds above for this process; True if the C library took them (glibc on
    Linux), False elsewhere, where nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter already uses
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                (M_TOP_PAD, TOP_PAD))
    return all(mallopt(param, value) == 1 for param, value in settings)
