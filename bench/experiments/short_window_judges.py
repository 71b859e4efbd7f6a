"""Experiment for issue 17: on windows shorter than 1.6 s (short stretches of speech), which judge is right more
often: the 20 features (the ensemble), the voiceprint head, or their blend as ``vgr segment`` uses it?
Trainable and development speakers only, each set judged with a head that never heard its speakers.

    python bench/experiments/short_window_judges.py /tmp/v17/c6   # the sets of bench/segment.py --choose

For every window of ``vgr segment`` whose centre lies in a true turn: the share judged right by each judge, by
the window's length.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SETS = {"pauses": "--trainable", "half_abutting": "--trainable", "words": "--trainable",
        "short_words": "--trainable", "dev_pauses": "--dev", "dev_short_words": "--dev"}
LENGTHS = ((0.0, 0.5), (0.5, 1.0), (1.0, 1.59), (1.59, 99.0))


def windows_of(folder: Path, model) -> list[tuple[float, bool, float, float, float]]:
    """(length, is male, p features, p voiceprint, p blend) of each window in a true turn of ``folder``, as
    ``vgr segment`` judged it."""
    from segment import truth_table

    from vgr.segment.core import judge_file

    truth = truth_table(folder / "truth.csv")
    rows = []
    for name in sorted(truth):
        verdicts = judge_file(folder / name, model)
        for k, (a, b, _) in enumerate(verdicts.windows):
            centre = (a + b) / 2
            turn = next((t for t in truth[name] if t[0] <= centre < t[1]), None)
            if turn is None or np.isnan(verdicts.p_male[k]):
                continue
            rows.append((b - a, turn[2] == "male", verdicts.p_features[k], verdicts.p_voiceprint[k],
                         float(verdicts.p_male[k])))
    return rows


def main(root: Path) -> None:
    from segment import UNHEARD, head_without

    from vgr.predict import load_model

    bundled = load_model()
    heads = {}
    print("| set | window s | windows | features right | voiceprint right | blend right |\n|---|---|---|---|---|---|")
    for name, kind in SETS.items():
        if kind not in heads:
            heads[kind] = head_without(bundled, UNHEARD[kind], 2)
        rows = np.array(windows_of(root / name, heads[kind]), dtype=np.float64)
        for lo, hi in LENGTHS:
            mine = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
            if not len(mine):
                continue
            male = mine[:, 1] > 0.5
            right = [np.mean((mine[:, j] > 0.5) == male) for j in (2, 3, 4)]
            print(f"| {name} | {lo:g}–{min(hi, 1.6):g} | {len(mine)} | " + " | ".join(f"{r:.1%}" for r in right) + " |",
                  flush=True)
    print(f"\nblend weight of the voiceprint: {bundled.voiceprint.blend:g} (bundled head)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
