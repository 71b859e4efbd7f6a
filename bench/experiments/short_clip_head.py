"""Experiment for issue 17: would a voiceprint head fitted on short clips judge short windows better than the
bundled kind, fitted on whole recordings? Trainable and development speakers only; each set of mixtures is judged
by heads that never heard its speakers.

    python bench/experiments/short_clip_head.py /tmp/v17/c6   # the sets of bench/segment.py --choose

For each set: the head fitted as ``vgr voiceprint`` fits it (whole recordings) and a head fitted the same way on
``CLIPS`` clips of 0.3-1.6 s cut around loud frames of each of the same recordings; both on the windows shorter
than 1.6 s whose centre lies in a true turn, alone and leaning 0.85 on the voiceprint as ``vgr segment`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CLIPS = 4


def short_clips(path: str, rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    import soundfile

    samples, rate = soundfile.read(path, dtype="float64", always_2d=True)
    samples = samples[:, 0]
    frame = rate // 50
    count = samples.size // frame
    level = np.mean(np.square(samples[: count * frame].reshape(count, frame)), axis=1)
    loud = np.argsort(level)[-20:]
    clips = []
    for _ in range(CLIPS):
        length = int(rng.uniform(0.3, 1.6) * rate)
        centre = int(rng.choice(loud)) * frame + frame // 2
        start = int(np.clip(centre - length // 2, 0, max(0, samples.size - length)))
        clips.append(samples[start : start + length])
    return clips, rate


def short_head(corpora_left_out: tuple[str, ...]):
    """A logistic head on the embeddings of short clips of the trainable recordings outside those corpora."""
    from shared_corpora import recordings

    from vgr.voiceprint.encoder import embed_many
    from vgr.voiceprint.head import fit_logistic

    table = recordings()
    table = table[table["trainable"] & ~table["corpus"].isin(corpora_left_out)]
    rng = np.random.default_rng(0)
    clips, rates, male = [], [], []
    for path, label in zip(table["path"], table["label"]):
        cut, rate = short_clips(path, rng)
        clips += cut
        rates += [rate] * len(cut)
        male += [label == "male"] * len(cut)
    embeddings = embed_many(clips, rates)
    return fit_logistic(embeddings, np.array(male))


def main(root: Path) -> None:
    import soundfile
    from segment import UNHEARD, head_without
    from short_window_judges import SETS
    from segment import truth_table

    from vgr.features.extract import compute_features
    from vgr.errors import AudioError
    from vgr.predict import load_model
    from vgr.segment.core import judge_file
    from vgr.voiceprint.encoder import sigmoid

    bundled = load_model()
    heads, shorts = {}, {}
    print("| set | windows under 1.6 s | whole-recording head | short-clip head | features | leaning 0.85: whole | "
          "leaning 0.85: short |\n|---|---|---|---|---|---|---|")
    for name, kind in SETS.items():
        if kind not in heads:
            heads[kind] = head_without(bundled, UNHEARD[kind], 2)
            shorts[kind] = short_head(UNHEARD[kind])
        model, (weights, bias) = heads[kind], shorts[kind]
        folder = root / name
        truth = truth_table(folder / "truth.csv")
        rows = []
        for file in sorted(truth):
            verdicts = judge_file(folder / file, model)
            for k, (a, b, _) in enumerate(verdicts.windows):
                turn = next((t for t in truth[file] if t[0] <= (a + b) / 2 < t[1]), None)
                if turn is None or b - a >= 1.6 - 1e-6 or np.isnan(verdicts.p_features[k]):
                    continue
                embedding = verdicts.embeddings[k].astype(np.float64)
                rows.append((turn[2] == "male", verdicts.p_voiceprint[k], float(sigmoid(embedding @ weights + bias)),
                             verdicts.p_features[k]))
        rows = np.array(rows, dtype=np.float64)
        male = rows[:, 0] > 0.5
        judges = [rows[:, 1], rows[:, 2], rows[:, 3], 0.85 * rows[:, 1] + 0.15 * rows[:, 3],
                  0.85 * rows[:, 2] + 0.15 * rows[:, 3]]
        print(f"| {name} | {len(rows)} | " + " | ".join(f"{np.mean((p > 0.5) == male):.1%}" for p in judges) + " |",
              flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
