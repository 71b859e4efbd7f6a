"""Accuracy of `vgr predict` on the shared real recordings, end to end, counting only unseen speakers.

    python bench/real_audio.py [--model MODEL_DIR] [--speaker-folds 5]

Runs the real command line on the labelled corpora of ../shared/audio (labels.csv: file,label,speaker) and
prints markdown tables per corpus and overall, twice:

1. the model's fold ensemble alone (its voice.csv networks; no recording of these speakers was used);
2. the model's recipe with a voiceprint head, scored by speaker folds: the speakers are split into K groups
   (both sexes in each); for each group, `vgr voiceprint` fits a head on the other groups' recordings only
   (choosing its blend by leave-one-speaker-out among them), and `vgr predict` scores the held-out group.
   Every file is thus predicted by a model that never heard its speaker. SiSEC recordings are scored but never
   trained on (their terms allow internal testing only), as for the bundled head (bench/make_voiceprint.py).
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = ("librispeech-test-other", "real")
BUNDLED = ROOT / "vgr" / "default_model"
# SiSEC 2011's terms allow internal testing only (../shared/audio/real/SOURCES.md): scored, never trained on.
NOT_FOR_TRAINING = "SiSEC"


def vgr(*arguments: str) -> str:
    done = subprocess.run([sys.executable, "-m", "vgr", *arguments], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return done.stdout


def labelled() -> pd.DataFrame:
    frames = []
    for corpus in CORPORA:
        frame = pd.read_csv(SHARED / "audio" / corpus / "labels.csv", dtype=str)
        frame["corpus"] = corpus
        frame["path"] = [str(SHARED / "audio" / corpus / name) for name in frame["file"]]
        frames.append(frame)
    everything = pd.concat(frames, ignore_index=True)
    everything["key"] = everything["corpus"] + "/" + everything["speaker"]
    return everything


def predict(files: pd.DataFrame, model: Path) -> pd.DataFrame:
    out = vgr("predict", *files["path"], "--model", str(model), "--format", "csv")
    got = pd.read_csv(io.StringIO(out)).rename(columns={"label": "predicted", "file": "path"})
    return files.merge(got[["path", "predicted", "p_male", "status"]], on="path", how="left")


def ensemble_only(model: Path, folder: Path) -> Path:
    """A copy of the model folder without its voiceprint head."""
    copy = folder / "ensemble_only"
    shutil.copytree(model, copy)
    (copy / "voiceprint.json").unlink(missing_ok=True)
    return copy


def write_training_labels(data: pd.DataFrame, folder: Path) -> list[str]:
    """labels.csv files (absolute paths) of the rows a voiceprint head may be trained on, one per corpus."""
    usable = data[~data["speaker"].str.contains(NOT_FOR_TRAINING)]
    written = []
    for corpus, rows in usable.groupby("corpus"):
        (folder / corpus).mkdir(parents=True)
        rows[["path", "label", "speaker"]].rename(columns={"path": "file"}).to_csv(folder / corpus / "labels.csv", index=False)
        written.append(str(folder / corpus / "labels.csv"))
    return written


def speaker_groups(data: pd.DataFrame, k: int) -> dict[str, int]:
    """Speakers shuffled (seed 0) and dealt round-robin per sex, so every group holds both sexes."""
    rng = np.random.default_rng(0)
    group = {}
    for label in ("female", "male"):
        keys = sorted(data.loc[data["label"] == label, "key"].unique())
        for index, key in enumerate(rng.permutation(keys)):
            group[key] = index % k
    return group


def with_voiceprint_by_speaker_folds(data: pd.DataFrame, base: Path, folder: Path, k: int) -> pd.DataFrame:
    group = data["key"].map(speaker_groups(data, k))
    scored = []
    for g in range(k):
        fold = folder / f"fold_{g}"
        model = ensemble_only(base, fold)
        label_files = write_training_labels(data[group != g], fold)
        print(vgr("voiceprint", *label_files, "--model", str(model)).strip(), file=sys.stderr)
        scored.append(predict(data[group == g], model))
    return pd.concat(scored)


def score(frame: pd.DataFrame) -> dict[str, object]:
    right = frame["predicted"] == frame["label"]
    male, female = frame["label"] == "male", frame["label"] == "female"
    return {
        "files": len(frame),
        "speakers": frame["key"].nunique(),
        "accuracy": f"{right.mean():.1%}",
        "male recall": f"{right[male].mean():.1%}",
        "female recall": f"{right[female].mean():.1%}",
        "errors": int((~right).sum()),
    }


def report(title: str, frame: pd.DataFrame) -> None:
    rows = [{"corpus": c, **score(f)} for c, f in frame.groupby("corpus", sort=False)]
    rows.append({"corpus": "all", **score(frame)})
    columns = list(rows[0])
    print(f"\n{title}\n")
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    wrong = frame[frame["predicted"] != frame["label"]]
    print("\nMisclassified (speaker, label: files wrong / files):")
    for (key, label), group in wrong.groupby(["key", "label"]):
        print(f"- {key} ({label}): {len(group)}/{(frame['key'] == key).sum()}")
    if (frame["status"] != "ok").any():
        print(f"\n{int((frame['status'] != 'ok').sum())} files failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=BUNDLED)
    parser.add_argument("--speaker-folds", type=int, default=5)
    args = parser.parse_args()
    data = labelled()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        alone = predict(data, ensemble_only(args.model, folder))
        report("Fold ensemble alone (voice.csv networks; every speaker unseen)", alone)
        blended = with_voiceprint_by_speaker_folds(data, args.model, folder, args.speaker_folds)
        report(f"With a voiceprint head, {args.speaker_folds} speaker folds (every speaker unseen by its model)", blended)


if __name__ == "__main__":
    main()
