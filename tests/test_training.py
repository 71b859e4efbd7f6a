"""k-fold training: folds, determinism, honest metrics, the one-class case."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import one_network_per_fold
from vgr.errors import TableError
from vgr.models.folds import contiguous_folds, stratified_folds, validation_split
from vgr.models.training import TrainingSettings, train_ensemble
from vgr.features.names import FEATURE_NAMES
from vgr.runs.tables import FeatureTable, read_feature_table

TINY = one_network_per_fold(folds=3, epochs=10, hidden=(16, 16), contiguous_check=True)


def test_stratified_folds_partition_rows_and_keep_class_balance():
    labels = np.array([0] * 30 + [1] * 60)
    folds = stratified_folds(labels, 3, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(90))
    for fold in folds:
        assert np.bincount(labels[fold]).tolist() == [10, 20]
    assert [f.tolist() for f in folds] == [f.tolist() for f in stratified_folds(labels, 3, seed=1)]
    assert [f.tolist() for f in folds] != [f.tolist() for f in stratified_folds(labels, 3, seed=2)]


def test_contiguous_folds_are_blocks_in_file_order():
    assert [f.tolist() for f in contiguous_folds(7, 3)] == [[0, 1, 2], [3, 4], [5, 6]]


def test_validation_split_is_carved_from_the_given_rows():
    labels = np.array([0, 1] * 50)
    train, validation = validation_split(labels, 0.1, seed=0)
    assert len(validation) == 10 and np.bincount(labels[validation]).tolist() == [5, 5]
    assert set(train) | set(validation) == set(range(100)) and not set(train) & set(validation)


@pytest.fixture(scope="module")
def voice(shared):
    return read_feature_table([shared / "data" / "voice.csv"])


@pytest.fixture(scope="module")
def tiny_report(voice):
    return train_ensemble(voice, TINY)


def test_training_reports_honest_metrics(tiny_report, voice):
    report = tiny_report
    assert len(report.ensemble.members) == 3 and len(report.folds) == 3
    assert sum(f.test_rows for f in report.folds) == 3168
    assert not np.isnan(report.out_of_fold_p_male).any()
    oof = np.mean((report.out_of_fold_p_male >= 0.5) == (voice.labels == 1))
    assert report.out_of_fold_accuracy == pytest.approx(oof)
    assert report.out_of_fold_accuracy > 0.9  # even 10 epochs of a small net separate voice.csv well
    assert report.contiguous_accuracy is not None and report.contiguous_accuracy < report.out_of_fold_accuracy
    for fold in report.folds:
        assert fold.best_epoch == min(fold.history, key=lambda log: log.validation_loss).epoch
    metadata = report.ensemble.metadata
    assert metadata["training"]["data_sha256"] == voice.sha256
    assert metadata["metrics"]["out_of_fold_accuracy"] == report.out_of_fold_accuracy


@pytest.mark.parametrize("refit", [False, True])
def test_member_k_never_sees_fold_k(monkeypatch, refit):
    """Every fit of member k (scaler, training and validation rows) leaves out the test rows the report stores;
    a refit trains each member for the epoch count its own validation split chose."""
    from vgr.models import training

    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1], 45)
    # Classes that barely differ, and a high learning rate: the best epochs differ between the folds.
    table = FeatureTable(rng.standard_normal((90, 20)) + 0.1 * labels[:, None], labels, [], None, FEATURE_NAMES, "x")
    fits = []
    real_fit = training._fit_members

    def recording_fit(features, labels, rows, validation_rows, settings, epochs, seeds, shape):
        members, histories = real_fit(features, labels, rows, validation_rows, settings, epochs, seeds, shape)
        for index, seed in enumerate(seeds):
            fits.append((seed, set(rows[index].tolist()),
                         set([] if validation_rows is None else validation_rows[index].tolist()), epochs[index],
                         histories[index]))
        return members, histories

    monkeypatch.setattr(training, "_fit_members", recording_fit)
    settings = one_network_per_fold(folds=3, epochs=8, hidden=(4,), contiguous_check=False, refit=refit,
                                    learning_rate=0.05)
    report = training.train_ensemble(table, settings)
    stored = [set(fold.test_indices.tolist()) for fold in report.folds]
    assert sorted(i for rows in stored for i in rows) == list(range(90))  # the folds partition the rows
    assert stored == [set(rows.tolist()) for rows in stratified_folds(labels, 3, settings.seed)]
    assert len(fits) == 3 * (2 if refit else 1)
    for k, test_rows in enumerate(stored, start=1):
        member_fits = [fit[1:] for fit in fits if fit[0] == settings.seed * 1000 + k]
        assert len(member_fits) == (2 if refit else 1)
        for rows, validation, _, _ in member_fits:
            assert not (rows | validation) & test_rows, f"member {k} saw rows of its own test fold"
            assert rows | validation == set(range(90)) - test_rows  # and every other row
        assert member_fits[0][2] == 8
        if refit:
            assert member_fits[1][2] == report.folds[k - 1].best_epoch == len(member_fits[1][3])
        scaler = report.ensemble.members[k - 1].scaler
        fitted_on = sorted(member_fits[-1][0])
        assert scaler.mean[:6] == pytest.approx(table.features[fitted_on, :6].mean(axis=0))  # before skew, kurt
    if refit:
        assert len({fold.best_epoch for fold in report.folds}) > 1  # so the epoch counts told the members apart


def test_same_seed_same_result_whatever_the_workers(voice, tiny_report):
    settings = one_network_per_fold(folds=3, epochs=10, hidden=(16, 16), contiguous_check=False)
    again = train_ensemble(voice, settings, workers=2)
    assert again.out_of_fold_accuracy == tiny_report.out_of_fold_accuracy
    np.testing.assert_array_equal(again.out_of_fold_p_male, tiny_report.out_of_fold_p_male)


def test_members_and_refit_do_not_depend_on_the_workers(voice):
    """Two members per fold with refit, dealt into 1 or 3 stacked groups: every member's weights agree to the bit."""
    settings = one_network_per_fold(folds=3, epochs=6, hidden=(8,), contiguous_check=False, members_per_fold=2,
                                    refit=True, batch_size=256)
    one, three = (train_ensemble(voice, settings, workers=workers) for workers in (1, 3))
    assert len(one.ensemble.members) == 6
    for a, b in zip(one.ensemble.members, three.ensemble.members):
        for x, y in zip(a.layers.weights + a.layers.biases, b.layers.weights + b.layers.biases):
            np.testing.assert_array_equal(x, y)
    assert [f.best_epochs for f in one.folds] == [f.best_epochs for f in three.folds]


