"""`vgr train`, `vgr evaluate` and `vgr predict` from the command line: outputs, formats, exit codes."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES, harmonic_tone, synthetic_voice_rows
from vgr.cli import app

runner = CliRunner()
MEMBER_FILES = ["fold_01_1.npz", "fold_01_2.npz", "fold_02_1.npz", "fold_02_2.npz", "fold_03_1.npz", "fold_03_2.npz"]
KERNEL_FILES = ["kernel_01.npz", "kernel_02.npz", "kernel_03.npz"]  # one kernel model per fold (the default)


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    """317 synthetic voice.csv-like rows, with a file column, in shuffled column order."""
    voice = synthetic_voice_rows(317)
    voice.insert(0, "file", [f"row{i}" for i in range(len(voice))])
    path = tmp_path_factory.mktemp("data") / "small.csv"
    voice[list(reversed(voice.columns))].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(small_csv, tmp_path_factory):
    base = tmp_path_factory.mktemp("trained")
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(base / "model"), "-l", str(base / "logs"),
                                 "--folds", "3", "--epochs", "60", "--hidden", "16,16", "--seed", "1",
                                 "--members-per-fold", "2"])  # and, by default, a kernel model per fold
    assert result.exit_code == 0, result.output
    return base, result


def test_train_writes_model_and_logs(trained):
    base, result = trained
    assert sorted(p.name for p in (base / "model").iterdir()) == [*MEMBER_FILES, *KERNEL_FILES, "model.json"]
    assert {p.name for p in (base / "logs").iterdir()} == {"fold_01.csv", "fold_02.csv", "fold_03.csv", "summary.json", "curves.png"}
    assert (base / "logs" / "curves.png").read_bytes()[:4] == b"\x89PNG"
    with open(base / "logs" / "fold_01.csv") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 60 and set(rows[0]) == {"epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy"}
    summary = json.loads((base / "logs" / "summary.json").read_text())
    assert 0.8 < summary["metrics"]["out_of_fold_accuracy"] <= 1
    assert "out-of-fold accuracy" in result.stdout and "contiguous folds" in result.stdout
    assert "shuffled fold 1/3" in result.stderr


def test_same_seed_gives_identical_checkpoints(trained, small_csv, tmp_path):
    base, _ = trained
    again = tmp_path / "again"
    assert runner.invoke(app, ["train", str(small_csv), "-o", str(again), "--folds", "3", "--epochs", "60",
                               "--hidden", "16,16", "--seed", "1", "--members-per-fold", "2", "--kernel-weight", "1/2",
                               "-w", "1"]).exit_code == 0
    for name in (*MEMBER_FILES, *KERNEL_FILES, "model.json"):
        assert (again / name).read_bytes() == (base / "model" / name).read_bytes(), name


def test_train_refuses_to_overwrite_a_model(trained, small_csv):
    base, _ = trained
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(base / "model")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: {base / 'model'}: already exists (use --force to overwrite)"


@pytest.mark.bad_input
def test_train_on_a_bad_csv_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["train", str(bad), "-o", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"vgr: error: {bad}: columns 'meanfreq', 'sd',")
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "m").exists()


def test_evaluate_prints_scores_and_writes_predictions(trained, small_csv, tmp_path):
    base, _ = trained
    out = tmp_path / "predictions.csv"
    result = runner.invoke(app, ["evaluate", str(small_csv), "--model", str(base / "model"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "accuracy:" in result.stdout and "confusion" in result.stdout and "precision" in result.stdout
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["file", "label", "predicted", "p_female", "p_male", "votes"]
    assert predictions["file"].tolist()[:2] == ["row0", "row1"] and len(predictions) == 317
    np.testing.assert_allclose(predictions["p_female"] + predictions["p_male"], 1, atol=1e-5)
    accuracy = (predictions["label"] == predictions["predicted"]).mean()
    assert f"accuracy: {accuracy:.2%}" in result.stdout


def test_predict_formats_and_exit_codes(tmp_path, write_wav):
    male, female = EXAMPLES / "male.flac", EXAMPLES / "female.flac"
    result = runner.invoke(app, ["predict", str(male), str(female), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["label"] for r in rows] == ["male", "female"]
    assert set(rows[0]) == {"file", "label", "probability", "p_male", "votes", "seconds", "status"}
    assert rows[0]["votes"].endswith("/10") and rows[0]["status"] == "ok" and rows[0]["probability"] > 0.5

    short = write_wav("short.wav", harmonic_tone(150, 16000, 0.05), 16000)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["predict", str(male), str(short), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 1
    table = pd.read_csv(out)
    assert table["label"].tolist()[0] == "male" and table["status"].tolist()[0] == "ok"
    assert table["status"].tolist()[1].startswith("error: too short: 800 samples")
    assert f"vgr: {short}: too short" in result.stderr

    result = runner.invoke(app, ["predict", str(female)])
    assert result.exit_code == 0 and "female" in result.stdout and "/10" in result.stdout


def test_predict_a_features_csv(small_csv):
    result = runner.invoke(app, ["predict", str(small_csv), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert len(rows) == 317 and rows[0]["file"] == "row0" and rows[0]["seconds"] == ""


@pytest.mark.bad_input
def test_predict_with_a_broken_model_is_one_line(tmp_path):
    (tmp_path / "model").mkdir()
    result = runner.invoke(app, ["predict", str(EXAMPLES), "--model", str(tmp_path / "model")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"vgr: error: {tmp_path / 'model'}: no model.json (not a vgr model folder)"


def test_train_options_for_the_fit_are_recorded(small_csv, tmp_path):
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m"), "--folds", "3", "--epochs", "5",
                                 "--hidden", "8", "--batch-size", "32", "--scaling", "rank-gauss", "--refit",
                                 "--no-contiguous-check"])
    assert result.exit_code == 0, result.output
    metadata = json.loads((tmp_path / "m" / "model.json").read_text())
    assert {k: metadata["training"][k] for k in ("batch_size", "scaling", "refit")} == \
        {"batch_size": 32, "scaling": "rank-gauss", "refit": True}
    assert "quantiles" in metadata["members"][0]["scaler"]
    wrong = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "n"), "--scaling", "minmax"])
    assert wrong.exit_code == 2 and "minmax" in wrong.stderr and not (tmp_path / "n").exists()


def test_help_lists_members_per_fold():
    result = runner.invoke(app, ["train", "--help"])
    assert result.exit_code == 0 and "--members-per-fold" in result.stdout
    assert "each with its own" in " ".join(result.stdout.split())
    assert "several shapes joined by + (e.g. 128,128,128+256,256)" in " ".join(result.stdout.split())


def test_members_of_several_shapes_from_the_command_line(small_csv, tmp_path):
    from vgr.models.checkpoint import load_ensemble

    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m"), "--folds", "3", "--epochs", "5",
                                 "--hidden", "8+4,4", "--no-contiguous-check"])
    assert result.exit_code == 0, result.output
    metadata = json.loads((tmp_path / "m" / "model.json").read_text())
    assert metadata["training"]["hidden"] == [[8], [4, 4]] and metadata["architecture"]["hidden"] == [8]
    assert [m.get("hidden") for m in metadata["members"]] == [None, [4, 4]] * 3
    assert [len(m.layers.weights) for m in load_ensemble(tmp_path / "m").members] == [2, 3] * 3


@pytest.mark.bad_input
@pytest.mark.parametrize("options, message", [
    (["--members-per-fold", "0"], "members per fold must be a whole number from 1 to 10, not 0"),
    (["--members-per-fold", "11"], "members per fold must be a whole number from 1 to 10, not 11"),
    (["--members-per-fold", "two"], "--members-per-fold takes a whole number, not 'two'"),
    (["--members-per-fold", "1.5"], "--members-per-fold takes a whole number, not '1.5'"),
    (["--folds", "20", "--members-per-fold", "6"], "20 folds of 6 members are more than the 100 members a model may hold"),
    (["--hidden", "8+16,16", "--members-per-fold", "1"], "2 hidden shapes need at least 2 members per fold, not 1"),
    (["--hidden", "8+"], "--hidden takes comma-separated whole numbers (several shapes joined by +), not '8+'"),
    (["--hidden", "8+0"], "--hidden takes positive layer sizes, not '8+0'"),
])
def test_bad_members_per_fold_is_one_line(small_csv, tmp_path, options, message):
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m"), *options])
    assert result.exit_code == 1
    assert result.stderr == f"vgr: error: {message}\n" and "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_members_per_fold_is_recorded_and_every_member_votes(small_csv, tmp_path):
    from vgr.models.checkpoint import load_ensemble

    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m"), "--folds", "3", "--epochs", "5",
                                 "--hidden", "8", "--members-per-fold", "2", "--kernel-weight", "0",
                                 "--no-contiguous-check"])
    assert result.exit_code == 0, result.output
    assert "trained 3 folds of 2 members on 317 rows" in result.stderr
    metadata = json.loads((tmp_path / "m" / "model.json").read_text())
    assert metadata["training"]["members_per_fold"] == 2
    assert [m["file"] for m in metadata["members"]] == MEMBER_FILES
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [*MEMBER_FILES, "model.json"]
    model = load_ensemble(tmp_path / "m")
    rows = pd.read_csv(small_csv)[list(model.feature_names)].to_numpy()[:40]
    each = np.stack([member.probabilities(rows) for member in model.members])
    predictions = model.predict(rows)
    assert len(model.members) == 6 and {p.members for p in predictions} == {6}
    np.testing.assert_allclose([p.p_male for p in predictions], each[:, :, 1].mean(axis=0), rtol=1e-6)
    male_votes = (each.argmax(axis=2) == 1).sum(axis=0)
    assert [p.votes for p in predictions] == [v if p.label == "male" else 6 - v for v, p in zip(male_votes, predictions)]


def test_cli_defaults_are_the_library_defaults(small_csv, tmp_path, monkeypatch):
    """`vgr train CSV -o DIR` with no option trains exactly ``TrainingSettings()`` (the bench scores that)."""
    import vgr.models.training as training

    seen = []

    def capture(table, settings, **_):
        seen.append(settings)
        raise training.TableError("stop here")

    monkeypatch.setattr(training, "train_ensemble", capture)
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m")])
    assert result.exit_code == 1 and result.stderr == "vgr: error: stop here\n"
    assert seen == [training.TrainingSettings()]


def test_help_lists_kernel_weight():
    result = runner.invoke(app, ["train", "--help"])
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "--kernel-weight" in text and "0 fits none: networks only" in text


@pytest.mark.bad_input
@pytest.mark.parametrize("value", ["1.5", "-0.1", "half", "1/0", "nan", ""])
def test_bad_kernel_weight_is_one_line(small_csv, tmp_path, value):
    result = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "m"), "--kernel-weight", value])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == f"vgr: error: --kernel-weight takes a number from 0 to 1 or a fraction, not {value!r}\n"
    assert not (tmp_path / "m").exists()


def test_kernel_models_vote_by_their_weight(trained, small_csv, tmp_path):
    """With `--kernel-weight 0.5` (the default) each fold's kernel model is saved (format version 2) and blended
    half and half with the networks' mean; `vgr evaluate` and `vgr predict` use the blend, `--kernel-weight 1/4`
    is recorded, and with `--kernel-weight 0` there are none."""
    from vgr.models.checkpoint import load_ensemble

    base, result = trained
    assert "trained 3 folds of 2 members and a kernel model each (weight 0.5)" in result.stderr
    metadata = json.loads((base / "model" / "model.json").read_text())
    assert metadata["format_version"] == 2 and metadata["training"]["kernel_weight"] == 0.5
    assert metadata["kernels"]["weight"] == 0.5 and [k["file"] for k in metadata["kernels"]["models"]] == KERNEL_FILES
    model = load_ensemble(base / "model")
    rows = pd.read_csv(small_csv)[list(model.feature_names)].to_numpy()[:40]
    networks = np.stack([member.probabilities(rows)[:, 1] for member in model.members]).mean(axis=0)
    kernels = np.stack([kernel.p_male(rows) for kernel in model.kernels])
    predictions = model.predict(rows)
    np.testing.assert_allclose([p.p_male for p in predictions], 0.5 * networks + 0.5 * kernels.mean(axis=0), rtol=1e-6)
    assert {p.members for p in predictions} == {9}  # 6 networks and 3 kernel models vote
    out = tmp_path / "predictions.csv"
    assert runner.invoke(app, ["evaluate", str(small_csv), "--model", str(base / "model"), "-o", str(out)]).exit_code == 0
    written = pd.read_csv(out)
    every = model.predict(pd.read_csv(small_csv)[list(model.feature_names)].to_numpy())
    np.testing.assert_allclose(written["p_male"], [p.p_male for p in every], atol=1e-4)
    quarter = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "q"), "--folds", "3", "--epochs", "5",
                                  "--hidden", "8", "--kernel-weight", "1/4", "--no-contiguous-check"])
    assert quarter.exit_code == 0, quarter.output
    assert json.loads((tmp_path / "q" / "model.json").read_text())["kernels"]["weight"] == 0.25
    assert load_ensemble(tmp_path / "q").kernel_weight == 0.25
    plain = runner.invoke(app, ["train", str(small_csv), "-o", str(tmp_path / "p"), "--folds", "3", "--epochs", "5",
                                "--hidden", "8", "--no-contiguous-check", "--kernel-weight", "0"])
    assert plain.exit_code == 0 and "trained 3 folds of 2 members on 317 rows" in plain.stderr
    assert not list((tmp_path / "p").glob("kernel_*")) and load_ensemble(tmp_path / "p").kernels == []


@pytest.fixture(scope="module")
def wide_csv(tmp_path_factory):
    """11,200 synthetic rows: 10 folds leave up to 10,080 training rows each, over the kernel models' 10,000."""
    voice = synthetic_voice_rows(11_200)
    path = tmp_path_factory.mktemp("wide") / "wide.csv"
    voice.to_csv(path, index=False)
    return path


