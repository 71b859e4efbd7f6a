"""The malloc thresholds that undo Dask's nanny setting are applied once, where glibc is there."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_thresholds_are_set_in_a_process_started_like_a_dask_worker():
    code = "from vgr.runs.allocator import restore_malloc_thresholds as r; print(r(), r(), r.cache_info().misses)"
    env = {"MALLOC_TRIM_THRESHOLD_": "65536", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout == "True True 1\n"
