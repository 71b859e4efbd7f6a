"""Fit the bundled model's voiceprint head on every trainable shared recording.

    python bench/make_default_head.py [--model vgr/default_model] [--workers N]

The head is what `vgr voiceprint` fits (logistic regression on the voice-encoder embedding, blend chosen
leave-one-speaker-out), given one labels CSV of the trainable corpora (bench/shared_corpora.py): LibriSpeech
train-clean-100, VCC2016 and CMU ARCTIC from real/, librispeech-test-other/, and speechocean762. SiSEC and the
`trainable = no` corpora are never in it. The recordings are named `audio/<folder>/<file>` in the head's
provenance (a link to ../shared/audio sits beside the CSV). Replaces the model's existing head.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from shared_corpora import SHARED, recordings

ROOT = Path(__file__).resolve().parents[1]


def write_training_labels(folder: Path) -> Path:
    table = recordings()
    trainable = table[table["trainable"]]
    (folder / "audio").symlink_to(SHARED / "audio", target_is_directory=True)
    labels = trainable.assign(
        file="audio/" + trainable["file"],
        speaker=trainable["speaker"].str.split("/", n=1).str[1],  # the corpus is its own column
    )[["file", "label", "speaker", "corpus"]]
    labels.to_csv(folder / "labels.csv", index=False)
    return folder / "labels.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "vgr" / "default_model")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        labels = write_training_labels(Path(folder))
        command = [sys.executable, "-m", "vgr", "voiceprint", str(labels), "--model", str(args.model), "--force"]
        if args.workers:
            command += ["--workers", str(args.workers)]
        raise SystemExit(subprocess.run(command).returncode)


if __name__ == "__main__":
    main()
