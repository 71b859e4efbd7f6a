"""Start-up and latency of the command line: run by hand, paste the table into bench/README.md.

    python bench/predict.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "vgr" / "examples"
RUNS = 7


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    vgr = [sys.executable, "-m", "vgr"]
    cases = {
        "vgr --help": vgr + ["--help"],
        "vgr predict male.flac (4.8 s of audio)": vgr + ["predict", str(EXAMPLES / "male.flac")],
        "vgr predict female.flac male.flac --format json": vgr + ["predict", str(EXAMPLES / "female.flac"),
                                                                 str(EXAMPLES / "male.flac"), "--format", "json"],
    }
    print("| command | median s | min s | max s |")
    print("|---|---|---|---|")
    for name, command in cases.items():
        times = [timed(command) for _ in range(RUNS)]
        print(f"| `{name}` | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} |")
    print(f"\n{RUNS} runs each, wall-clock time of a fresh process, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
