"""Many MLPs of one shape as a single network: every weight carries a leading member axis.

Networks this small (13 → 128 → 128 → 2) spend their training time in PyTorch's per-step overhead, not in
arithmetic; stacked, one batched matrix product runs a layer of every member. Members share nothing: each has
its own weights and its own random stream (initialisation, dropout), so a member comes out the same whether it
is trained alone or among others. No I/O, no training loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vgr.models.network import MLPConfig
from vgr.models.weights import Layers

DRAW_LEVELS = 65536  # dropout draws are 16-bit: four per 64-bit word of the member's generator


class StackedMLP:
    """``config``'s MLP once per generator: ReLU, dropout, Xavier-uniform weights, zero biases; outputs logits."""

    def __init__(self, config: MLPConfig, generators: Sequence[np.random.Generator]):
        import torch

        self.config, self.generators = config, list(generators)
        sizes = [config.inputs, *config.hidden, config.classes]
        self.weights, self.biases = [], []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            weight = np.stack([rng.uniform(-bound, bound, (fan_in, fan_out)) for rng in self.generators])
            self.weights.append(torch.tensor(weight, dtype=torch.float32, requires_grad=True))  # (members, in, out)
            self.biases.append(torch.zeros(len(self.generators), 1, fan_out, requires_grad=True))
        self._dropout: list = []  # per hidden layer: (members, steps, batch, width) of 0 or 1 / (1 - p)
        self._shape, self._buffers = None, []

    def parameters(self) -> list:
        """Every tensor that training moves; each has the member axis first."""
        return [*self.weights, *self.biases]

    def new_epoch(self, steps: Sequence[int], batch_size: int) -> None:
        """Draw each member's dropout masks for its next ``steps[m]`` batches of ``batch_size`` rows.

        Drawn a whole epoch at a time, from the member's own generator, so its masks never depend on the other
        members (batches past a member's own count stay all zero: it sits them out). The buffers are kept from
        epoch to epoch: allocating them afresh cost more than drawing.
        """
        import torch

        drop = self.config.dropout
        if drop == 0:
            return
        threshold = round(drop * DRAW_LEVELS)  # a unit is kept when its draw reaches this
        scale = np.float32(1.0 / (1.0 - threshold / DRAW_LEVELS))
        shape = (tuple(steps), batch_size)
        if self._shape != shape:
            self._shape = shape
            self._buffers = [np.zeros((len(self.generators), max(steps), batch_size, width), dtype=np.float32)
                             for width in self.config.hidden]
            self._dropout = [torch.from_numpy(buffer) for buffer in self._buffers]
        for buffer, width in zip(self._buffers, self.config.hidden):
            for member, (rng, count) in enumerate(zip(self.generators, steps)):
                size = count * batch_size * width
                draws = rng.bit_generator.random_raw(-(-size // 4)).view(np.uint16)[:size]
                np.multiply(draws.reshape(count, batch_size, width) >= threshold, scale, out=buffer[member, :count])

    def logits(self, inputs, step: int | None = None, leading: int | None = None):
        """(members, rows, inputs) → (members, rows, classes); with ``step``, that batch's dropout is applied.
        With ``leading``, only the first that many members run (``inputs`` holds theirs)."""
        import torch

        x = inputs
        last = len(self.weights) - 1
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(bias[:leading], x, weight[:leading])
            if layer < last:
                x = torch.relu(x)
                if step is not None and self._dropout:
                    x = x * self._dropout[layer][:leading, step]
        return x

    def layers(self, member: int) -> Layers:
        """One member as plain arrays (weight: out × in), what checkpoints and prediction use."""
        return Layers(tuple(w[member].detach().T.numpy().astype(np.float32) for w in self.weights),
                      tuple(b[member, 0].detach().numpy().astype(np.float32) for b in self.biases))
