"""The voiceprint: Resemblyzer's encoder in numpy, the logistic head, its file, and `vgr voiceprint`."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile
from typer.testing import CliRunner

import vgr
from vgr.cli import app
from vgr.errors import ModelError
from vgr.features.audio import read_audio
from vgr.voiceprint import encoder
from vgr.voiceprint.head import BLENDS, VoiceprintHead, choose_blend, fit_logistic
from vgr.voiceprint.storage import load_voiceprint, save_voiceprint

runner = CliRunner()
DATA = Path(__file__).parent / "data"
ENSEMBLE_ONLY = shutil.ignore_patterns("voiceprint.json")  # the bundled model without its own head


def test_mel_front_end_is_librosas():
    import librosa

    samples, _ = soundfile.read(str(files("vgr") / "examples" / "male.flac"), dtype="float32")
    expected = librosa.feature.melspectrogram(y=samples, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    got = encoder.mel_frames(samples)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-6 * expected.max()
    assert np.array_equal(encoder._weights()["mel_filters"], librosa.filters.mel(sr=16000, n_fft=400, n_mels=40))


def test_embeddings_match_resemblyzer(shared):
    """Reference rows were computed by Resemblyzer 0.1.4 itself: bench/make_resemblyzer_embeddings.py.

    The README claims equality to 3e-7 (float32 LSTM arithmetic in another order); that is the tolerance.
    """
    reference = np.loadtxt(DATA / "resemblyzer_embeddings.txt")
    for row, path in enumerate([shared / "audio" / "variants" / "1998-15444-0000_sr44100.wav",
                                files("vgr") / "examples" / "male.flac"]):
        audio = read_audio(path)
        got = encoder.embed(audio.unit_samples(), audio.sample_rate)
        assert got.shape == (256,) and abs(np.linalg.norm(got) - 1) < 1e-6
        assert np.abs(got - reference[row]).max() <= 3e-7, path


def test_partials_cover_the_recording():
    assert [(s.start, s.stop) for s in encoder.partial_slices(16000)] == [(0, 160)]  # 1 s: one padded partial
    slices = encoder.partial_slices(10 * 16000)
    assert slices[0] == slice(0, 160) and all(b.start - a.start == 77 for a, b in zip(slices, slices[1:]))
    assert slices[-1].stop * 160 >= 0.75 * 160 * 160 + slices[-1].start * 160


def test_quiet_audio_is_raised_to_minus_30_dbfs_and_loud_audio_is_left():
    tone = np.sin(np.arange(16000) / 5.0).astype(np.float32)
    quiet = encoder.to_encoder_input(0.001 * tone, 16000)
    assert 20 * np.log10(np.sqrt(np.mean(quiet.astype(np.float64) ** 2))) == pytest.approx(-30, abs=1e-3)
    assert np.array_equal(encoder.to_encoder_input(0.5 * tone, 16000), 0.5 * tone)


def test_logistic_fit_separates_and_blend_is_chosen_on_training_speakers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 5))
    y = x[:, 0] + 0.1 * rng.standard_normal(80) > 0
    weights, bias = fit_logistic(x, y)
    assert np.mean(((x @ weights + bias) > 0) == y) > 0.95
    assert weights[0] > 5 * np.abs(weights[1:]).max()
    speakers = np.repeat(np.arange(20), 4)
    blend, accuracy = choose_blend(x, y, speakers, np.full(80, 0.5))
    assert blend in BLENDS and set(accuracy) == {f"{b:.3f}" for b in BLENDS}
    assert accuracy["0.500"] == accuracy["1.000"] > 0.9  # a neutral ensemble cannot change the head's answer


@pytest.mark.bad_input
def test_head_file_round_trip_and_refusals(tmp_path):
    head = VoiceprintHead(np.linspace(-1, 1, 256), 0.25, 2 / 3, {"training_speakers": ["a/1"]})
    save_voiceprint(head, tmp_path)
    loaded = load_voiceprint(tmp_path)
    assert np.array_equal(loaded.weights, head.weights) and loaded.bias == 0.25 and loaded.blend == 2 / 3
    assert loaded.metadata["training_speakers"] == ["a/1"]
    with pytest.raises(FileExistsError):
        save_voiceprint(head, tmp_path)
    document = json.loads((tmp_path / "voiceprint.json").read_text())
    for change, message in [({"encoder_sha256": "0" * 64}, "made for other voice-encoder weights"),
                            ({"format_version": 9}, "format version 9 is not supported"),
                            ({"weights": [1.0, 2.0]}, "needs 256 finite weights"),
                            ({"blend": 1.5}, "outside [0, 1]")]:
        (tmp_path / "voiceprint.json").write_text(json.dumps({**document, **change}))
        with pytest.raises(ModelError, match=message.replace("[", r"\[")):
            load_voiceprint(tmp_path)
    assert load_voiceprint(tmp_path / "nowhere") is None


@pytest.fixture(scope="module")
def small_corpus(shared, tmp_path_factory):
    """Two files of each of 3 male and 3 female shared speakers, with a labels.csv beside them."""
    labels = pd.read_csv(shared / "audio" / "real" / "labels.csv")
    chosen = pd.concat([group.head(2) for _, group in labels[labels["file"].str.startswith("female/vcc")].groupby("speaker")]
                       + [group.head(2) for _, group in labels[labels["file"].str.startswith("male/vcc")].groupby("speaker")]
                       + [labels[labels["speaker"].str.contains("CMU_ARCTIC")].groupby("speaker").head(1)])
    folder = tmp_path_factory.mktemp("corpus")
    for name in chosen["file"]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared / "audio" / "real" / name, folder / name)
    chosen.to_csv(folder / "labels.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def model_with_head(small_corpus, tmp_path_factory):
    """The bundled model plus a head from `vgr voiceprint` on the small corpus."""
    model = tmp_path_factory.mktemp("model") / "model"
    shutil.copytree(files("vgr") / "default_model", model, ignore=ENSEMBLE_ONLY)
    result = runner.invoke(app, ["voiceprint", str(small_corpus / "labels.csv"), "--model", str(model), "-w", "1"])
    assert result.exit_code == 0, result.output
    assert "voiceprint head on 13 files of 9 speakers, blend" in result.stdout
    return model


def test_vgr_voiceprint_writes_the_head_once(small_corpus, model_with_head):
    head = json.loads((model_with_head / "voiceprint.json").read_text())
    assert head["training_files"] == len(pd.read_csv(small_corpus / "labels.csv")) == 13
    assert all(s.startswith(small_corpus.name + "/") for s in head["training_speakers"])
    assert head["blend"] in BLENDS and len(head["data_sha256"]) == 64
    again = runner.invoke(app, ["voiceprint", str(small_corpus / "labels.csv"), "--model", str(model_with_head)])
    assert again.exit_code == 1
    assert again.stderr.strip() == f"vgr: error: {model_with_head / 'voiceprint.json'}: already exists (use --force to overwrite)"


def test_predict_blends_the_head_with_the_votes(model_with_head):
    model = vgr.load_model(model_with_head)
    assert model.voiceprint.metadata["training_speakers"] != vgr.load_model().voiceprint.metadata["training_speakers"]
    example = str(files("vgr") / "examples" / "male.flac")
    features = vgr.extract_features(example)
    alone = model.predict([features])[0]
    embedding = np.zeros(256)
    blended = model.predict([features], [embedding])[0]
    b = model.voiceprint.blend
    assert blended.p_male == pytest.approx(b * model.voiceprint.p_male(embedding)[0] + (1 - b) * alone.p_male)
    assert blended.votes == alone.votes  # votes stay the fold networks' own
    assert vgr.predict_file(example, model).p_male != alone.p_male  # raw audio gets its embedding


def test_file_and_array_paths_agree_with_the_voiceprint(shared, model_with_head):
    path = shared / "audio" / "real" / "male" / "cmuarctic_aew_arctic_a0001.wav"
    audio = read_audio(path)
    features = vgr.extract_features(audio.samples, sample_rate=audio.sample_rate)
    embedding = encoder.embed(audio.unit_samples(), audio.sample_rate)
    model = vgr.load_model(model_with_head)
    assert model.predict([features], [embedding])[0].p_male == vgr.predict_file(path, model).p_male


def test_a_chunk_of_files_embedded_together_gets_each_files_own_embedding(shared, tmp_path):
    from vgr.runs.batch import analyse_many
    from vgr.runs.discovery import AudioJob

    paths = [shared / "audio" / "variants" / "1998-15444-0000_sr44100.wav",  # rates differ within the chunk
             files("vgr") / "examples" / "male.flac", shared / "audio" / "variants" / "1998-15444-0000_sr8000.wav"]
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    jobs = [AudioJob(Path(p), Path(p).name) for p in (paths[0], bad, *paths[1:])]
    results = analyse_many(jobs, encoder.embed_many)
    assert [r.ok for r in results] == [True, False, True, True] and results[1].embedding is None
    for result in (results[0], *results[2:]):
        audio = read_audio(result.job.path)
        np.testing.assert_allclose(result.embedding, encoder.embed(audio.unit_samples(), audio.sample_rate), atol=1e-6)

    def refuses_batches(clips, rates):  # an encoder that fails on a whole chunk: each file is embedded alone
        if len(clips) > 1:
            raise ValueError("batch refused")
        return encoder.embed_many(clips, rates)

    alone = analyse_many(jobs, refuses_batches)
    assert [r.ok for r in alone] == [True, False, True, True]
    np.testing.assert_allclose(alone[0].embedding, results[0].embedding, atol=1e-6)


@pytest.mark.bad_input
def test_vgr_voiceprint_refuses_a_labels_file_without_speakers(tmp_path):
    (tmp_path / "labels.csv").write_text("file,label\na.wav,male\n")
    model = tmp_path / "model"
    shutil.copytree(files("vgr") / "default_model", model, ignore=ENSEMBLE_ONLY)
    result = runner.invoke(app, ["voiceprint", str(tmp_path / "labels.csv"), "--model", str(model), "--force"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: {tmp_path / 'labels.csv'}: needs columns file,label,speaker (missing: speaker)"


def test_serve_uses_the_models_voiceprint(model_with_head):
    pytest.importorskip("fastapi", reason="vgr serve needs the serve extra: pip install 'vgr[serve]'")
    from fastapi.testclient import TestClient

    from vgr.serve.app import create_app

    model = vgr.load_model(model_with_head)
    example = files("vgr") / "examples" / "female.flac"
    expected = vgr.predict_file(str(example), model)
    with TestClient(create_app(model, workers=1)) as client:
        assert client.get("/api/health").json()["voiceprint"] is True
        answer = client.post("/api/predict", files={"file": ("female.flac", example.read_bytes(), "audio/flac")}).json()
    assert answer["label"] == expected.label and answer["p_male"] == pytest.approx(expected.p_male)
    assert answer["votes"] == expected.votes


@pytest.mark.bad_input
def test_vgr_voiceprint_names_every_file_it_could_not_use(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "labels.csv").write_text("file,label,speaker\nnope.wav,male,a\nempty.wav,female,b\n")
    model = tmp_path / "model"
    shutil.copytree(files("vgr") / "default_model", model, ignore=ENSEMBLE_ONLY)
    result = runner.invoke(app, ["voiceprint", str(tmp_path / "labels.csv"), "--model", str(model), "-w", "1"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"vgr: skipped {tmp_path / 'nope.wav'}: no such file",
                                          f"vgr: skipped {tmp_path / 'empty.wav'}: empty file (0 bytes)",
                                          "vgr: error: no labelled recording could be analysed"]
    assert not (model / "voiceprint.json").exists()


def test_each_row_keeps_its_own_speaker_even_for_a_repeated_file(small_corpus, tmp_path):
    """A recording listed under two speakers counts for both: rows pair with results by order, not by path."""
    from vgr.voiceprint.training import fit_voiceprint

    labels = pd.read_csv(small_corpus / "labels.csv")
    repeated = pd.concat([labels, labels.assign(speaker=labels["speaker"] + "_again")])
    repeated.to_csv(small_corpus / "repeated.csv", index=False)
    report = fit_voiceprint([small_corpus / "repeated.csv"], vgr.load_model(), workers=1)
    speakers = report.head.metadata["training_speakers"]
    assert len(speakers) == 2 * labels["speaker"].nunique() and report.head.metadata["training_files"] == 2 * len(labels)
    assert all(s.startswith(small_corpus.name + "/") for s in speakers)
