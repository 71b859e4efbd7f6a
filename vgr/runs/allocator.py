"""Undoing the malloc setting that Dask's nanny gives its workers, which doubles extraction time.

The nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``. That also pins glibc's mmap threshold at
128 kB, so every array of the extractor above that size is mmapped and unmapped again, and the page
faults cost about as much CPU time as the analysis itself (``python bench/allocator.py`` measures both on the
shared audio).
Fixing the thresholds at the values glibc's own dynamic tuning reaches brings the speed back with the same
peak memory.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc sets alongside a raised mmap threshold


@functools.cache
def restore_malloc_thresholds() -> bool:
    """Once per process: large mmap and trim thresholds; False where there is no glibc ``mallopt``."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
