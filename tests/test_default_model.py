"""The model shipped inside the package, and prediction on real recordings end to end."""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd
import pytest

import vgr
from vgr.models.checkpoint import load_ensemble

VOICE_SHA256 = "96303b30acb620724daea3f71cdf27d0ab5818342ab9825add0a7a4e0a898a22"


def test_default_model_is_trained_on_voice_csv_and_loads():
    metadata = json.loads((files("vgr") / "default_model" / "model.json").read_text())
    assert metadata["training"]["data_sha256"] == VOICE_SHA256
    assert metadata["format"] == "vgr-ensemble" and len(metadata["members"]) == 10
    model = vgr.load_model()
    assert model.feature_names == tuple(metadata["feature_names"])
    assert metadata["metrics"]["out_of_fold_accuracy"] > 0.98
    assert model.voiceprint is None  # the voiceprint head is opt-in: it did not help on unseen shared speakers


def test_default_model_matches_voice_csv_hash(shared):
    import hashlib

    assert hashlib.sha256((shared / "data" / "voice.csv").read_bytes()).hexdigest() == VOICE_SHA256


def test_bundled_examples():
    examples = files("vgr") / "examples"
    assert vgr.predict_file(str(examples / "female.flac")).label == "female"
    assert vgr.predict_file(str(examples / "male.flac")).label == "male"


@pytest.mark.parametrize("speaker, label", [("SM1", "male"), ("TM1", "male"), ("SF1", "female"), ("TF1", "female")])
def test_vcc2016_speakers(shared, speaker, label):
    model = vgr.load_model()
    for path in sorted((shared / "audio" / "real" / label).glob(f"vcc2016_{speaker}_*.wav"))[:3]:
        prediction = vgr.predict_file(path, model)
        assert prediction.label == label, path
        assert prediction.probability > 0.5 and prediction.seconds > 1


def test_most_shared_recordings_are_right(shared):
    """A floor, not the figure: bench/real_audio.py reports the accuracy."""
    model = vgr.load_model()
    labels = pd.read_csv(shared / "audio" / "real" / "labels.csv")
    right = sum(vgr.predict_file(shared / "audio" / "real" / row.file, model).label == row.label for row in labels.itertuples())
    assert right / len(labels) >= 0.95


def test_array_and_file_paths_agree(shared):
    from vgr.features.audio import read_audio

    path = shared / "audio" / "real" / "male" / "cmuarctic_aew_arctic_a0001.wav"
    audio = read_audio(path)
    from_array = vgr.load_model().predict([vgr.extract_features(audio.samples, sample_rate=audio.sample_rate)])[0]
    assert from_array.p_male == vgr.predict_file(path).p_male
