"""Experiment for issue 17: are `vgr segment`'s errors on the word sets spread over many speakers, or owed to a
few speakers it gets wrong nearly throughout? (Pooling by voice cannot fix the second kind.) Trainable and
development speakers only, each set judged with a head that never heard its speakers.

    python bench/experiments/speaker_errors.py /tmp/v17/c6   # the sets of bench/segment.py --choose

For every speaker of a set: the speech time of their turns and the share of it labelled with the right sex by
`vgr segment` with its defaults; then how the wrong time splits between speakers mostly wrong (under half of
their time right) and the others.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SETS = {"pauses": "--trainable", "words": "--trainable", "short_words": "--trainable",
        "dev_pauses": "--dev", "dev_short_words": "--dev"}


def speaker_times(folder: Path, model) -> dict[str, list[float]]:
    """speaker -> [speech seconds, seconds labelled with the right sex], over the mixtures of ``folder``."""
    from segment import STEP, grid

    from vgr.segment import segment_file

    turns = defaultdict(list)
    with open(folder / "truth.csv", newline="") as stream:
        for row in csv.DictReader(stream):
            turns[row["file"]].append((float(row["start"]), float(row["end"]), row["label"], row["speaker"]))
    times = defaultdict(lambda: [0.0, 0.0])
    for name in sorted(turns):
        result = segment_file(folder / name, model)
        said = grid([(s.start, s.end, s.label) for s in result.segments], result.seconds)
        for start, end, label, speaker in turns[name]:
            cells = said[int(round(start / STEP)):int(round(end / STEP))]
            times[speaker][0] += cells.size * STEP
            times[speaker][1] += np.count_nonzero(cells == (1 if label == "female" else 2)) * STEP
    return times


def main(root: Path) -> None:
    from segment import UNHEARD, head_without

    from vgr.predict import load_model

    bundled = load_model()
    heads = {}
    print("| set | speakers | right sex | speakers under half right | their share of the wrong time | "
          "wrong time of the others |\n|---|---|---|---|---|---|")
    for name, kind in SETS.items():
        if kind not in heads:
            heads[kind] = head_without(bundled, UNHEARD[kind], 2)
        times = speaker_times(root / name, heads[kind])
        speech = np.array([t[0] for t in times.values()])
        right = np.array([t[1] for t in times.values()])
        wrong = speech - right
        mostly_wrong = right < speech / 2
        print(f"| {name.replace('_', ' ')} | {len(times)} | {right.sum() / speech.sum():.1%} | "
              f"{int(mostly_wrong.sum())} | {wrong[mostly_wrong].sum() / wrong.sum():.0%} | "
              f"{wrong[~mostly_wrong].sum() / speech.sum():.1%} of the speech |", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
