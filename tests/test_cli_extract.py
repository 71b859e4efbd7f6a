"""``vgr extract`` end to end: discovery, labels, failures, atomic output, exit codes."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import harmonic_tone
from vgr.cli import app
from vgr.features import FEATURE_NAMES, extract_features

runner = CliRunner()


def rows(path):
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def corpus(tmp_path, write_wav):
    """male/ and female/ folders with voiced files, plus a too-short file and a fake WAV."""
    write_wav("corpus/Male/a.wav", harmonic_tone(110, 16000, 1.0), 16000)
    write_wav("corpus/female/sub/b.wav", harmonic_tone(210, 16000, 1.0), 16000)
    write_wav("corpus/female/short.wav", np.full(500, 0.1), 16000)
    (tmp_path / "corpus" / "female" / "text.wav").write_text("not audio")
    return tmp_path / "corpus"


def test_extracts_a_folder_with_labels_from_folder_names(corpus, tmp_path):
    out = tmp_path / "features.csv"
    result = runner.invoke(app, ["extract", str(corpus), "-o", str(out), "--workers", "2"])
    assert result.exit_code == 1  # two bad files
    table = rows(out)
    assert list(table[0]) == ["file", *FEATURE_NAMES, "label"]
    assert [(r["file"], r["label"]) for r in table] == [("Male/a.wav", "male"), ("female/sub/b.wav", "female")]
    expected = extract_features(corpus / "Male" / "a.wav")
    assert {k: float(table[0][k]) for k in FEATURE_NAMES} == expected
    assert f"{corpus / 'female' / 'short.wav'}: too short" in result.stderr
    assert f"{corpus / 'female' / 'text.wav'}: cannot decode audio" in result.stderr
    assert "2 files extracted, 2 failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_to_overwrite_without_force(corpus, tmp_path):
    out = tmp_path / "features.csv"
    out.write_text("precious")
    result = runner.invoke(app, ["extract", str(corpus / "Male"), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: {out}: already exists (use --force to overwrite)"
    assert out.read_text() == "precious"
    result = runner.invoke(app, ["extract", str(corpus / "Male"), "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert [r["file"] for r in rows(out)] == ["a.wav"]


def test_labels_file_overrides_folders_and_single_files_keep_their_path(corpus, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\nsub/b.wav, Male \n")
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["extract", str(corpus / "female"), "-o", str(out), "--labels", str(labels)])
    assert [(r["file"], r["label"]) for r in rows(out)] == [("sub/b.wav", "male")]
    assert result.exit_code == 1
    single = corpus / "Male" / "a.wav"
    out2 = tmp_path / "g.csv"
    assert runner.invoke(app, ["extract", str(single), "-o", str(out2)]).exit_code == 0
    assert [(r["file"], r["label"]) for r in rows(out2)] == [(single.as_posix(), "male")]


def test_no_label_column_when_no_label_is_known(tmp_path, write_wav):
    path = write_wav("x/voice.wav", harmonic_tone(150, 16000, 1.0), 16000)
    out = tmp_path / "f.csv"
    assert runner.invoke(app, ["extract", str(path.parent), "-o", str(out)]).exit_code == 0
    assert list(rows(out)[0]) == ["file", *FEATURE_NAMES]


def test_bad_labels_file_is_one_line(corpus, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\nsub/b.wav,child\n")
    result = runner.invoke(app, ["extract", str(corpus), "-o", str(tmp_path / "o.csv"), "--labels", str(labels)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: {labels}: line 2: label 'child' is not male or female"


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["extract", str(tmp_path / "empty"), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "no audio files found" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_workers_do_not_change_the_output(shared, tmp_path):
    folder = shared / "audio" / "real" / "male"
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert runner.invoke(app, ["extract", str(folder), "-o", str(one), "-w", "1"]).exit_code == 0
    assert runner.invoke(app, ["extract", str(folder), "-o", str(two), "-w", "2"]).exit_code == 0
    assert one.read_bytes() == two.read_bytes()
