"""Input scaling fitted on a fold's training rows, kept as plain arrays.

Heavy-tailed columns (voice.csv's kurt reaches 1,300) can be compressed with a signed log first, so a few
extreme rows do not squash everyone else into a sliver of the standardised range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def signed_log(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


@dataclass(frozen=True)
class Scaler:
    mean: np.ndarray
    scale: np.ndarray
    compressed: np.ndarray  # bool per column: signed log before standardising

    @classmethod
    def fit(cls, features: np.ndarray, compressed: np.ndarray | None = None) -> "Scaler":
        compressed = np.zeros(features.shape[1], bool) if compressed is None else np.asarray(compressed, bool)
        shaped = np.where(compressed, signed_log(features), features)
        scale = shaped.std(axis=0)
        return cls(shaped.mean(axis=0), np.where(scale > 0, scale, 1.0), compressed)

    def transform(self, features: np.ndarray) -> np.ndarray:
        return (np.where(self.compressed, signed_log(features), features) - self.mean) / self.scale

    def as_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "signed_log": self.compressed.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        mean = np.asarray(data["mean"], dtype=np.float64)
        compressed = np.asarray(data.get("signed_log", [False] * mean.size), dtype=bool)
        return cls(mean, np.asarray(data["scale"], dtype=np.float64), compressed)