def test_one_class_only_is_refused():
    table = FeatureTable(np.ones((20, 20)), np.ones(20, dtype=int), [str(i) for i in range(20)], None,
                         tuple(f"f{i}" for i in range(20)), "x")
    with pytest.raises(TableError, match=r"training data has only one class \(male\); need both male and female rows"):
        train_ensemble(table, TINY)


def test_too_few_rows_for_the_folds():
    labels = np.array([0] * 2 + [1] * 10)
    table = FeatureTable(np.random.default_rng(0).random((12, 20)), labels, [], None, tuple("x" * 20), "x")
    with pytest.raises(TableError, match="cannot make 3 folds: the smaller class has 2 rows"):
        train_ensemble(table, TINY)


def test_rank_gauss_scaler_maps_training_rows_onto_a_normal_and_keeps_order():
    from vgr.models.scaler import Scaler

    rng = np.random.default_rng(0)
    rows = np.c_[rng.lognormal(size=2000), rng.standard_cauchy(2000), np.repeat([1.0, 2.0], 1000)]
    scaler = Scaler.fit(rows, rank_gaussian=True)
    mapped = scaler.transform(rows)
    for column in range(2):  # heavy tails are gone: mean 0, deviation 1, nothing beyond ~5.2 sigma
        assert abs(mapped[:, column].mean()) < 1e-6 and mapped[:, column].std() == pytest.approx(1.0)
        order = np.argsort(rows[:, column])
        assert np.all(np.diff(mapped[order, column]) >= 0)
        assert np.abs(mapped[:, column]).max() < 5.3
    assert len(np.unique(mapped[:, 2])) == 2  # a tie lands in the middle of its quantiles, not at one end
    outside = scaler.transform(np.array([[1e9, -1e9, 3.0]]))
    assert np.all(np.isfinite(outside))  # beyond the training range: clipped, never infinite
    again = Scaler.from_dict(scaler.as_dict())
    np.testing.assert_array_equal(again.transform(rows), mapped)
    with pytest.raises(ValueError, match="non-decreasing"):
        Scaler.from_dict({**scaler.as_dict(), "quantiles": scaler.quantiles[::-1].tolist()})


