"""The voiceprint head: logistic regression from a speaker embedding to p(male), blended with the ensemble.

Fitted on labelled real recordings. The blend weight is fixed (``DEFAULT_BLEND``, chosen by the corpus protocol
on trainable corpora only) or chosen by leave-one-speaker-out on the training speakers only; either way choosing
it never looks at a speaker the figures are reported on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vgr.errors import ModelError
from vgr.voiceprint.encoder import sigmoid

L2 = 1.0  # the penalty 0.5 * |w|^2 (scikit-learn's default C = 1): not tuned
BLENDS = (0.5, 2 / 3, 0.8, 1.0)  # candidate weights of the head against the voice.csv ensemble
# The default weight: the candidate with the best leave-one-corpus-out macro accuracy over the trainable shared
# corpora (bench/README.md, "Real-world accuracy"). Choosing it leave-one-speaker-out on the training speakers
# (blend="auto") followed the corpus with the most speakers and did worse on the corpus held out.
DEFAULT_BLEND = 2 / 3


@dataclass(frozen=True)
class VoiceprintHead:
    weights: np.ndarray  # (256,)
    bias: float
    blend: float  # p_male = blend * head + (1 - blend) * ensemble
    metadata: dict = field(default_factory=dict)

    def p_male(self, embeddings: np.ndarray) -> np.ndarray:
        return sigmoid(np.atleast_2d(embeddings) @ self.weights + self.bias)

    def blended(self, embeddings: np.ndarray, ensemble_p_male: np.ndarray) -> np.ndarray:
        return self.blend * self.p_male(embeddings) + (1 - self.blend) * np.asarray(ensemble_p_male)

    def as_dict(self) -> dict:
        return {**self.metadata, "weights": self.weights.tolist(), "bias": self.bias, "blend": self.blend}

    @classmethod
    def from_dict(cls, data: dict, dimension: int) -> VoiceprintHead:
        try:
            weights = np.asarray(data["weights"], dtype=np.float64)
            bias, blend = float(data["bias"]), float(data["blend"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelError(f"voiceprint head is malformed ({error})") from None
        if weights.shape != (dimension,) or not np.all(np.isfinite(weights)) or not np.isfinite(bias):
            raise ModelError(f"voiceprint head needs {dimension} finite weights, got shape {weights.shape}")
        if not 0.0 <= blend <= 1.0:
            raise ModelError(f"voiceprint blend {blend} is outside [0, 1]")
        metadata = {k: v for k, v in data.items() if k not in ("weights", "bias", "blend")}
        return cls(weights, bias, blend, metadata)


def fit_logistic(x: np.ndarray, is_male: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (bias unpenalised), solved by L-BFGS to convergence."""
    from scipy.optimize import minimize

    y = is_male.astype(np.float64)

    def loss(theta):
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = sigmoid(z)
        value = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * L2 * (w @ w)
        gradient = np.append(x.T @ (p - y) + L2 * w, np.sum(p - y))
        return value, gradient

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                      options={"maxiter": 2000, "gtol": 1e-8})
    return result.x[:-1], float(result.x[-1])


def choose_blend(embeddings, is_male, speakers, ensemble_p_male) -> tuple[float, dict[str, float]]:
    """The blend with the best leave-one-speaker-out accuracy on these (training) speakers; ties: the smaller."""
    held_out_p = np.zeros(len(is_male))
    for speaker in np.unique(speakers):
        out = speakers == speaker
        weights, bias = fit_logistic(embeddings[~out], is_male[~out])
        held_out_p[out] = sigmoid(embeddings[out] @ weights + bias)
    accuracy = {f"{blend:.3f}": float(np.mean(((blend * held_out_p + (1 - blend) * ensemble_p_male) >= 0.5) == is_male))
                for blend in BLENDS}
    best = max(BLENDS, key=lambda blend: (accuracy[f"{blend:.3f}"], -blend))
    return best, accuracy


def fit_head(embeddings, is_male, speakers, ensemble_p_male, metadata: dict | None = None,
             blend: float | None = DEFAULT_BLEND) -> VoiceprintHead:
    """The logistic head on all the recordings; ``blend=None`` chooses it leave-one-speaker-out among them."""
    embeddings, is_male = np.asarray(embeddings, np.float64), np.asarray(is_male, bool)
    speakers, ensemble_p_male = np.asarray(speakers).astype(str), np.asarray(ensemble_p_male, np.float64)
    if len(np.unique(speakers)) < 4 or is_male.all() or not is_male.any():
        raise ModelError("a voiceprint head needs recordings of at least 4 speakers, of both sexes")
    info = {**(metadata or {}), "l2": L2}
    if blend is None:
        blend, info["blend_leave_one_speaker_out_accuracy"] = choose_blend(embeddings, is_male, speakers, ensemble_p_male)
    elif not 0.0 <= blend <= 1.0:
        raise ModelError(f"the voiceprint blend must lie in [0, 1], not {blend}")
    weights, bias = fit_logistic(embeddings, is_male)
    info |= {"training_files": int(len(is_male)), "training_speakers": sorted(set(speakers.tolist()))}
    return VoiceprintHead(weights, bias, float(blend), info)
