"""k-fold splits: stratified and shuffled with a seed, or contiguous and unshuffled."""

from __future__ import annotations

import numpy as np


def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """k disjoint test-index sets; each class is shuffled and dealt evenly across them."""
    rng = np.random.default_rng(seed)
    folds: list[list[np.ndarray]] = [[] for _ in range(k)]
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        for fold, chunk in zip(folds, np.array_split(members, k)):
            fold.append(chunk)
    return [np.sort(np.concatenate(parts)) for parts in folds]


def contiguous_folds(n: int, k: int) -> list[np.ndarray]:
    """k consecutive blocks of rows, in file order (voice.csv is sorted: this is the pessimistic split)."""
    return np.array_split(np.arange(n), k)


def validation_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) positions within ``labels``, stratified, for choosing the best epoch."""
    rng = np.random.default_rng(seed)
    validation = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        validation.append(members[: max(1, int(round(fraction * members.size)))])
    validation = np.sort(np.concatenate(validation))
    return np.setdiff1d(np.arange(labels.size), validation), validation
