"""Does the speech detector hear short words played quietly? Trainable speakers only.

    python bench/quiet_words.py [--files 60] [--seed 11]

Draws ``--files`` trainable recordings (speechocean762), takes from each one of its short words
(``make_mixtures.word_runs``: 0.3-1 s that the energy detector finds between pauses; recordings without one are
skipped), and plays it alone between 2 s of
-70 dBFS hiss, 0 to 40 dB down. For each level: the share of words that the energy detector finds, that
silero-vad (``get_speech_timestamps`` rules) finds as they are, and that it finds once the word is raised so that
its loud frames (95th percentile of 20 ms levels) sit at ``vgr.segment.detect.SPEECH_LEVEL_DB``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RATE = 16000
DOWN_DB = (0, 10, 20, 30, 40)


def main(argv=None) -> int:
    import make_mixtures
    import vad

    from vgr.segment import detect, silero

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    with open(make_mixtures.SHARED / "labels.csv", newline="") as stream:
        rows = [row for row in csv.DictReader(stream) if row["trainable"].strip().lower() == "yes"]
    found = {down: [] for down in DOWN_DB}
    for row in rng.choice(rows, args.files, replace=False):
        samples = make_mixtures.trim(make_mixtures.load(make_mixtures.SHARED / row["file"]))
        frame = make_mixtures.WORD_FRAME
        levels = make_mixtures.levels(samples, frame)
        words = make_mixtures.word_runs(levels)
        if not words:
            continue
        a, b = words[rng.integers(len(words))]
        word, loud = samples[a * frame : b * frame], float(np.percentile(levels[a:b], 95))
        for down in DOWN_DB:
            played = np.concatenate([np.zeros(2 * RATE), word * 10 ** (-down / 20), np.zeros(2 * RATE)])
            played += rng.normal(0, 10 ** (-70 / 20), played.size)
            raised = np.clip(played * 10 ** (max(0.0, detect.SPEECH_LEVEL_DB - (loud - down)) / 20), -1, 1)
            found[down].append((bool(vad.energy(played)), bool(silero.speech_regions(silero.probabilities(played))),
                                bool(silero.speech_regions(silero.probabilities(raised)))))
    print(f"| played dB down | words | energy detector | silero-vad | silero-vad, raised to {detect.SPEECH_LEVEL_DB:g} dBFS |")
    print("|---|---|---|---|---|")
    for down, each in found.items():
        share = np.mean(np.array(each, dtype=float), axis=0)
        print(f"| {down} | {len(each)} | {share[0]:.0%} | {share[1]:.0%} | {share[2]:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