def test_rank_gauss_training_is_recorded_and_reproducible(voice):
    settings = one_network_per_fold(folds=3, epochs=10, hidden=(16, 16), contiguous_check=False, scaling="rank-gauss",
                                batch_size=64)
    report = train_ensemble(voice, settings)
    assert report.out_of_fold_accuracy > 0.85  # a few epochs of a small net; chance is 0.5
    assert report.ensemble.metadata["training"]["scaling"] == "rank-gauss"
    assert report.ensemble.members[0].scaler.quantiles.shape == (1000, 20)
    again = train_ensemble(voice, settings, workers=2)
    np.testing.assert_array_equal(again.out_of_fold_p_male, report.out_of_fold_p_male)
    with pytest.raises(ValueError, match="scaling 'minmax' is not one of standard, rank-gauss"):
        TrainingSettings(scaling="minmax")


def test_refit_retrains_on_all_training_rows_for_the_chosen_epochs(voice):
    base = one_network_per_fold(folds=3, epochs=6, hidden=(16,), contiguous_check=False)
    plain = train_ensemble(voice, base)
    refit = train_ensemble(voice, one_network_per_fold(folds=3, epochs=6, hidden=(16,), contiguous_check=False, refit=True))
    assert [f.best_epoch for f in refit.folds] == [f.best_epoch for f in plain.folds]  # chosen the same way
    test_rows = stratified_folds(voice.labels, 3, 0)[0]
    training_rows = np.setdiff1d(np.arange(len(voice.labels)), test_rows)
    scaler = refit.ensemble.members[0].scaler
    assert scaler.mean[0] == pytest.approx(voice.features[training_rows, 0].mean())  # fitted on every training row
    assert plain.ensemble.members[0].scaler.mean[0] != pytest.approx(scaler.mean[0])
    assert not np.array_equal(refit.out_of_fold_p_male, plain.out_of_fold_p_male)
    assert refit.ensemble.metadata["training"]["refit"] is True


def test_members_per_fold_all_vote_and_the_first_is_the_single_network(voice):
    """Member 0 of each fold keeps the seed a one-member fold always had (a fold's first k members are the same
    networks whatever --members-per-fold, which `bench/train.py --sweep select` relies on); the
    fold's held-out p(male) is the mean of all its members, as the ensemble's vote takes it."""
    recipe = {"folds": 3, "epochs": 4, "hidden": (8,), "features": FEATURE_NAMES, "scaling": "standard",
              "refit": False, "contiguous_check": False, "kernel_weight": 0.0}
    one = train_ensemble(voice, TrainingSettings(**recipe, members_per_fold=1))
    two = train_ensemble(voice, TrainingSettings(**recipe, members_per_fold=2), workers=2)
    assert len(two.ensemble.members) == 6 and len(two.folds) == 3
    for fold in range(3):
        first, second = two.ensemble.members[2 * fold: 2 * fold + 2]
        for ours, theirs in zip(first.layers.weights, one.ensemble.members[fold].layers.weights):
            np.testing.assert_array_equal(ours, theirs)
        assert not np.array_equal(first.layers.weights[0], second.layers.weights[0])
    for fold, rows in enumerate(stratified_folds(voice.labels, 3, 0)):
        each = [m.probabilities(voice.features[rows])[:, 1] for m in two.ensemble.members[2 * fold: 2 * fold + 2]]
        np.testing.assert_allclose(two.out_of_fold_p_male[rows], np.mean(each, axis=0), rtol=1e-6)
        assert not np.allclose(each[0], each[1])
    report = two.folds[0]
    assert len(report.best_epochs) == 2 and report.best_epochs[0] == report.best_epoch
    assert two.ensemble.metadata["training"]["members_per_fold"] == 2
    assert two.ensemble.metadata["metrics"]["folds"][0]["best_epochs"] == list(report.best_epochs)


