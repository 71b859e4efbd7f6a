"""The labelled recordings of ../shared/audio as one table, each file with its corpus and training rights.

Used by bench/corpora.py (the leave-one-corpus-out evaluation) and bench/make_default_head.py (the bundled
voiceprint head), so that both agree on what may be trained on.

Corpora: ``real/`` split by source (LibriSpeech train-clean-100, VCC2016, CMU ARCTIC, SiSEC),
``librispeech-test-other/`` and the four corpora of ``speakers/``. Evaluation-only: SiSEC (its terms allow
internal testing only) and every ``trainable = no`` row of ``speakers/labels.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared"
TRAINABLE = ("librispeech-clean", "vcc2016", "cmu-arctic", "librispeech-test-other", "speechocean762")
EVALUATION_ONLY = ("sisec", "audiomnist_az", "lotus", "emodb")
# real/labels.csv names speakers after their source; the source is the corpus
_REAL_SOURCES = {"LibriSpeech": "librispeech-clean", "VCC2016": "vcc2016", "CMU_ARCTIC": "cmu-arctic",
                 "SiSEC": "sisec"}
# rows 2502 and 2503 of voice.csv were computed from these two recordings: seen data, never "unseen"
IN_VOICE_CSV = ("cmuarctic_clb_arctic_a0001", "cmuarctic_slt_arctic_a0001")


def _real_corpus(speaker: str) -> str:
    for prefix, corpus in _REAL_SOURCES.items():
        if speaker.startswith(prefix):
            return corpus
    raise ValueError(f"real/labels.csv: speaker {speaker!r} of no known source")


def recordings(shared: Path = SHARED) -> pd.DataFrame:
    """One row per recording: path, file (relative to audio/), label, speaker, corpus, trainable, in_voice_csv."""
    audio = shared / "audio"
    frames = []
    real = pd.read_csv(audio / "real" / "labels.csv", dtype=str)
    real["corpus"] = real["speaker"].map(_real_corpus)
    real["folder"] = "real"
    other = pd.read_csv(audio / "librispeech-test-other" / "labels.csv", dtype=str)
    other["corpus"] = "librispeech-test-other"
    other["folder"] = "librispeech-test-other"
    frames += [real, other]
    speakers = pd.read_csv(audio / "speakers" / "labels.csv", dtype=str)
    speakers["folder"] = "speakers"
    frames.append(speakers.drop(columns="trainable").assign(
        corpus=speakers["corpus"], _trainable=speakers["trainable"].str.strip().str.lower() == "yes"))
    table = pd.concat(frames, ignore_index=True)
    table["file"] = table["folder"] + "/" + table["file"]
    table["path"] = [str(audio / name) for name in table["file"]]
    table["speaker"] = table["corpus"] + "/" + table["speaker"]
    listed = table["_trainable"].fillna(True).astype(bool)
    table["trainable"] = table["corpus"].isin(TRAINABLE) & listed
    table["in_voice_csv"] = table["file"].map(lambda name: Path(name).stem in IN_VOICE_CSV)
    unknown = set(table["corpus"]) - set(TRAINABLE) - set(EVALUATION_ONLY)
    if unknown:
        raise ValueError(f"corpora of unknown training rights: {sorted(unknown)}")
    return table[["path", "file", "label", "speaker", "corpus", "trainable", "in_voice_csv"]]
