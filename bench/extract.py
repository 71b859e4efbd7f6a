"""Extraction throughput and memory: run by hand, paste the table into bench/README.md.

    python bench/extract.py            # all shared audio, 1 and 2 workers, 1-hour file memory

Throughput is seconds of audio analysed per CPU-second (single process) and per wall-second
per worker (parallel). The first 20 s of a file are analysed, so long files count 20 s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = ("real", "librispeech-test-other", "variants")


def jobs_of(folders):
    from vgr.discovery import discover

    return discover([SHARED / "audio" / f for f in folders])


def single_process(jobs) -> tuple[float, float]:
    from vgr.batch import analyse

    analyse(jobs[0])  # warm imports and FFT plans
    started = time.process_time()
    seconds = sum(analyse(job).seconds for job in jobs)
    return seconds, time.process_time() - started


def parallel(jobs, workers: int) -> tuple[float, float]:
    from vgr.batch import run

    started = time.perf_counter()
    seconds = sum(result.seconds for result in run(jobs, workers))
    return seconds, time.perf_counter() - started


def one_hour_peak_rss_mb(folder: Path) -> float:
    """Peak resident memory of a fresh process extracting a generated one-hour 16 kHz file."""
    path = folder / "one_hour.wav"
    rate = 16000
    rng = np.random.default_rng(0)
    with soundfile.SoundFile(str(path), "w", rate, 1, "PCM_16") as sound:
        for _ in range(60):  # one minute at a time: the generator itself stays small
            t = np.arange(60 * rate) / rate
            sound.write(0.3 * np.sin(2 * np.pi * 150 * t) + 0.01 * rng.standard_normal(t.size))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent across exec.
    code = (
        "import vgr.features as f; f.extract_features(%r); "
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])" % str(path)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    rows = []
    speech16k = jobs_of(["librispeech-test-other", "real"])
    everything = jobs_of(CORPORA)
    for name, jobs in (("16 kHz speech (librispeech-test-other + real)", speech16k), ("all shared audio", everything)):
        audio, cpu = single_process(jobs)
        rows.append((name, len(jobs), "1 process", f"{audio:.0f}", f"{cpu:.2f} CPU s", f"{audio / cpu:.0f}x"))
        for workers in (1, 2):
            audio, wall = parallel(jobs, workers)
            rows.append((name, len(jobs), f"--workers {workers}", f"{audio:.0f}", f"{wall:.2f} wall s",
                         f"{audio / wall:.0f}x ({audio / wall / workers:.0f}x per worker)"))
    with tempfile.TemporaryDirectory() as folder:
        peak = one_hour_peak_rss_mb(Path(folder))
    print("| audio | files | mode | audio s | time | real-time factor |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
    print(f"\nPeak RSS of one process extracting a one-hour 16 kHz WAV: {peak:.0f} MB")
    print(f"(measured {time.strftime('%Y-%m-%d')}, python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
