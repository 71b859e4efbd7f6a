"""Extraction throughput and memory: run by hand, paste the tables into bench/README.md.

    python bench/extract.py            # needs vgr[dask] for the Dask rows

Throughput: seconds of audio analysed per CPU-second (one warm process), and the wall time of the whole
``vgr extract`` command (Python start-up, imports, pool or cluster hand-over, CSV writing) with
``--workers 1``, ``--workers 2`` and ``--scheduler`` on a Dask local cluster of 2 single-threaded worker
processes (started before the clock, as an existing cluster would be). Median of 3 runs. The first 20 s of a
file are analysed, so long files count 20 s. Every mode's CSV is checked to be byte-identical to ``--workers 1``.

Memory: peak resident memory (VmHWM) of one process or worker, including a generated one-hour 16 kHz WAV.

    python bench/extract.py --worst-case   # only the per-file memory bound on hostile files (issue 18)

Worst case: small files that decode into many samples (8 channels, the highest sample rates, 20 s), each
measured in a fresh process: the issue's 113 kB FLAC at 655,350 Hz (refused before decoding) and the worst
file that is analysed, 8 channels at 192 kHz with an excerpt of prime length (Bluestein's FFT).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's vgr, here and in the Dask workers spawned from here
SHARED = ROOT.parent / "shared"
CORPORA = ("real", "librispeech-test-other", "variants", "speakers")
OLDER = CORPORA[:3]  # the 234 files of the first benches; speakers/ adds 1,105 short files, tie-heavy
REPEATS = 3
PEAK = "[int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0] / 1024"


def folders(corpora: tuple[str, ...] = CORPORA) -> list[str]:
    return [str(SHARED / "audio" / corpus) for corpus in corpora]


def single_process(inputs) -> tuple[int, float, float]:
    from vgr.runs.batch import analyse
    from vgr.runs.discovery import discover

    jobs = discover(inputs)
    analyse(jobs[0])  # warm imports and FFT plans
    started = time.process_time()
    seconds = sum(analyse(job).seconds for job in jobs)
    return len(jobs), seconds, time.process_time() - started


def command(inputs, output: Path, *options: str) -> float:
    """Median wall seconds of ``vgr extract INPUTS -o OUTPUT OPTIONS`` in a fresh interpreter."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vgr", "extract", *inputs, "-o", str(output), "--force", *options],
                       check=True, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def write_one_hour(path: Path) -> Path:
    rate = 16000
    rng = np.random.default_rng(0)
    with soundfile.SoundFile(str(path), "w", rate, 1, "PCM_16") as sound:
        for _ in range(60):  # one minute at a time: the generator itself stays small
            t = np.arange(60 * rate) / rate
            sound.write(0.3 * np.sin(2 * np.pi * 150 * t) + 0.01 * rng.standard_normal(t.size))
    return path


def write_prime_length(path: Path) -> Path:
    """The worst case for memory: a full 20 s excerpt at 48 kHz whose length is prime (Bluestein's FFT)."""
    rng = np.random.default_rng(0)
    samples = 0.3 * np.sin(2 * np.pi * 150 * np.arange(959_969) / 48000) + 0.01 * rng.standard_normal(959_969)
    soundfile.write(str(path), samples, 48000, "PCM_16")
    return path


def write_all_ties(path: Path) -> Path:
    """The worst case for the tie-breaker: 20 s at 48 kHz where every dominant-track frame is a tie (FFTW on all)."""
    samples = np.zeros(960_000)
    samples[1000::2048] = 0.9  # one sample per frame survives the 5 % gate: a flat spectrum
    samples[1000::4096] = -0.9
    soundfile.write(str(path), samples, 48000, "PCM_16")
    return path


