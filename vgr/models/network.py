"""The MLP of Buyukyilmaz & Cibikdiken (2016), sized by a small config (trained as ``vgr.models.stacked``)."""

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

