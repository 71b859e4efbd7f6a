"""Model folders: round trip, validation, and refusal to run pickled code."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.conftest import one_network_per_fold, synthetic_voice_rows
from vgr.errors import ModelError, OutputExistsError
from vgr.models.checkpoint import load_ensemble, save_ensemble
from vgr.models.training import train_ensemble
from vgr.runs.tables import read_feature_table


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A 2-fold model of a tiny network on synthetic rows: the tests here need a model folder, not a good one."""
    csv = tmp_path_factory.mktemp("data") / "synthetic.csv"
    synthetic_voice_rows(200).to_csv(csv, index=False)
    table = read_feature_table([csv])
    report = train_ensemble(table, one_network_per_fold(folds=2, epochs=2, hidden=(8,), contiguous_check=False))
    folder = tmp_path_factory.mktemp("models") / "model"
    save_ensemble(report.ensemble, folder)
    return folder, report, table


def refused(folder) -> str:
    """The message of the ``ModelError`` that loading ``folder`` raises."""
    with pytest.raises(ModelError) as caught:
        load_ensemble(folder)
    return str(caught.value)


def copy(saved, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(saved[0], target)
    return target


def test_round_trip_predicts_the_same(saved):
    folder, report, table = saved
    loaded = load_ensemble(folder)
    np.testing.assert_allclose(loaded.predict_proba(table.features[:50]), report.ensemble.predict_proba(table.features[:50]))
    metadata = json.loads((folder / "model.json").read_text())
    for key in ("format", "format_version", "vgr_version", "feature_names", "classes", "architecture", "training", "metrics"):
        assert key in metadata
    assert len(metadata["members"]) == 2 and "mean" in metadata["members"][0]["scaler"]


def test_existing_model_folder_is_not_overwritten(saved):
    folder, report, _ = saved
    with pytest.raises(OutputExistsError, match="already exists"):
        save_ensemble(report.ensemble, folder)




@pytest.mark.bad_input
def test_missing_fold(saved, tmp_path):
    folder = copy(saved, tmp_path)
    (folder / "fold_02.npz").unlink()
    assert refused(folder) == f"{folder / 'fold_02.npz'}: fold checkpoint is missing"


@pytest.mark.bad_input
def test_truncated_checkpoint(saved, tmp_path):
    folder = copy(saved, tmp_path)
    data = (folder / "fold_01.npz").read_bytes()
    (folder / "fold_01.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"fold_01\.npz: unreadable checkpoint"):
        load_ensemble(folder)


@pytest.mark.bad_input
def test_wrong_format_version(saved, tmp_path):
    folder = copy(saved, tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    metadata["format_version"] = 99
    (folder / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError) as caught:
        load_ensemble(folder)
    assert str(caught.value) == f"{folder / 'model.json'}: format version 99 is not supported (this vgr reads 1 and 2)"


@pytest.mark.bad_input
def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelError, match="no model.json"):
        load_ensemble(tmp_path)


@pytest.mark.bad_input
def test_tensors_that_do_not_fit_the_architecture(saved, tmp_path):
    folder = copy(saved, tmp_path)
    np.savez(folder / "fold_01.npz", **{"layer0.weight": np.zeros((3, 3)), "layer0.bias": np.zeros(3)})
    with pytest.raises(ModelError, match=r"fold_01\.npz: does not fit the architecture"):
        load_ensemble(folder)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.bad_input
def test_checkpoint_that_runs_code_when_unpickled_is_refused(saved, tmp_path):
    folder = copy(saved, tmp_path)
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = _Exploit(str(marker))
    np.savez(folder / "fold_01.npz", **{"layer0.weight": payload, "layer0.bias": np.zeros(3)})
    with pytest.raises(ModelError, match=r"fold_01\.npz: refused: not a plain-array checkpoint"):
        load_ensemble(folder)
    assert not marker.exists()


@pytest.mark.bad_input
def test_input_with_other_features_than_the_model(saved):
    folder, _, _ = saved
    ensemble = load_ensemble(folder)
    with pytest.raises(ModelError, match=r"input has shape \(2, 3\), but the ensemble expects \(n, 20\) features"):
        ensemble.predict(np.zeros((2, 3)))
    with pytest.raises(ModelError, match="input lacks feature"):
        ensemble.predict({"meanfun": 0.1})


@pytest.mark.bad_input
def test_malformed_scaler(saved, tmp_path):
    target = copy(saved, tmp_path)
    metadata = json.loads((target / "model.json").read_text())
    metadata["members"][0]["scaler"]["quantiles"] = [[2.0] * 20, [1.0] * 20]
    (target / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match=r"scaler of fold_01.npz is malformed \(scaler quantiles must be a non-decreasing"):
        load_ensemble(target)


def test_members_of_several_shapes_round_trip(saved, tmp_path):
    """A member of another shape than ``architecture.hidden`` carries its own ``hidden``; loading checks it."""
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings

    table = saved[2]
    settings = TrainingSettings(folds=2, epochs=2, hidden=((8,), (4, 4)), members_per_fold=2, features=FEATURE_NAMES,
                                contiguous_check=False)
    report = train_ensemble(table, settings)
    save_ensemble(report.ensemble, tmp_path / "mixed")
    metadata = json.loads((tmp_path / "mixed" / "model.json").read_text())
    assert metadata["architecture"]["hidden"] == [8]
    assert [m.get("hidden") for m in metadata["members"]] == [None, [4, 4], None, [4, 4]]
    loaded = load_ensemble(tmp_path / "mixed")
    np.testing.assert_allclose(loaded.predict_proba(table.features[:50]), report.ensemble.predict_proba(table.features[:50]))
    metadata["members"][1]["hidden"] = [4]
    (tmp_path / "mixed" / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match=r"fold_01_2.npz: does not fit the architecture \(layers \[\(4, 20\), \(4, 4\), "):
        load_ensemble(tmp_path / "mixed")
    metadata["members"][1]["hidden"] = [0]
    (tmp_path / "mixed" / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match=r"members\[1\]\.hidden\[0\] must be a whole number from 1 to 4096, not 0$"):
        load_ensemble(tmp_path / "mixed")


@pytest.fixture(scope="module")
def blended(saved, tmp_path_factory):
    """The same tiny fit with a kernel model per fold (the `vgr train` default), saved."""
    table = saved[2]
    report = train_ensemble(table, one_network_per_fold(folds=2, epochs=2, hidden=(8,), contiguous_check=False,
                                                        kernel_weight=0.5))
    folder = tmp_path_factory.mktemp("models") / "blended"
    save_ensemble(report.ensemble, folder)
    return folder, report, table


def test_kernel_models_round_trip_as_format_version_2(saved, blended):
    """Kernel models go to kernel_XX.npz and model.json's ``kernels`` (format version 2); a model without them is
    still written as version 1, which older vgr reads, and this vgr reads both."""
    folder, report, table = blended
    assert sorted(p.name for p in folder.iterdir()) == ["fold_01.npz", "fold_02.npz", "kernel_01.npz", "kernel_02.npz",
                                                        "model.json"]
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 2 and metadata["kernels"]["kind"] == "rbf-ridge"
    assert [k["rows"] for k in metadata["kernels"]["models"]] == [100, 100]
    loaded = load_ensemble(folder)
    assert loaded.kernel_weight == 0.5 and "kernels" not in loaded.metadata
    np.testing.assert_allclose(loaded.predict_proba(table.features[:50]), report.ensemble.predict_proba(table.features[:50]))
    assert json.loads((saved[0] / "model.json").read_text())["format_version"] == 1
    assert load_ensemble(saved[0]).kernels == []


KERNEL_CASES = {
    "kind": (lambda m, d: d["kernels"].update(kind="svm"), "model.json: kernels.kind must be one of rbf-ridge, not 'svm'"),
    "weight": (lambda m, d: d["kernels"].update(weight=2), "model.json: kernels.weight must be from 0 to 1, not 2.0"),
    "models": (lambda m, d: d["kernels"].update(models=[]), "model.json: kernels.models must be a list of 1 to 100 items, not list"),
    "gamma": (lambda m, d: m.update(gamma=-1), "model.json: kernels.models[0].gamma must be above 0, not -1"),
    "rows huge": (lambda m, d: m.update(rows=10**9),
                  "model.json: kernels.models[0].rows must be a whole number from 1 to 50000, not 1000000000"),
    "scaler": (lambda m, d: m["scaler"].update(scale=[1.0]), "model.json: kernels.models[0].scaler.scale must be a list of 20 to 20 items, not list"),
    "outside": (lambda m, d: m.update(file="../kernel_01.npz"),
                "model.json: kernels.models[0].file '../kernel_01.npz' is not a file inside the model folder"),
    "version 1": (lambda m, d: d.update(format_version=1), "model.json: format version 1 models cannot have 'kernels'"),
    "no kernels": (lambda m, d: d.pop("kernels"), "model.json: format version 2 models must have 'kernels'"),
    "rows": (lambda m, d: m.update(rows=5), "kernel_01.npz: does not fit its entry in model.json (arrays "
             "{'points': (100, 20), 'weights': (100,)}, expected {'points': (5, 20), 'weights': (5,)})"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", sorted(KERNEL_CASES))
def test_crafted_kernel_entries_are_one_line(blended, tmp_path, case):
    folder = copy(blended, tmp_path)
    change, reason = KERNEL_CASES[case]
    metadata = json.loads((folder / "model.json").read_text())
    change(metadata["kernels"]["models"][0] if "kernels" in metadata else None, metadata)
    (folder / "model.json").write_text(json.dumps(metadata))
    assert refused(folder) == f"{folder}/{reason}"


@pytest.mark.bad_input
def test_a_missing_or_pickled_kernel_model_is_refused(blended, tmp_path):
    folder = copy(blended, tmp_path)
    (folder / "kernel_02.npz").unlink()
    assert refused(folder) == f"{folder / 'kernel_02.npz'}: fold checkpoint is missing"
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = _Exploit(str(marker))
    np.savez(folder / "kernel_02.npz", points=payload, weights=np.zeros(3))
    with pytest.raises(ModelError, match=r"kernel_02\.npz: refused: not a plain-array checkpoint"):
        load_ensemble(folder)
    assert not marker.exists()
