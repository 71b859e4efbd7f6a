"""Experiment (not part of vgr): can a pretrained speaker embedding tell the shared male voices from female?

    pip install resemblyzer==0.1.4 --no-deps scikit-learn   # its webrtcvad is not needed here
    python bench/experiments/speaker_embeddings.py

For every labelled file of ../shared/audio/{real,librispeech-test-other}: a 256-d d-vector from Resemblyzer's
pretrained voice encoder (16 kHz, volume-normalised, no VAD trimming), the bundled vgr model's p(male), and
the pYIN median pitch. Classifiers on the d-vectors are scored leave-one-speaker-out, so no speaker is ever
scored by a model that heard it. Prints accuracy per corpus and the speakers that stay wrong.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPORA = ("real", "librispeech-test-other")


def load_16k(path: Path) -> np.ndarray:
    import librosa
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    samples = samples[:, 0]
    return samples if rate == 16000 else librosa.resample(samples, orig_sr=rate, target_sr=16000)


def measurements() -> pd.DataFrame:
    import librosa

    sys.modules.setdefault("webrtcvad", types.ModuleType("webrtcvad"))  # only used by its VAD trimming
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import normalize_volume

    from vgr.features import extract_features
    from vgr.predict import load_model

    encoder, model, rows = VoiceEncoder("cpu", verbose=False), load_model(), []
    for corpus in CORPORA:
        for entry in pd.read_csv(SHARED / "audio" / corpus / "labels.csv", dtype=str).itertuples():
            path = SHARED / "audio" / corpus / entry.file
            samples = load_16k(path)
            f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=400, sr=16000, frame_length=1024)
            p_male = model.predict_proba([extract_features(path)])[0, 1]
            embedding = encoder.embed_utterance(normalize_volume(samples, -30, increase_only=True))
            rows.append({"corpus": corpus, "speaker": entry.speaker, "label": entry.label, "p_male": p_male,
                         "pyin_hz": float(np.median(f0[voiced])), **{f"e{i}": v for i, v in enumerate(embedding)}})
    return pd.DataFrame(rows)


def leave_one_speaker_out(data: pd.DataFrame, columns: list[str], make) -> np.ndarray:
    x, y = data[columns].to_numpy(), (data.label == "male").to_numpy()
    predicted = np.zeros(len(y), bool)
    for speaker in data.speaker.unique():
        held_out = (data.speaker == speaker).to_numpy()
        predicted[held_out] = make().fit(x[~held_out], y[~held_out]).predict(x[held_out])
    return predicted == y


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    data = measurements()
    embedding = [c for c in data.columns if c.startswith("e")]
    data["logit"] = np.log(data.p_male.clip(1e-4, 1 - 1e-4) / (1 - data.p_male.clip(1e-4, 1 - 1e-4)))
    trials = {
        "bundled vgr model (voice.csv only)": (data.p_male >= 0.5) == (data.label == "male"),
        "pYIN median pitch < 160 Hz": (data.pyin_hz < 160) == (data.label == "male"),
        "d-vector, logistic regression": leave_one_speaker_out(data, embedding, lambda: LogisticRegression(max_iter=3000)),
        "d-vector, RBF SVM (C=1)": leave_one_speaker_out(data, embedding, lambda: SVC(C=1)),
        "d-vector, RBF SVM (C=10)": leave_one_speaker_out(data, embedding, lambda: SVC(C=10)),
        "d-vector + vgr logit, RBF SVM (C=10)": leave_one_speaker_out(data, [*embedding, "logit"], lambda: SVC(C=10)),
    }
    print("| approach | all | test-other | real/ | speakers wrong (files) |")
    print("|---|---|---|---|---|")
    for name, right in trials.items():
        right = np.asarray(right)
        per = {corpus: right[(data.corpus == corpus).to_numpy()].mean() for corpus in CORPORA}
        wrong = data[~right].speaker.value_counts()
        listed = ", ".join(f"{speaker} ({count})" for speaker, count in wrong.items())
        print(f"| {name} | {right.mean():.1%} | {per['librispeech-test-other']:.1%} | {per['real']:.1%} | {listed} |")


if __name__ == "__main__":
    main()
