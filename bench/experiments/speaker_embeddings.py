"""Experiment behind the voiceprint head: which classifier on which cue, scored leave-one-speaker-out.

    pip install scikit-learn && python bench/experiments/speaker_embeddings.py

For every labelled file of ../shared/audio/{real,librispeech-test-other}: the 256-d speaker embedding of
vgr.voiceprint (Resemblyzer's encoder), the bundled fold ensemble's p(male), and the pYIN median pitch.
Classifiers on the embeddings are scored leave-one-speaker-out, so no speaker is ever scored by a model that
heard it. Prints accuracy per corpus and the speakers that stay wrong, then the pitch of the speakers the bundled
model misjudges: the median over a speaker's files of each file's pYIN median pitch, and of its cepstral meanfun.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPORA = ("real", "librispeech-test-other")


def measurements() -> pd.DataFrame:
    import librosa

    from vgr.features.audio import read_audio
    from vgr.predict import load_model
    from vgr.runs.batch import measure
    from vgr.voiceprint.encoder import embed, to_encoder_input

    model, rows = load_model(), []
    for corpus in CORPORA:
        for entry in pd.read_csv(SHARED / "audio" / corpus / "labels.csv", dtype=str).itertuples():
            path = SHARED / "audio" / corpus / entry.file
            audio = read_audio(path)
            samples = to_encoder_input(audio.unit_samples(), audio.sample_rate)
            f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=400, sr=16000, frame_length=1024)
            features, _, embedding = measure(path, embed)
            p_male = model.predict_proba([features])[0, 1]
            rows.append({"corpus": corpus, "speaker": entry.speaker, "label": entry.label, "p_male": p_male,
                         "meanfun": features["meanfun"],
                         "pyin_hz": float(np.median(f0[voiced])), **{f"e{i}": v for i, v in enumerate(embedding)}})
    return pd.DataFrame(rows)


def leave_one_speaker_out(data: pd.DataFrame, columns: list[str], make) -> np.ndarray:
    x, y = data[columns].to_numpy(), (data.label == "male").to_numpy()
    predicted = np.zeros(len(y), bool)
    for speaker in data.speaker.unique():
        held_out = (data.speaker == speaker).to_numpy()
        predicted[held_out] = make().fit(x[~held_out], y[~held_out]).predict(x[held_out])
    return predicted == y


def voiceprint_head(data: pd.DataFrame, embedding: list[str]) -> np.ndarray:
    """vgr's own recipe, leave-one-speaker-out: each head (and its blend) fitted without the scored speaker."""
    from vgr.voiceprint.head import fit_head

    x, y = data[embedding].to_numpy(), (data.label == "male").to_numpy()
    keys = (data.corpus + "/" + data.speaker).to_numpy()
    trainable = ~data.speaker.str.contains("SiSEC").to_numpy()
    p_male = np.zeros(len(y))
    for key in np.unique(keys):
        held_out = keys == key
        usable = ~held_out & trainable
        head = fit_head(x[usable], y[usable], keys[usable], data.p_male.to_numpy()[usable])
        p_male[held_out] = head.blended(x[held_out], data.p_male.to_numpy()[held_out])
    return (p_male >= 0.5) == y


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
        "voiceprint head as `vgr voiceprint` fits it (no SiSEC in training)": voiceprint_head(data, embedding),
    }
    print("| approach | all | test-other | real/ | speakers wrong (files) |")
    print("|---|---|---|---|---|")
    for name, right in trials.items():
        right = np.asarray(right)
        per = {corpus: right[(data.corpus == corpus).to_numpy()].mean() for corpus in CORPORA}
        wrong = data[~right].speaker.value_counts()
        listed = ", ".join(f"{speaker} ({count})" for speaker, count in wrong.items())
        print(f"| {name} | {right.mean():.1%} | {per['librispeech-test-other']:.1%} | {per['real']:.1%} | {listed} |")
    wrong = data[(data.p_male >= 0.5) != (data.label == "male")].speaker.unique()
    print("\n| speaker misjudged by the bundled model | label | files | pYIN median Hz | meanfun kHz |")
    print("|---|---|---|---|---|")
    for speaker, group in data[data.speaker.isin(wrong)].groupby("speaker"):
        print(f"| {speaker} | {group.label.iloc[0]} | {len(group)} | {group.pyin_hz.median():.0f} "
              f"| {group.meanfun.median():.3f} |")


if __name__ == "__main__":
    main()
