"""Check of issue 17's test material: how far above its own background noise is each utterance, and what does
``make_mixtures.trim`` keep of it? Every labelled corpus (the scoring corpora too: this reads the material, it
scores nothing).

    python bench/experiments/material_floors.py [--per-corpus 40]

Per corpus, over its first utterances: the median length as recorded and as trimmed (frames within 35 dB of the
peak), the median level of the loudest 20 ms over the quietest tenth (the utterance's own signal-to-noise), and
the share of trimmed frames within 6 dB of that quiet tenth: background noise that a turn built from the trimmed
utterance counts as speech; and the median length once also trimmed to the frames 3 dB above that tenth
(``make_mixtures.py --above-floor 3``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None) -> None:
    from make_mixtures import AUDIO, SHARED, levels, load, trim

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-corpus", type=int, default=40)
    args = parser.parse_args(argv)
    by_corpus: dict[str, list[Path]] = {}
    with open(SHARED / "labels.csv", newline="") as stream:
        for row in csv.DictReader(stream):
            by_corpus.setdefault(row["corpus"], []).append(SHARED / row["file"])
    for folder in ("real", "librispeech-test-other"):
        with open(AUDIO / folder / "labels.csv", newline="") as stream:
            for row in csv.DictReader(stream):
                corpus = row["speaker"].split("_")[0] if folder == "real" else folder
                by_corpus.setdefault(corpus, []).append(AUDIO / folder / row["file"])
    print("| corpus | utterances | length s | trimmed s | peak over quietest tenth dB | trimmed frames within 6 dB of "
          "the quietest tenth | above floor s |\n|---|---|---|---|---|---|---|")
    for corpus in sorted(by_corpus):
        lengths, trimmed, snr, noise, above = [], [], [], [], []
        for path in by_corpus[corpus][: args.per_corpus]:
            samples = load(path)
            level = levels(samples, 320)
            floor = np.percentile(level, 10)
            kept = levels(trim(samples), 320)
            lengths.append(samples.size / 16000)
            trimmed.append(kept.size * 0.02)
            snr.append(level.max() - floor)
            noise.append(np.mean(kept < floor + 6))
            above.append(trim(samples, above_floor_db=3.0).size // 320 * 0.02)
        print(f"| {corpus} | {len(lengths)} | {np.median(lengths):.2f} | {np.median(trimmed):.2f} | "
              f"{np.median(snr):.0f} | {np.mean(noise):.0%} | {np.median(above):.2f} |", flush=True)


if __name__ == "__main__":
    main()
