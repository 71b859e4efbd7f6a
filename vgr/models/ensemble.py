"""Every fold's network votes, and each fold's kernel model when it has one: soft vote (mean probability, networks
and kernel models blended by weight), with the hard-vote count alongside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vgr.errors import ModelError
from vgr.features.names import LABELS
from vgr.models.scaler import Scaler
from vgr.models.weights import Layers

if TYPE_CHECKING:
    from vgr.models.kernel import KernelModel
    from vgr.voiceprint.head import VoiceprintHead


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float
    p_male: float
    p_female: float
    votes: int
    members: int


@dataclass(frozen=True)
class Member:
    layers: Layers
    scaler: Scaler

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        return self.layers.probabilities(self.scaler.transform(matrix))


@dataclass
class Ensemble:
    feature_names: tuple[str, ...]
    members: list[Member]
    metadata: dict = field(default_factory=dict)
    labels: tuple[str, ...] = LABELS
    voiceprint: VoiceprintHead | None = None  # optional: blends in p(male) from a speaker embedding
    kernels: list[KernelModel] = field(default_factory=list)  # one per fold (vgr.models.kernel), or none
    kernel_weight: float = 0.0  # the kernel models' share of p(male); the networks have the rest

    def as_matrix(self, features) -> np.ndarray:
        """Accept an (n, k) array in ``feature_names`` order, a DataFrame, a dict or a list of dicts."""
        if isinstance(features, Mapping):
            features = [features]
        if hasattr(features, "columns"):  # a DataFrame: select by name
            missing = [name for name in self.feature_names if name not in features.columns]
            if missing:
                raise ModelError(f"input lacks feature column(s) {', '.join(map(repr, missing))} the model needs")
            return features[list(self.feature_names)].to_numpy(dtype=np.float64)
        if isinstance(features, Sequence) and features and isinstance(features[0], Mapping):
            missing = [name for name in self.feature_names if name not in features[0]]
            if missing:
                raise ModelError(f"input lacks feature(s) {', '.join(map(repr, missing))} the model needs")
            return np.array([[row[name] for name in self.feature_names] for row in features], dtype=np.float64)
        matrix = np.asarray(features, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_names):
            raise ModelError(
                f"input has shape {matrix.shape}, but the ensemble expects (n, {len(self.feature_names)}) "
                f"features: {', '.join(self.feature_names)}"
            )
        return matrix

    def member_probabilities(self, features) -> np.ndarray:
        """(members, n, classes) softmax outputs, each member on its own fold's scaling."""
        matrix = self.as_matrix(features)
        return np.stack([member.probabilities(matrix) for member in self.members])

    def kernel_probabilities(self, features) -> np.ndarray:
        """(kernel models, n, classes): each fold's kernel model's p(male) and p(female)."""
        matrix = self.as_matrix(features)
        male = self.labels.index("male")
        out = np.zeros((len(self.kernels), len(matrix), len(self.labels)))
        for index, kernel in enumerate(self.kernels):
            out[index, :, male] = kernel.p_male(matrix)
            out[index, :, 1 - male] = 1.0 - out[index, :, male]
        return out

    def _voters(self, features) -> tuple[np.ndarray, np.ndarray]:
        """(every network's and kernel model's probabilities, the blended mean: networks' mean and kernel models'
        mean weighted by ``kernel_weight``)."""
        each = self.member_probabilities(features)
        mean = each.mean(axis=0)
        if self.kernels and self.kernel_weight > 0:
            kernels = self.kernel_probabilities(features)
            mean = (1.0 - self.kernel_weight) * mean + self.kernel_weight * kernels.mean(axis=0)
            each = np.concatenate([each, kernels])
        return each, mean

    def predict_proba(self, features) -> np.ndarray:
        return self._voters(features)[1]

    def predict(self, features, embeddings=None) -> list[Prediction]:
        """Soft vote of the members (blended with the kernel models' by ``kernel_weight``); with a voiceprint head
        and ``embeddings``, blended with the head's p(male).

        ``votes`` always counts the members' own hard votes for the returned label, kernel models included.
        """
        each, mean = self._voters(features)
        male, female = self.labels.index("male"), self.labels.index("female")
        if self.voiceprint is not None and embeddings is not None:
            p_male = self.voiceprint.blended(np.asarray(embeddings, dtype=np.float64), mean[:, male])
            mean = np.zeros_like(mean)
            mean[:, male], mean[:, female] = p_male, 1.0 - p_male
        votes = np.stack([(each.argmax(axis=2) == k).sum(axis=0) for k in range(len(self.labels))], axis=1)
        predictions = []
        for row, probabilities in enumerate(mean):
            winner = int(np.argmax(probabilities))
            predictions.append(
                Prediction(
                    label=self.labels[winner],
                    probability=float(probabilities[winner]),
                    p_male=float(probabilities[male]),
                    p_female=float(probabilities[female]),
                    votes=int(votes[row, winner]),
                    members=len(each),
                )
            )
        return predictions