def test_members_of_several_shapes_take_them_in_turn_and_do_not_depend_on_the_workers(voice):
    """--hidden 8+16,16: member j of each fold has shape j % 2 (its own stacked network, in the same process);
    member 0 is the network a one-shape, one-member fold of 8 has, and the workers change no bit."""
    recipe = {"folds": 3, "epochs": 4, "features": FEATURE_NAMES, "refit": True, "contiguous_check": False}
    mixed = TrainingSettings(**recipe, hidden=((8,), (16, 16)), members_per_fold=3)
    assert mixed.shapes() == ((8,), (16, 16)) and [mixed.member_shape(j) for j in range(3)] == [(8,), (16, 16), (8,)]
    one, three = (train_ensemble(voice, mixed, workers=workers) for workers in (1, 3))
    alone = train_ensemble(voice, TrainingSettings(**recipe, hidden=(8,), members_per_fold=1))
    assert [[w.shape[0] for w in m.layers.weights[:-1]] for m in one.ensemble.members[:3]] == [[8], [16, 16], [8]]
    for a, b in zip(one.ensemble.members, three.ensemble.members):
        for x, y in zip(a.layers.weights + a.layers.biases, b.layers.weights + b.layers.biases):
            np.testing.assert_array_equal(x, y)
    for fold in range(3):
        for ours, theirs in zip(one.ensemble.members[3 * fold].layers.weights, alone.ensemble.members[fold].layers.weights):
            np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(one.out_of_fold_p_male, three.out_of_fold_p_male)
    assert one.ensemble.metadata["architecture"]["hidden"] == [8]
    assert one.ensemble.metadata["training"]["hidden"] == [[8], [16, 16]]


@pytest.mark.parametrize("hidden, per_fold, message", [
    (((8,), (16, 16)), 1, "2 hidden shapes need at least 2 members per fold, not 1"),
    (((8,), ()), 2, r"hidden shapes must be non-empty lists of positive layer sizes, not \(\(8,\), \(\)\)"),
    (((8,), (0,)), 2, r"hidden shapes must be non-empty lists of positive layer sizes, not \(\(8,\), \(0,\)\)"),
])
def test_bad_hidden_shapes_are_refused(hidden, per_fold, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        TrainingSettings(hidden=hidden, members_per_fold=per_fold)


@pytest.mark.parametrize("value, message", [
    (0, "members per fold must be a whole number from 1 to 10, not 0"),
    (11, "members per fold must be a whole number from 1 to 10, not 11"),
    (True, "members per fold must be a whole number from 1 to 10, not True"),
    (2.0, "members per fold must be a whole number from 1 to 10, not 2.0"),
])
def test_bad_members_per_fold_is_refused(value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        TrainingSettings(members_per_fold=value)
    with pytest.raises(ValueError, match="^20 folds of 6 members are more than the 100 members a model may hold$"):
        TrainingSettings(folds=20, members_per_fold=6)


def test_each_fold_blends_its_kernel_model_and_nothing_depends_on_the_workers(voice):
    """A fold's held-out p(male) is (1 - w) × its networks' mean + w × its kernel model's, the kernel model being
    fitted on all the fold's training rows; the ensemble votes the same way; --workers changes no bit."""
    recipe = {"folds": 3, "epochs": 3, "hidden": (8,), "features": FEATURE_NAMES, "contiguous_check": False,
              "members_per_fold": 2, "kernel_weight": 0.3}
    one, two = (train_ensemble(voice, TrainingSettings(**recipe), workers=workers) for workers in (1, 2))
    np.testing.assert_array_equal(one.out_of_fold_p_male, two.out_of_fold_p_male)
    assert len(one.ensemble.kernels) == 3 and one.ensemble.kernel_weight == 0.3
    for fold, rows in enumerate(stratified_folds(voice.labels, 3, 0)):
        kernel = one.ensemble.kernels[fold]
        np.testing.assert_array_equal(kernel.points, two.ensemble.kernels[fold].points)
        assert len(kernel.points) == len(voice.labels) - len(rows)
        networks = np.mean([m.probabilities(voice.features[rows])[:, 1]
                            for m in one.ensemble.members[2 * fold: 2 * fold + 2]], axis=0)
        np.testing.assert_allclose(one.out_of_fold_p_male[rows],
                                   0.7 * networks + 0.3 * kernel.p_male(voice.features[rows]), rtol=1e-6)
    rows = voice.features[:30]
    networks = np.mean([m.probabilities(rows)[:, 1] for m in one.ensemble.members], axis=0)
    kernels = np.mean([k.p_male(rows) for k in one.ensemble.kernels], axis=0)
    np.testing.assert_allclose(one.ensemble.predict_proba(rows)[:, 1], 0.7 * networks + 0.3 * kernels, rtol=1e-6)
    assert one.ensemble.metadata["training"]["kernel_weight"] == 0.3
    none = train_ensemble(voice, TrainingSettings(**{**recipe, "kernel_weight": 0}))
    assert none.ensemble.kernels == [] and none.ensemble.kernel_weight == 0
