"""Accuracy of `vgr predict` on the shared real recordings, end to end, per corpus and overall.

    python bench/real_audio.py [--model MODEL_DIR]

Runs the real command line on each labelled corpus folder of ../shared/audio, joins the predictions with
labels.csv (file,label,speaker) and prints a markdown table. Speakers listed in the model's metadata as
training speakers are left out, so only speakers the model never heard are scored.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = ("librispeech-test-other", "real")


def predictions(folder: Path, model: str | None) -> pd.DataFrame:
    command = [sys.executable, "-m", "vgr", "predict", str(folder), "--format", "csv"]
    if model:
        command += ["--model", model]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return pd.read_csv(io.StringIO(done.stdout))


def training_speakers(model: str | None) -> set[str]:
    from vgr.predict import load_model

    return set(getattr(load_model(model), "metadata", {}).get("training_speakers", []))


def score(frame: pd.DataFrame) -> dict[str, object]:
    right = frame["predicted"] == frame["label"]
    male, female = frame["label"] == "male", frame["label"] == "female"
    return {
        "files": len(frame),
        "speakers": frame["speaker"].nunique(),
        "accuracy": f"{right.mean():.1%}",
        "male recall": f"{right[male].mean():.1%}",
        "female recall": f"{right[female].mean():.1%}",
        "errors": int((~right).sum()),
    }


def markdown(rows: list[dict[str, object]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    excluded = training_speakers(args.model)
    frames = []
    for corpus in CORPORA:
        folder = SHARED / "audio" / corpus
        labels = pd.read_csv(folder / "labels.csv")
        got = predictions(folder, args.model).rename(columns={"label": "predicted"})
        frame = labels.merge(got, on="file", how="left")
        frame["corpus"] = corpus
        frame["key"] = corpus + ":" + frame["speaker"].astype(str)
        frames.append(frame[~frame["key"].isin(excluded)])
    everything = pd.concat(frames)
    rows = [{"corpus": c, **score(f)} for c, f in everything.groupby("corpus", sort=False)]
    rows.append({"corpus": "all", **score(everything)})
    print(markdown(rows))
    wrong = everything[everything["predicted"] != everything["label"]]
    print("\nMisclassified (corpus, speaker, label, files wrong / files):")
    for (corpus, speaker, label), group in wrong.groupby(["corpus", "speaker", "label"]):
        total = len(everything[(everything["corpus"] == corpus) & (everything["speaker"] == speaker)])
        print(f"- {corpus} {speaker} ({label}): {len(group)}/{total}")
    print(f"\n{len(excluded)} training speakers excluded; model: {args.model or 'bundled default'}")
    print(json.dumps({"status_not_ok": int((everything["status"] != "ok").sum())}))


if __name__ == "__main__":
    main()
