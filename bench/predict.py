"""Start-up and latency of the command line, and the size of an install: run by hand, paste the tables into
bench/README.md.

    python bench/predict.py            # start-up and latency
    python bench/predict.py --sizes    # fresh venvs: prediction only, with the server, the README's full install
    python bench/predict.py --throughput [N]   # `vgr predict FOLDER -w 1` on N 16 kHz speechocean762 files
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "vgr" / "examples"
RUNS = 7
INSTALLS = {  # what `pip install` is given, from the repository root
    "prediction only": ["."],
    "with the web server": [".[serve]"],
    "the README's full install": ["torch==2.13.0", ".[train,test,dask,serve,browser]"],
}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of a fresh process: CPU time holds up on a busy machine."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def install_size(requirements: list[str]) -> tuple[float, list[tuple[str, float]], bool]:
    """site-packages of a fresh venv with ``requirements``: MB, the largest packages, and whether torch is there.

    Also runs ``vgr predict`` on the two examples in it, so a size is only reported for an install that works.
    """
    with tempfile.TemporaryDirectory(prefix="vgr-venv-") as folder:
        python = Path(folder) / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *requirements], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([Path(folder) / "bin" / "vgr", "predict", EXAMPLES / "female.flac", EXAMPLES / "male.flac",
                        "-f", "csv"], check=True, capture_output=True, cwd=folder)
        site = next(Path(folder).glob("lib/python*/site-packages"))
        packages = sorted(((entry.name, megabytes(entry)) for entry in site.iterdir()
                           if entry.is_dir() and not entry.name.endswith((".dist-info", "__pycache__"))),
                          key=lambda item: -item[1])
        return megabytes(site), packages[:4], (site / "torch").exists()


def sizes() -> None:
    print("| install | `pip install` | site-packages MB | torch | largest |")
    print("|---|---|---|---|---|")
    for name, requirements in INSTALLS.items():
        total, largest, torch = install_size(requirements)
        words = " ".join(f'"{r}"' if "[" in r or "=" in r else r for r in requirements)
        top = ", ".join(f"{package} {size:.0f}" for package, size in largest)
        print(f"| {name} | `{words}` | {total:.0f} | {'yes' if torch else 'no'} | {top} |")
    print(f"\nfresh venvs, python {sys.version.split()[0]}, {os.uname().machine}; each one ran `vgr predict` on the examples")


def throughput(files: int) -> None:
    """Seconds of audio per second of one core: `vgr predict FOLDER -w 1` (features and voiceprint) on 16 kHz speech."""
    import soundfile

    source = REPO.parent / "shared" / "audio" / "speakers" / "speechocean762"
    chosen = sorted(source.rglob("*.flac"))[:files]
    audio = sum(min(soundfile.info(str(path)).duration, 20.0) for path in chosen)  # only the first 20 s are read
    with tempfile.TemporaryDirectory() as folder:
        for index, path in enumerate(chosen):
            (Path(folder) / f"{index:04d}.flac").symlink_to(path)
        wall, cpu = timed([sys.executable, "-m", "vgr", "predict", folder, "-w", "1", "-f", "csv", "-o",
                           str(Path(folder) / "out.csv")])
        rows = (Path(folder) / "out.csv").read_text().splitlines()
    assert len(rows) == files + 1 and all(row.split(",")[-1] == "ok" for row in rows[1:]), rows[:3]
    print("| files | seconds of audio | wall s (one process) | CPU s | × real time per core (CPU) |")
    print("|---|---|---|---|---|")
    print(f"| {files} | {audio:.0f} | {wall:.1f} | {cpu:.1f} | {audio / cpu:.0f}× |")
    print(f"\n`vgr predict FOLDER -w 1 -f csv` with the bundled model (voiceprint head included), 16 kHz speechocean762 "
          f"files, python {sys.version.split()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", action="store_true", help="Installed size of fresh venvs instead of timings.")
    parser.add_argument("--throughput", type=int, nargs="?", const=200, default=None,
                        help="Folder throughput on N files (default 200) instead of start-up timings.")
    args = parser.parse_args()
    if args.sizes:
        sizes()
        return
    if args.throughput:
        throughput(args.throughput)
        return
    vgr = [sys.executable, "-m", "vgr"]
    cases = {
        "vgr --help": vgr + ["--help"],
        "vgr predict male.flac (4.8 s of audio)": vgr + ["predict", str(EXAMPLES / "male.flac")],
        "vgr predict female.flac male.flac --format json": vgr + ["predict", str(EXAMPLES / "female.flac"),
                                                                 str(EXAMPLES / "male.flac"), "--format", "json"],
    }
    print("| command | median wall s | min wall s | max wall s | median CPU s |")
    print("|---|---|---|---|---|")
    for name, command in cases.items():
        walls, cpus = zip(*(timed(command) for _ in range(RUNS)))
        print(f"| `{name}` | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} | "
              f"{statistics.median(cpus):.2f} |")
    print(f"\n{RUNS} runs each, a fresh process each time, python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores when done")


if __name__ == "__main__":
    main()