def test_a_table_too_large_for_kernel_models_trains_networks_only_by_default(wide_csv, tmp_path):
    """The default blend would need a 10,080 × 10,080 matrix a fold: networks only, said in one note; asked for
    explicitly, kernel models on such folds are a one-line error before any training."""
    from vgr.models.checkpoint import load_ensemble

    result = runner.invoke(app, ["train", str(wide_csv), "-o", str(tmp_path / "m"), "--epochs", "1", "--hidden", "4",
                                 "--members-per-fold", "1", "--no-contiguous-check"])
    assert result.exit_code == 0, result.output
    assert ("note: folds of up to 10,080 training rows are more than kernel models take (10,000): networks only "
            "(--kernel-weight 0)") in result.stderr
    assert load_ensemble(tmp_path / "m").kernels == [] and not list((tmp_path / "m").glob("kernel_*"))
    asked = runner.invoke(app, ["train", str(wide_csv), "-o", str(tmp_path / "k"), "--epochs", "1", "--hidden", "4",
                                "--kernel-weight", "0.5"])
    assert asked.exit_code == 1 and "Traceback" not in asked.output
    assert asked.stderr == ("vgr: error: kernel models are fitted on at most 10,000 training rows a fold, and these "
                            "folds have up to 10,080: train with kernel weight 0 (networks only)\n")
    assert not (tmp_path / "k").exists()
