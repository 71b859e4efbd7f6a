"""The MLP of Buyukyilmaz & Cibikdiken (2016), sized by a small config. No I/O, no training."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class MLPConfig:
    """Layer sizes and dropout; the default is the seed's 20 → 64 → 64 → 256 → 256 → 64 → 2."""

    inputs: int = 20
    hidden: tuple[int, ...] = (64, 64, 256, 256, 64)
    classes: int = 2
    dropout: float = 0.25

    def as_dict(self) -> dict:
        return {**asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, data: dict) -> "MLPConfig":
        return cls(int(data["inputs"]), tuple(int(h) for h in data["hidden"]), int(data["classes"]), float(data["dropout"]))


def build_network(config: MLPConfig):
    """ReLU layers with dropout, Xavier-uniform weights and zero biases; outputs logits."""
    import torch
    from torch import nn

    layers: list[nn.Module] = []
    width = config.inputs
    for size in config.hidden:
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(config.dropout)]
        width = size
    layers.append(nn.Linear(width, config.classes))
    network = nn.Sequential(*layers)
    for layer in network:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    return network
