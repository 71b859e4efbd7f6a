"""Kernel models of a fold: an RBF kernel ridge (exact) or random Fourier features with a logistic regression.

Both see the fold's training rows through the strongest SVM's input map (skew and kurt through a signed log,
every column standardised: ``vgr.models.scaler.Scaler``), with the RBF width scikit-learn calls gamma "scale"
(1 / columns on standardised inputs). Fitting uses torch (float64, single-threaded in a training worker);
``KernelModel`` predicts with numpy alone and holds plain arrays only.

- ``fit_kernel_ridge``: least squares on the 0/1 male targets (centred on their mean) in the RBF kernel's space,
  ``(K + alpha I) c = y - mean(y)``; p(male) is ``k(x)ᵀc + mean(y)`` clipped to [0, 1]. ``alpha = 1 / C`` is the
  least-squares SVM's regulariser. The model keeps every training row.
- ``fit_fourier_logistic``: ``features`` random Fourier features ``sqrt(2/D) cos(W x + b)`` (``W`` drawn from
  N(0, 2 gamma), ``b`` uniform on [0, 2 pi), approximating the same kernel), then an L2 logistic regression,
  ``C * sum(log loss) + |w|² / 2`` (scikit-learn's convention), fitted by L-BFGS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vgr.models.scaler import Scaler

KINDS = ("rbf-ridge", "fourier-logistic")


@dataclass(frozen=True)
class KernelModel:
    """p(male) of one fold's kernel model.

    ``rbf-ridge``: ``points`` are the scaled training rows (n × columns), ``weights`` their coefficients (n);
    ``fourier-logistic``: ``points`` are the frequencies W (D × columns), ``offsets`` the phases b (D),
    ``weights`` the logistic regression's (D). ``intercept`` is added last in both.
    """

    kind: str
    scaler: Scaler
    gamma: float
    points: np.ndarray
    weights: np.ndarray
    intercept: float
    offsets: np.ndarray | None = None

    def p_male(self, matrix: np.ndarray) -> np.ndarray:
        x = self.scaler.transform(np.asarray(matrix, dtype=np.float64))
        if self.kind == "rbf-ridge":
            return np.clip(_rbf(x, self.points, self.gamma) @ self.weights + self.intercept, 0.0, 1.0)
        z = _fourier(x, self.points, self.offsets) @ self.weights + self.intercept
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow


def _rbf(x: np.ndarray, points: np.ndarray, gamma: float) -> np.ndarray:
    """exp(-gamma |x - p|²) for every row of x against every point, in blocks of rows to bound memory."""
    out = np.empty((len(x), len(points)))
    norms = np.sum(points**2, axis=1)
    for start in range(0, len(x), 1024):
        block = x[start:start + 1024]
        distances = np.sum(block**2, axis=1)[:, None] + norms[None, :] - 2.0 * block @ points.T
        out[start:start + 1024] = np.exp(-gamma * np.maximum(distances, 0.0))
    return out


def _fourier(x: np.ndarray, frequencies: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return math.sqrt(2.0 / len(frequencies)) * np.cos(x @ frequencies.T + offsets)


def scaler_for(features: np.ndarray, compressed) -> Scaler:
    """The kernel models' input map: signed log of the ``compressed`` columns, then standardised."""
    return Scaler.fit(features, np.asarray(compressed, bool), rank_gaussian=False)


def fit_kernel_ridge(features: np.ndarray, male: np.ndarray, compressed, c: float) -> KernelModel:
    """RBF kernel ridge on 0/1 ``male`` targets, ``alpha = 1 / c``, gamma 1 / columns (see the module)."""
    import torch

    scaler = scaler_for(features, compressed)
    x = scaler.transform(features)
    gamma = 1.0 / x.shape[1]
    target = np.asarray(male, dtype=np.float64)
    intercept = float(target.mean())
    points = torch.from_numpy(x)
    kernel = torch.exp(-gamma * torch.cdist(points, points).square())
    kernel.diagonal().add_(1.0 / c)
    factor = torch.linalg.cholesky(kernel)
    weights = torch.cholesky_solve(torch.from_numpy(target - intercept)[:, None], factor)[:, 0]
    return KernelModel("rbf-ridge", scaler, gamma, x, weights.numpy(), intercept)


def fit_fourier_logistic(features: np.ndarray, male: np.ndarray, compressed, c: float, count: int,
                         rng: np.random.Generator) -> KernelModel:
    """``count`` random Fourier features of the RBF kernel, then an L2 logistic regression (see the module)."""
    import torch

    scaler = scaler_for(features, compressed)
    x = scaler.transform(features)
    gamma = 1.0 / x.shape[1]
    frequencies = rng.normal(0.0, math.sqrt(2.0 * gamma), size=(count, x.shape[1]))
    offsets = rng.uniform(0.0, 2.0 * math.pi, size=count)
    design = torch.from_numpy(_fourier(x, frequencies, offsets))
    target = torch.from_numpy(np.asarray(male, dtype=np.float64))
    weights = torch.zeros(count + 1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights], lr=1.0, max_iter=500, tolerance_grad=1e-6, tolerance_change=1e-10,
                                  history_size=20, line_search_fn="strong_wolfe")

    def loss():
        optimiser.zero_grad()
        logits = design @ weights[:-1] + weights[-1]
        value = c * torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="sum") \
            + 0.5 * weights[:-1].square().sum()
        value.backward()
        return value

    optimiser.step(loss)
    fitted = weights.detach().numpy()
    return KernelModel("fourier-logistic", scaler, gamma, frequencies, fitted[:-1].copy(), float(fitted[-1]), offsets)
