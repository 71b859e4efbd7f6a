"""A trained MLP as plain numpy arrays: inference without torch, storage without pickle.

Each fold is saved as an ``.npz`` of float32 arrays (``layer0.weight``, ``layer0.bias``, ...). It is written
with fixed zip timestamps so the same weights give the same bytes, and read with ``allow_pickle=False``
so a crafted file cannot run code.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Layers:
    """Linear layers (weight: out × in, bias: out), ReLU between them, logits out."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float32)
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = x @ weight.T + bias
            if index < len(self.weights) - 1:
                x = np.maximum(x, 0)
        return x

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        logits = self.logits(inputs).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def shapes(self) -> list[tuple[int, ...]]:
        return [w.shape for w in self.weights]

    def save(self, path: Path) -> None:
        arrays = {}
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            arrays[f"layer{index}.weight"], arrays[f"layer{index}.bias"] = weight, bias
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> "Layers":
        """Raises ValueError / OSError / zipfile.BadZipFile / KeyError on anything but plain arrays."""
        with np.load(path, allow_pickle=False) as archive:
            count = len([name for name in archive.files if name.endswith(".weight")])
            weights = tuple(np.asarray(archive[f"layer{i}.weight"], dtype=np.float32) for i in range(count))
            biases = tuple(np.asarray(archive[f"layer{i}.bias"], dtype=np.float32) for i in range(count))
        return cls(weights, biases)
