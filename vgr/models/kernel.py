"""A fold's kernel model: RBF kernel ridge on the fold's training rows, blended with the networks' vote.

It sees the rows through the strongest SVM's input map (skew and kurt through a signed log, every column
standardised: ``vgr.models.scaler.Scaler``) with the RBF width scikit-learn calls gamma "scale" (1 / columns on
standardised inputs), and solves least squares on the 0/1 male targets (centred on their mean) in the kernel's
space, ``(K + I / C) c = y - mean(y)`` (C = 10, the strongest SVM's; a least-squares SVM). p(male) is
``k(x)ᵀc + mean(y)`` clipped to [0, 1]. The model keeps every training row (scaled) and its coefficient.

Fitting uses torch (float64, single-threaded in a training worker); ``KernelModel`` predicts with numpy alone.
Each model is stored as an ``.npz`` of two plain arrays (``points``, ``weights``), written like the networks
(``vgr.models.weights``) and read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vgr.models.scaler import Scaler

KIND = "rbf-ridge"
C = 10.0
BLOCK = 256  # rows scored at a time: a block's kernel matrix is BLOCK × training rows
MAX_ROWS = 10_000  # training rows a kernel model is fitted on at most: its n × n float64 matrix is then 0.8 GB,
# held twice while it is factorised, in each training worker


@dataclass(frozen=True)
class KernelModel:
    """p(male) from the scaled training rows ``points`` (n × columns) and their coefficients ``weights`` (n)."""

    scaler: Scaler
    gamma: float
    points: np.ndarray
    weights: np.ndarray
    intercept: float

    def p_male(self, matrix: np.ndarray) -> np.ndarray:
        x = self.scaler.transform(np.asarray(matrix, dtype=np.float64))
        return np.clip(rbf(x, self.points, self.gamma) @ self.weights + self.intercept, 0.0, 1.0)

    def as_dict(self, file: str) -> dict:
        """Its ``model.json`` entry (the arrays go to ``file``)."""
        return {"file": file, "scaler": self.scaler.as_dict(), "gamma": self.gamma, "intercept": self.intercept,
                "rows": int(len(self.points))}

    def save(self, path: Path) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            for name, array in (("points", self.points), ("weights", self.weights)):
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())

    @classmethod
    def load(cls, path: Path, entry: dict) -> "KernelModel":
        """From ``path`` and its validated ``model.json`` entry. Raises ValueError / OSError / zipfile.BadZipFile /
        KeyError on anything but plain arrays."""
        with np.load(path, allow_pickle=False) as archive:
            points = np.asarray(archive["points"], dtype=np.float64)
            weights = np.asarray(archive["weights"], dtype=np.float64)
        return cls(Scaler.from_dict(entry["scaler"]), float(entry["gamma"]), points, weights, float(entry["intercept"]))


def rbf(x: np.ndarray, points: np.ndarray, gamma: float) -> np.ndarray:
    """exp(-gamma |x - p|²) of every row of x against every point, ``BLOCK`` rows at a time."""
    out = np.empty((len(x), len(points)))
    norms = np.sum(points**2, axis=1)
    for start in range(0, len(x), BLOCK):
        block = x[start:start + BLOCK]
        distances = np.sum(block**2, axis=1)[:, None] + norms[None, :] - 2.0 * block @ points.T
        out[start:start + BLOCK] = np.exp(-gamma * np.maximum(distances, 0.0))
    return out


def fit_kernel_ridge(features: np.ndarray, male: np.ndarray, compressed, c: float = C) -> KernelModel:
    """RBF kernel ridge on 0/1 ``male`` targets, ``(K + I / c) w = y - mean(y)``, gamma 1 / columns; the columns
    flagged in ``compressed`` go through a signed log before standardising."""
    import torch

    scaler = Scaler.fit(features, np.asarray(compressed, bool), rank_gaussian=False)
    x = scaler.transform(features)
    gamma = 1.0 / x.shape[1]
    target = np.asarray(male, dtype=np.float64)
    intercept = float(target.mean())
    if len(x) > MAX_ROWS:
        raise ValueError(f"a kernel model is fitted on at most {MAX_ROWS:,} rows, not {len(x):,}")
    points = torch.from_numpy(x)
    kernel = torch.cdist(points, points).square_().mul_(-gamma).exp_()  # in place: one n × n matrix, not four
    kernel.diagonal().add_(1.0 / c)
    factor = torch.linalg.cholesky(kernel)
    del kernel
    weights = torch.cholesky_solve(torch.from_numpy(target - intercept)[:, None], factor)[:, 0]
    return KernelModel(scaler, gamma, x, weights.numpy(), intercept)
