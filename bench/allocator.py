"""What Dask's malloc setting costs the extractor, and what vgr.runs.allocator gives back (run by hand).

    python bench/allocator.py

Analyses every shared recording (../shared/audio/{real,librispeech-test-other,variants}) in a fresh process
started with ``MALLOC_TRIM_THRESHOLD_=65536``, as Dask's nanny starts its workers, once as is and once after
``vgr.runs.allocator.restore_malloc_thresholds()``, then once without the variable; prints the CPU time (user +
system) and the minor page faults of each. The figures quoted in vgr/runs/allocator.py come from here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CHILD = """
import json, resource, sys
from pathlib import Path
from vgr.runs.allocator import restore_malloc_thresholds
from vgr.errors import AudioError
from vgr.features import extract_features
if sys.argv[1] == "restore":
    restore_malloc_thresholds()
files = sorted(p for corpus in ("real", "librispeech-test-other", "variants")
               for p in (Path(sys.argv[2]) / "audio" / corpus).rglob("*") if p.suffix in (".wav", ".flac"))
before = resource.getrusage(resource.RUSAGE_SELF)
for path in files:
    try:
        extract_features(path)
    except AudioError:
        pass
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"files": len(files), "user": after.ru_utime - before.ru_utime, "system": after.ru_stime - before.ru_stime,
                  "minor_faults": after.ru_minflt - before.ru_minflt}))
"""


def run(mode: str, trim: bool) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")}
    if trim:
        env["MALLOC_TRIM_THRESHOLD_"] = "65536"
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(SHARED)], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def main() -> None:
    print("| process | files | user s | system s | CPU s | minor page faults |")
    print("|---|---|---|---|---|---|")
    for name, mode, trim in (("MALLOC_TRIM_THRESHOLD_=65536 (Dask nanny)", "as-is", True),
                             ("same, then vgr.runs.allocator.restore_malloc_thresholds()", "restore", True),
                             ("no MALLOC_ variable", "as-is", False)):
        got = run(mode, trim)
        print(f"| {name} | {got['files']} | {got['user']:.1f} | {got['system']:.1f} | "
              f"{got['user'] + got['system']:.1f} | {got['minor_faults']:,} |", flush=True)


if __name__ == "__main__":
    main()
