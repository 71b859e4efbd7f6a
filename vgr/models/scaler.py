"""Input scaling fitted on a fold's training rows, kept as plain arrays.

Heavy-tailed columns (voice.csv's kurt reaches 1,300) can be compressed with a signed log first, so a few
extreme rows do not squash everyone else into a sliver of the standardised range. Or every column can be mapped
through its training rows' quantiles onto a normal distribution first ("rank-Gauss", as scikit-learn's
QuantileTransformer(output_distribution="normal") does), which leaves no tail at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


QUANTILES = 1000
EDGE = 1e-7  # keeps the normal quantile finite at the training range's ends (scikit-learn's bound)


def signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def rank_gauss(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Each column's empirical CDF (from ``quantiles``, one column per feature) mapped to a standard normal.

    Interpolating up and down and averaging puts a value tied across several quantiles in their middle.
    """
    from scipy.special import ndtri

    levels = np.linspace(0.0, 1.0, quantiles.shape[0])
    out = np.empty(values.shape, dtype=np.float64)
    for column in range(values.shape[1]):
        q, x = quantiles[:, column], values[:, column]
        up = np.interp(x, q, levels)
        down = -np.interp(-x, -q[::-1], -levels[::-1])
        out[:, column] = ndtri(np.clip(0.5 * (up + down), EDGE, 1 - EDGE))
    return out


@dataclass(frozen=True)
class Scaler:
    mean: np.ndarray
    scale: np.ndarray
    compressed: np.ndarray  # bool per column: signed log before standardising
    quantiles: np.ndarray | None = None  # (QUANTILES, columns): rank-Gauss before standardising

    @classmethod
    def fit(cls, features: np.ndarray, compressed: np.ndarray | None = None, rank_gaussian: bool = False) -> "Scaler":
        compressed = np.zeros(features.shape[1], bool) if compressed is None else np.asarray(compressed, bool)
        quantiles = None
        if rank_gaussian:
            quantiles = np.quantile(features, np.linspace(0.0, 1.0, min(QUANTILES, len(features))), axis=0)
            compressed = np.zeros(features.shape[1], bool)  # the ranks already tame every tail
        shaped = cls._shape(features, compressed, quantiles)
        scale = shaped.std(axis=0)
        return cls(shaped.mean(axis=0), np.where(scale > 0, scale, 1.0), compressed, quantiles)

    @staticmethod
    def _shape(features, compressed, quantiles) -> np.ndarray:
        if quantiles is not None:
            return rank_gauss(features, quantiles)
        return np.where(compressed, signed_log(features), features)

    def transform(self, features: np.ndarray) -> np.ndarray:
        return (self._shape(features, self.compressed, self.quantiles) - self.mean) / self.scale

    def as_dict(self) -> dict:
        data = {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "signed_log": self.compressed.tolist()}
        if self.quantiles is not None:
            data["quantiles"] = self.quantiles.tolist()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        mean = np.asarray(data["mean"], dtype=np.float64)
        compressed = np.asarray(data.get("signed_log", [False] * mean.size), dtype=bool)
        quantiles = None if data.get("quantiles") is None else np.asarray(data["quantiles"], dtype=np.float64)
        if quantiles is not None and (quantiles.ndim != 2 or quantiles.shape[1] != mean.size
                                      or not np.all(np.diff(quantiles, axis=0) >= 0)):
            raise ValueError(f"scaler quantiles must be a non-decreasing table of {mean.size} columns")
        return cls(mean, np.asarray(data["scale"], dtype=np.float64), compressed, quantiles)
