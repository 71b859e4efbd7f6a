"""`vgr segment` on mixtures with known answers: right-sex speech time, boundary error, speed, memory.

    python bench/segment.py [--mixtures DIR] [--hour]

Builds the mixtures with ``bench/make_mixtures.py`` (evaluation-only speakers, seed 0, 4 per corpus, 60 s each)
unless ``--mixtures`` names a folder of them, segments each with the bundled model and default settings, and
prints a markdown table per corpus:

- **right sex**: the share of true speech time (the turns of ``truth.csv``) labelled with the speaker's sex;
  **labelled speech: right sex**: the same share of the turn time that got a label at all;
- **unlabelled**: the share of turn time given no label (the pauses inside a speaker's sentences, which the
  turns include, and missed speech); **false alarm**: seconds labelled outside any turn (over silences, tones
  and hiss);
- **boundary error**: for each true turn start and end, the distance to the nearest segment start or end;
  the median (and the 90th percentile) over all of them;
- **x real time**: audio seconds per CPU second of ``segment_file`` in a warm process (one core).

``--hour`` also writes a one-hour 16 kHz WAV (a mixture repeated) and reports the peak RSS of a fresh
``vgr segment`` process on it, against one on a single mixture: streaming keeps them close.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STEP = 0.01


def truth_table(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    table = defaultdict(list)
    with open(path, newline="") as stream:
        for row in csv.DictReader(stream):
            table[row["file"]].append((float(row["start"]), float(row["end"]), row["label"]))
    return table


def grid(segments, seconds: float) -> np.ndarray:
    """0 none, 1 female, 2 male for each 10 ms."""
    labels = np.zeros(int(np.ceil(seconds / STEP)) + 1, dtype=np.int8)
    for start, end, label in segments:
        labels[int(round(start / STEP)) : int(round(end / STEP))] = 1 if label == "female" else 2
    return labels


def score(truth, predicted, seconds: float) -> dict[str, object]:
    true, said = grid(truth, seconds), grid(predicted, seconds)
    speech = true > 0
    edges = np.array([t for s in predicted for t in s[:2]]) if predicted else np.array([np.inf])
    errors = [float(np.min(np.abs(edges - t))) for s in truth for t in s[:2]]
    return {"speech": speech.sum() * STEP, "right": (speech & (said == true)).sum() * STEP,
            "missed": (speech & (said == 0)).sum() * STEP, "false_alarm": (~speech & (said > 0)).sum() * STEP,
            "errors": errors}


def peak_rss(path: Path) -> float:
    """Peak RSS (MB) of a fresh ``vgr segment`` process on ``path``."""
    code = ("import resource, sys; from vgr.cli import main; sys.argv = ['vgr', 'segment', sys.argv[1], '-f', 'csv'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(done.stderr.strip().splitlines()[-1])


def main(argv=None) -> int:
    import soundfile

    from vgr.predict import load_model
    from vgr.segment import Settings, segment_file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixtures", type=Path)
    parser.add_argument("--hour", action="store_true")
    parser.add_argument("--window", type=float, default=Settings.window)
    parser.add_argument("--hop", type=float, default=Settings.hop)
    parser.add_argument("--median", type=int, default=Settings.median)
    args = parser.parse_args(argv)
    temporary = tempfile.TemporaryDirectory()
    folder = args.mixtures
    if folder is None:
        folder = Path(temporary.name) / "mixtures"
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_mixtures.py"), str(folder)], check=True)
    truth = truth_table(folder / "truth.csv")
    model = load_model()
    settings = Settings(window=args.window, hop=args.hop, median=args.median)
    segment_file(folder / sorted(truth)[0], model)  # warm-up: imports and weights
    totals = defaultdict(lambda: defaultdict(float))
    errors = defaultdict(list)
    for name in sorted(truth):
        corpus = name.rsplit("_", 1)[0]
        started = time.process_time()
        result = segment_file(folder / name, model, settings)
        cpu = time.process_time() - started
        scored = score(truth[name], [(s.start, s.end, s.label) for s in result.segments], result.seconds)
        for key in ("all", corpus):
            for field in ("speech", "right", "missed", "false_alarm"):
                totals[key][field] += scored[field]
            totals[key]["audio"] += result.seconds
            totals[key]["cpu"] += cpu
            totals[key]["files"] += 1
            errors[key] += scored["errors"]
    print(f"window {settings.window} s, hop {settings.hop} s, median of {settings.median}\n")
    print("| mixtures | files | audio min | right sex | labelled speech: right sex | unlabelled | false alarm s "
          "| boundary error median (p90) s | x real time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in [k for k in sorted(totals) if k != "all"] + ["all"]:
        t = totals[key]
        median, p90 = np.median(errors[key]), np.percentile(errors[key], 90)
        print(f"| {'**all**' if key == 'all' else key} | {int(t['files'])} | {t['audio'] / 60:.1f} | "
              f"{t['right'] / t['speech']:.1%} | {t['right'] / (t['speech'] - t['missed']):.1%} | "
              f"{t['missed'] / t['speech']:.1%} | {t['false_alarm']:.1f} | "
              f"{median:.2f} ({p90:.2f}) | {t['audio'] / t['cpu']:.0f}x |")
    if args.hour:
        first = folder / sorted(truth)[0]
        samples, rate = soundfile.read(first, dtype="int16")
        hour = Path(temporary.name) / "hour.wav"
        with soundfile.SoundFile(hour, "w", rate, 1, "PCM_16") as sink:
            written = 0
            while written < 3600 * rate:
                piece = samples[: 3600 * rate - written]
                sink.write(piece)
                written += piece.size
        started = time.perf_counter()
        hour_rss = peak_rss(hour)
        wall = time.perf_counter() - started
        print(f"\n| process | audio | peak RSS | wall s |\n|---|---|---|---|\n"
              f"| fresh `vgr segment` | one 60 s mixture | {peak_rss(first):.0f} MB | |\n"
              f"| fresh `vgr segment` | one hour (16 kHz WAV) | {hour_rss:.0f} MB | {wall:.0f} |")
    temporary.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