def fresh_process_peak_mb(path: Path) -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent across exec.
    code = (f"import vgr.features as f, vgr.errors as e\ntry: f.extract_features({str(path)!r})\n"
            f"except e.AudioError: pass\nprint({PEAK})")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def pool_worker_peak_mb(inputs) -> float:
    """The largest VmHWM among the ``--workers 2`` pool processes over ``inputs`` (measured inside each)."""
    code = (
        "import sys, vgr.runs.batch as b\n"
        "from vgr.runs.discovery import discover\n"
        "analyse = b.analyse\n"
        "def peak(job, *options):\n"
        "    analyse(job, *options)\n"
        f"    return {PEAK}\n"
        "b.analyse = peak\n"
        f"print(max(b.run(discover({list(map(str, inputs))!r}), 2)))\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT).stdout)


def write_wide(path: Path, rate: int, frames: int, channels: int = 8, silent: bool = False) -> Path:
    """A voice-like tone in the left channel (or silence), zeros in the others; FLAC, written 1 s at a time."""
    rng = np.random.default_rng(0)
    with soundfile.SoundFile(str(path), "w", rate, channels, "PCM_16", format="FLAC") as sound:
        for start in range(0, frames, rate):
            block = np.zeros((min(rate, frames - start), channels))
            if not silent:
                t = (start + np.arange(len(block))) / rate
                block[:, 0] = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(len(block))
            sound.write(block)
    return path


def largest_prime_below(n: int) -> int:
    candidate = n - 1
    while any(candidate % d == 0 for d in range(2, int(candidate**0.5) + 1)):
        candidate -= 1
    return candidate


def fresh_process_outcome(path: Path) -> tuple[float, str]:
    """(peak MB, "analysed" or the refusal) of ``extract_features`` on ``path`` in a fresh interpreter."""
    code = ("import vgr.features as f\ntry:\n    f.extract_features(%r); outcome = 'analysed'\n"
            "except Exception as error:\n    outcome = 'refused: ' + error.reason\nprint(%s); print(outcome)" % (str(path), PEAK))
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    return float(lines[0]), lines[1]


def worst_case() -> None:
    from vgr.features.audio import MAX_SAMPLE_RATE

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        cases = [
            ("baseline: `import vgr.features`, a 1 s 16 kHz mono WAV", write_wide(folder / "small.flac", 16000, 16000, 1)),
            ("the issue's file: 8 channels, 655,350 Hz, 20 s of silence (FLAC)",
             write_wide(folder / "issue.flac", 655_350, 20 * 655_350, silent=True)),
            (f"8 channels, {MAX_SAMPLE_RATE:,} Hz, 20 s (FLAC)", write_wide(folder / "top.flac", MAX_SAMPLE_RATE, 20 * MAX_SAMPLE_RATE)),
            (f"8 channels, {MAX_SAMPLE_RATE:,} Hz, prime length {largest_prime_below(20 * MAX_SAMPLE_RATE):,} (FLAC)",
             write_wide(folder / "prime.flac", MAX_SAMPLE_RATE, largest_prime_below(20 * MAX_SAMPLE_RATE))),
        ]
        print("| file | size | outcome | peak RSS (fresh process) |")
        print("|---|---|---|---|")
        for name, path in cases:
            peak, outcome = fresh_process_outcome(path)
            print(f"| {name} | {path.stat().st_size / 1e3:,.0f} kB | {outcome} | {peak:.0f} MB |")
    print(f"\n(measured {time.strftime('%Y-%m-%d')}, python {sys.version.split()[0]}, `python bench/extract.py --worst-case`)")


def dask_worker_peak_mb(client) -> float:
    return max(client.run(lambda: eval(PEAK)).values())


def main() -> None:
    if "--worst-case" in sys.argv[1:]:
        return worst_case()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        one_hour = write_one_hour(folder / "one_hour.wav")
        prime = write_prime_length(folder / "prime_length.wav")
        workloads = [("the 3 older corpora", folders(OLDER)), ("all shared audio (4 corpora)", folders())]
        base = {}
        for name, inputs in workloads:  # local rows first: an idle Dask cluster in this process costs CPU
            files, audio, cpu = single_process(inputs)
            rows.append((name, files, audio, "1 warm process (CPU time)", cpu))
            base[name] = command(inputs, folder / f"{files}.csv", "-w", "1")
            rows.append((name, files, audio, "`vgr extract --workers 1`", base[name]))
            rows.append((name, files, audio, "`vgr extract --workers 2`", command(inputs, folder / "w2.csv", "-w", "2")))
            assert (folder / "w2.csv").read_bytes() == (folder / f"{files}.csv").read_bytes()
        memory = [
            ("fresh process, `extract_features` on the one-hour WAV", fresh_process_peak_mb(one_hour)),
            ("fresh process, `extract_features` on 20 s at 48 kHz of prime length (959,969 samples)",
             fresh_process_peak_mb(prime)),
            ("fresh process, `extract_features` on 20 s at 48 kHz where every frame is a dominant-track tie",
             fresh_process_peak_mb(write_all_ties(folder / "all_ties.wav"))),
            ("largest `--workers 2` pool process: shared audio + the one-hour WAV 4x + the prime length",
             pool_worker_peak_mb([*[one_hour] * 4, prime, *folders()])),
        ]
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            for name, inputs in workloads:
                files = rows[[r[0] for r in rows].index(name)][1]
                wall = command(inputs, folder / "dask.csv", "--scheduler", cluster.scheduler_address)
                assert (folder / "dask.csv").read_bytes() == (folder / f"{files}.csv").read_bytes()
                rows.append((name, files, rows[[r[0] for r in rows].index(name)][2],
                             "`vgr extract --scheduler` (Dask local cluster, 2 single-threaded workers)", wall))
            command([str(one_hour), str(prime), *folders()], folder / "dask.csv", "--scheduler", cluster.scheduler_address)
            memory.append(("largest Dask worker: all the runs above + the one-hour WAV + the prime length", dask_worker_peak_mb(client)))
    print("| audio | files | mode | audio s | seconds | real-time factor | speed-up vs --workers 1 |")
    print("|---|---|---|---|---|---|---|")
    for name, files, audio, mode, seconds in sorted(rows, key=lambda r: r[0]):
        speed_up = "" if "CPU" in mode else f"{base[name] / seconds:.2f}x"
        print(f"| {name} | {files} | {mode} | {audio:.0f} | {seconds:.2f} | {audio / seconds:.0f}x | {speed_up} |")
    print("\n| process | peak RSS |")
    print("|---|---|")
    for name, megabytes in memory:
        print(f"| {name} | {megabytes:.0f} MB |")
    print(f"\n(measured {time.strftime('%Y-%m-%d')}, python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"median of {REPEATS} runs)")


if __name__ == "__main__":
    main()
