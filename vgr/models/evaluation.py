"""Scoring predictions against true labels: accuracy, per-class precision/recall/F1, confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vgr.features.names import LABELS


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Scores:
    accuracy: float
    classes: list[ClassScore]
    confusion: np.ndarray  # rows: true label, columns: predicted, in LABELS order


def score(true: np.ndarray, predicted: np.ndarray) -> Scores:
    """``true`` and ``predicted`` are label indices into ``LABELS``."""
    confusion = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    np.add.at(confusion, (true, predicted), 1)
    classes = []
    for k, label in enumerate(LABELS):
        hits = confusion[k, k]
        precision = hits / confusion[:, k].sum() if confusion[:, k].sum() else 0.0
        recall = hits / confusion[k].sum() if confusion[k].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassScore(label, float(precision), float(recall), float(f1), int(confusion[k].sum())))
    return Scores(float(np.trace(confusion) / confusion.sum()), classes, confusion)
