"""The bundled model's voiceprint head: fitted on trainable recordings only, and short clips on purpose."""

from __future__ import annotations

import csv
import json
from importlib.resources import files

import numpy as np
import pytest

import vgr
from vgr.errors import TableError
from vgr.voiceprint import encoder
from vgr.voiceprint.training import file_sha256, read_speaker_labels

HEAD = files("vgr") / "default_model" / "voiceprint.json"


def evaluation_only(shared) -> list:
    """Every shared recording that may not be trained on: `trainable = no` rows and SiSEC (internal testing only)."""
    audio = shared / "audio"
    with open(audio / "speakers" / "labels.csv", newline="") as stream:
        paths = [audio / "speakers" / row["file"] for row in csv.DictReader(stream) if row["trainable"] == "no"]
    with open(audio / "real" / "labels.csv", newline="") as stream:
        paths += [audio / "real" / row["file"] for row in csv.DictReader(stream) if row["speaker"].startswith("SiSEC")]
    return paths


def test_bundled_head_never_saw_an_evaluation_only_recording(shared):
    head = json.loads(HEAD.read_text())
    fitted = head["training_recordings"]
    assert len(fitted) == head["training_files"] == len({r["sha256"] for r in fitted})
    evaluation = evaluation_only(shared)
    assert len(evaluation) == 295 + 120 + 50 + 8
    assert not {file_sha256(path) for path in evaluation} & {r["sha256"] for r in fitted}
    assert not any(corpus in name for r in fitted for name in (r["file"], r["speaker"])
                   for corpus in ("audiomnist_az", "lotus", "emodb", "SiSEC"))


def test_bundled_head_records_what_it_was_fitted_on(shared):
    """Corpora, speakers and files agree with one another and with the shared audio's own bytes."""
    head = json.loads(HEAD.read_text())
    fitted = head["training_recordings"]
    corpora = head["training_corpora"]
    assert set(corpora) == {"librispeech-clean", "vcc2016", "cmu-arctic", "librispeech-test-other", "speechocean762"}
    assert sum(c["files"] for c in corpora.values()) == len(fitted)
    assert sum(c["speakers"] for c in corpora.values()) == len(head["training_speakers"]) == len({r["speaker"] for r in fitted})
    for record in fitted[:: max(1, len(fitted) // 40)]:  # a spread of them: the name points at those bytes
        assert file_sha256(shared / record["file"]) == record["sha256"]


def test_predict_uses_the_bundled_head():
    model = vgr.load_model()
    assert model.voiceprint is not None
    example = str(files("vgr") / "examples" / "female.flac")
    alone = model.predict([vgr.extract_features(example)])[0]
    assert vgr.predict_file(example).p_male != alone.p_male


def test_voiceprint_leaves_out_evaluation_only_rows(tmp_path):
    (tmp_path / "labels.csv").write_text("file,label,speaker,corpus,trainable\n"
                                         "a.wav,male,1,c,yes\nb.wav,female,2,c,no\nc.wav,female,3,d,\n")
    labels = read_speaker_labels(tmp_path / "labels.csv")
    assert labels.evaluation_only == 1
    assert [(r.job.name, r.speaker, r.corpus) for r in labels.recordings] == [("a.wav", "c/1", "c"), ("c.wav", "d/3", "d")]
    (tmp_path / "only.csv").write_text("file,label,speaker,trainable\nb.wav,female,2,no\n")
    with pytest.raises(TableError, match="no trainable rows"):
        read_speaker_labels(tmp_path / "only.csv")


def test_a_clip_shorter_than_one_partial_is_repeated_not_padded():
    rng = np.random.default_rng(0)
    clip = rng.standard_normal(8000).astype(np.float32)
    filled = encoder.fill_window(clip)
    assert filled.size >= encoder.PARTIAL_FRAMES * encoder.HOP
    assert np.array_equal(filled[:8000], clip) and np.array_equal(filled[8000:16000], clip)
    assert np.array_equal(encoder.embed(clip, 16000), encoder.embed(np.tile(clip, 4), 16000))
    long = rng.standard_normal(30000).astype(np.float32)
    assert encoder.fill_window(long) is long


@pytest.mark.bad_input
@pytest.mark.parametrize("value", ["1.5", "-0.1", "half", "1/0", "nan"])
def test_voiceprint_refuses_a_blend_outside_0_to_1(value, tmp_path):
    from typer.testing import CliRunner

    from vgr.cli import app

    result = CliRunner().invoke(app, ["voiceprint", str(tmp_path / "labels.csv"), "--model", str(tmp_path), "--blend", value])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: --blend takes a number from 0 to 1, a fraction or 'auto', not {value!r}"


def test_voiceprint_help_shows_the_blend_default():
    from typer.testing import CliRunner

    from vgr.cli import app

    result = CliRunner().invoke(app, ["voiceprint", "--help"], env={"COLUMNS": "200"})
    assert "--blend" in result.stdout and "[default: 2/3]" in result.stdout


def test_head_blend_default_and_auto():
    from vgr.voiceprint.head import BLENDS, DEFAULT_BLEND, fit_head

    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 8))
    y = x[:, 0] > 0
    speakers = np.repeat(np.arange(10), 4)
    fixed = fit_head(x, y, speakers, np.full(40, 0.5))
    assert fixed.blend == DEFAULT_BLEND == 2 / 3 and "blend_leave_one_speaker_out_accuracy" not in fixed.metadata
    auto = fit_head(x, y, speakers, np.full(40, 0.5), blend=None)
    assert auto.blend in BLENDS and set(auto.metadata["blend_leave_one_speaker_out_accuracy"]) == {f"{b:.3f}" for b in BLENDS}
    assert np.array_equal(auto.weights, fixed.weights)
