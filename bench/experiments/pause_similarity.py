"""Experiment for issue 17: across a pause between two stretches of speech, do the voiceprints either side tell a
pause inside one speaker's turn from a gap between two turns of the same sex? Trainable and development speakers
only.

    python bench/make_mixtures.py /tmp/v17/c6/dev_pauses --dev --per-corpus 10 --seed 5   # and the other sets
    python bench/experiments/pause_similarity.py /tmp/v17/c6/dev_pauses /tmp/v17/c6/short_words ...

For each two consecutive regions of speech that ``vgr segment`` finds less than 3 s apart, each lying inside a
true turn of speakers of one sex, the cosine of the voiceprint embeddings of the last window before the pause and
the first after it, split by whether the two lie in the same turn (a pause the true turn counts as speech) or in
two turns (a gap that is no one's speech). Prints, for a few thresholds, the share of each kind at or above it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def pairs(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cosine, same turn, pause seconds) of each same-sex pause under 3 s in the mixtures of ``folder``."""
    from segment import truth_table

    from vgr.segment.core import judge_file

    truth = truth_table(folder / "truth.csv")
    cosines, same, pauses = [], [], []
    for name in sorted(truth):
        verdicts = judge_file(folder / name)

        def turn(at: float) -> int | None:
            return next((k for k, (start, end, _) in enumerate(truth[name]) if start <= at < end), None)

        last = {}  # region index -> its last window; first: its first
        first = {}
        for k, (a, b, region) in enumerate(verdicts.windows):
            first.setdefault(region, k)
            last[region] = k
        wanted = []
        for region in range(len(verdicts.regions) - 1):
            if region not in last or region + 1 not in first:
                continue
            pause = verdicts.regions[region + 1][0] - verdicts.regions[region][1]
            before, after = verdicts.windows[last[region]], verdicts.windows[first[region + 1]]
            one, two = turn((before[0] + before[1]) / 2), turn((after[0] + after[1]) / 2)
            if pause >= 3 or one is None or two is None or truth[name][one][2] != truth[name][two][2]:
                continue
            wanted.append((last[region], first[region + 1], one == two, pause))
        for i, j, inside, pause in wanted:
            cosines.append(float(verdicts.embeddings[i] @ verdicts.embeddings[j]))
            same.append(inside)
            pauses.append(pause)
    return np.array(cosines), np.array(same, dtype=bool), np.array(pauses)


def main(folders: list[Path]) -> None:
    print("| set | pauses inside a turn | gaps between turns of one sex | "
          + " | ".join(f"cos >= {t:g}: inside / between" for t in (0.5, 0.6, 0.7, 0.8)) + " |")
    print("|---|---|---|" + "---|" * 4)
    for folder in folders:
        cosines, same, _ = pairs(folder)
        shares = [f"{np.mean(cosines[same] >= t):.0%} / {np.mean(cosines[~same] >= t):.0%}" for t in (0.5, 0.6, 0.7, 0.8)]
        print(f"| {folder.name} | {same.sum()} | {(~same).sum()} | {' | '.join(shares)} |", flush=True)


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]])
