"""The folds' kernel model (vgr.models.kernel): the ridge solution it claims (the blend: tests/test_training.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vgr.models.kernel import C, fit_kernel_ridge, rbf
from vgr.models.training import TrainingSettings


def test_kernel_ridge_solves_its_equation_and_keeps_probabilities_in_range():
    """(K + I / C) w = y - mean(y) on the scaled rows, gamma 1 / columns, checked against a direct numpy solve; a
    signed log is taken of the flagged column before standardising; p(male) is clipped to [0, 1]."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)) * [1.0, 5.0, 100.0] + [0.0, 2.0, -50.0]
    male = (x[:, 0] + rng.normal(scale=0.3, size=60) > 0).astype(int)
    model = fit_kernel_ridge(x, male, [False, False, True])
    shaped = np.column_stack([x[:, :2], np.sign(x[:, 2]) * np.log1p(np.abs(x[:, 2]))])
    scaled = (shaped - shaped.mean(axis=0)) / shaped.std(axis=0)
    np.testing.assert_allclose(model.points, scaled, atol=1e-12)
    kernel = np.exp(-np.sum((scaled[:, None] - scaled[None]) ** 2, axis=2) / 3)
    np.testing.assert_allclose(rbf(scaled, scaled, 1 / 3), kernel, atol=1e-12)
    weights = np.linalg.solve(kernel + np.eye(60) / C, male - male.mean())
    np.testing.assert_allclose(model.weights, weights, atol=1e-9)
    assert model.gamma == pytest.approx(1 / 3) and model.intercept == pytest.approx(male.mean())
    far = np.array([[50.0, 2.0, -50.0], [-50.0, 2.0, -50.0], [0.0, 2.0, -50.0]])
    p = model.p_male(far)
    assert np.all((0 <= p) & (p <= 1))
    np.testing.assert_allclose(p[:2], male.mean())  # far from every row the kernel fades: the mean is left
    expected = np.clip(kernel @ weights + male.mean(), 0, 1)
    np.testing.assert_allclose(model.p_male(x), expected, atol=1e-9)


@pytest.mark.bad_input
@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), "0.5", True])
def test_bad_kernel_weight_is_refused(value):
    with pytest.raises(ValueError, match=r"^kernel weight must be a number from 0 to 1, not "):
        TrainingSettings(kernel_weight=value)


def test_kernel_rows_is_the_largest_folds_training_rows():
    """What each fold's kernel model is fitted on at most, for the shuffled folds and the contiguous check."""
    from vgr.models.folds import contiguous_folds, stratified_folds
    from vgr.models.training import kernel_rows

    labels = np.array([0] * 1_013 + [1] * 2_155)
    for k in (2, 7, 10):
        largest = max(len(labels) - len(fold) for fold in stratified_folds(labels, k, seed=3))
        assert kernel_rows(labels, k) == largest
        assert kernel_rows(labels, k) >= max(len(labels) - len(block) for block in contiguous_folds(len(labels), k))


def test_a_kernel_model_refuses_more_rows_than_it_can_hold():
    from vgr.models.kernel import MAX_ROWS, fit_kernel_ridge

    rows = np.random.default_rng(0).standard_normal((MAX_ROWS + 1, 2))
    with pytest.raises(ValueError, match="at most 10,000 rows, not 10,001"):
        fit_kernel_ridge(rows, rows[:, 0] > 0, [False, False])
