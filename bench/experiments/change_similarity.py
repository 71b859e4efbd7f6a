"""Experiment behind issue 17's change-aware smoothing (tried, dropped): do the voiceprints of two windows that do
not overlap tell a change of speaker? Trainable speakers only.

    python bench/make_mixtures.py /tmp/v17/train_abut --trainable --per-corpus 10 --seed 5 --abutting 0.5
    python bench/experiments/change_similarity.py /tmp/v17/train_abut

For each window of ``vgr segment`` (1.6 s every 0.8 s) and the window two before it in the same region of speech
(they abut), the cosine of their voiceprint embeddings, split by whether the two windows' centres lie in turns of
different speakers (``truth.csv``). Prints, for a few thresholds, the share of each kind under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(folder: Path) -> None:
    import soundfile
    from segment import truth_table

    from vgr.segment.core import judge_file
    from vgr.voiceprint.encoder import embed_many

    truth = truth_table(folder / "truth.csv")
    cosines, changes = [], []
    for name in sorted(truth):
        verdicts = judge_file(folder / name)
        samples, rate = soundfile.read(folder / name, dtype="float64")
        embeddings = embed_many([samples[int(a * rate) : int(b * rate)] for a, b, _ in verdicts.windows], rate)

        def turn(at: float) -> int | None:
            return next((k for k, (start, end, _) in enumerate(truth[name]) if start <= at < end), None)

        for i in range(2, len(verdicts.windows)):
            (a0, b0, r0), (a1, b1, r1) = verdicts.windows[i - 2], verdicts.windows[i]
            first, second = turn((a0 + b0) / 2), turn((a1 + b1) / 2)
            if r0 != r1 or first is None or second is None:
                continue
            cosines.append(float(embeddings[i - 2] @ embeddings[i]))
            changes.append(first != second)
    cosines, changes = np.array(cosines), np.array(changes)
    print(f"{cosines.size} pairs of windows two apart, {changes.sum()} across a change of speaker")
    print("| cosine under | pairs across a change | pairs within a turn |\n|---|---|---|")
    for below in (0.5, 0.6, 0.7, 0.8):
        print(f"| {below:g} | {np.mean(cosines[changes] < below):.0%} | {np.mean(cosines[~changes] < below):.1%} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
