"""Training many members of one stacked network at once, each as if alone; the best epoch is chosen per member on
its own validation rows, never on test rows.

The network is anything with ``parameters()`` (member axis first), ``new_epoch(steps, batch_size)`` and
``logits(inputs, step)`` on (members, rows, inputs) tensors, as ``vgr.models.stacked.StackedMLP``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainerSettings:
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4


@dataclass(frozen=True)
class EpochLog:
    epoch: int
    train_loss: float
    train_accuracy: float
    validation_loss: float
    validation_accuracy: float


@dataclass(frozen=True)
class Rows:
    """One member's rows, already scaled: features (n, inputs) and label indices (n,)."""

    features: np.ndarray
    labels: np.ndarray


def fit(
    network,
    train: Sequence[Rows],
    validation: Sequence[Rows] | None,
    epochs: Sequence[int],
    shuffles: Sequence[np.random.Generator],
    settings: TrainerSettings,
) -> list[list[EpochLog]]:
    """Train member m with Adam on shuffled mini-batches of ``train[m]`` for ``epochs[m]`` epochs; leave it at its
    epoch with the lowest loss on ``validation[m]``. One history per member.

    Without ``validation``, each member keeps its state after its own ``epochs[m]`` (validation figures are NaN).
    Every batch has ``batch_size`` rows per member (a short last batch is padded with rows that weigh nothing):
    the same shapes whatever the other members, so the same arithmetic. Members stacked by descending
    ``epochs`` train fastest: those past their epochs are then the trailing ones, left out of the computation.
    """
    import torch

    members, batch = len(train), settings.batch_size
    x, y, counts = _padded(train)
    steps = [-(-n // batch) for n in counts]
    parameters = network.parameters()
    adam = MemberAdam(parameters, settings.learning_rate, settings.weight_decay)
    if validation is not None:
        vx, vy, vcounts = _padded(validation, batch)
        vreal = torch.arange(vx.shape[1]) < torch.as_tensor(vcounts)[:, None]
        best_loss = torch.full((members,), float("inf"), dtype=torch.float64)
        best = [p.detach().clone() for p in parameters]
    limits = torch.as_tensor(epochs)
    histories: list[list[EpochLog]] = [[] for _ in range(members)]
    for epoch in range(1, max(epochs) + 1):
        bx, by, real, weight = _batches(x, y, counts, max(steps), batch, shuffles)
        training = epoch <= limits  # per member: still within its epochs
        live = training.tolist()
        # Members past their epochs sit out; when they are the trailing ones, they are not computed at all.
        leading = sum(live) if all(live[:sum(live)]) else members
        active = real.any(dim=2) & training[:, None]  # (members, steps): who takes each step
        everyone = active.all(dim=0).tolist()
        live_steps = [n if on else 0 for n, on in zip(steps, live)]
        network.new_epoch(live_steps, batch)
        loss_sum, right = torch.zeros(members, dtype=torch.float64), torch.zeros(members, dtype=torch.int64)
        for step in range(max(live_steps)):
            logits = network.logits(bx[:leading, step], step, leading)
            losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), by[:leading, step], reduction="none")
            # A sum of per-member means: member m's gradient is its own mean's, whatever the others' losses.
            (losses * weight[:leading, step]).sum().backward()
            adam.step(None if everyone[step] else active[:, step])
            with torch.no_grad():  # running figures over the epoch (dropout on): cheaper than a second pass
                loss_sum[:leading] += (losses * real[:leading, step]).sum(dim=1)
                right[:leading] += ((logits.argmax(dim=2) == by[:leading, step]) & real[:leading, step]).sum(dim=1)
        checked = _checked(network, vx, vy, vreal, vcounts, batch) if validation is not None else None
        for member in range(members):
            if epoch <= epochs[member]:
                nan = (float("nan"), float("nan"))
                histories[member].append(EpochLog(epoch, loss_sum[member].item() / counts[member],
                                                  right[member].item() / counts[member],
                                                  *(checked[member] if checked else nan)))
        if validation is not None:
            loss = torch.tensor([log[-1].validation_loss for log in histories], dtype=torch.float64)
            improved = (loss < best_loss) & training
            best_loss = torch.where(improved, loss, best_loss)
            with torch.no_grad():
                for kept, now in zip(best, parameters):
                    kept.copy_(torch.where(_per_member(improved, now), now, kept))
    if validation is not None:
        with torch.no_grad():
            for kept, now in zip(best, parameters):
                now.copy_(kept)
    return histories


class MemberAdam:
    """torch's Adam (its fused kernel, weight decay added to the gradient) on each member's slice of the stacked
    parameters, with a step count per member: a member left out of a step keeps its weights, moments and count,
    so each moves exactly as it would alone. One fused pass over every slice costs a fraction of the dozen
    elementwise passes a hand-written update takes.

    When the members that step lead the stack and share one count (most steps: the trainer stacks them so), the
    tensors whose member slices are whole multiples of ``WHOLE`` elements take one fused pass over those members'
    rows instead of one per member: the kernel's vector loop then covers every element either way, so the bits
    are the same (a slice's short tail would take its scalar loop, whose rounding differs, so such tensors stay
    sliced)."""

    WHOLE = 64  # elements: a multiple of every CPU vector width the fused kernel uses

    def __init__(self, parameters, learning_rate: float, weight_decay: float, betas=(0.9, 0.999), eps: float = 1e-8):
        import torch

        self.parameters, self.learning_rate, self.weight_decay = parameters, learning_rate, weight_decay
        self.betas, self.eps = betas, eps
        self.members = parameters[0].shape[0]
        self.first = [torch.zeros_like(p) for p in parameters]
        self.second = [torch.zeros_like(p) for p in parameters]
        self.steps = [[torch.tensor(0.0) for _ in range(self.members)] for _ in parameters]  # per slice, as torch's
        self.counts = [0] * self.members  # the truth behind the step tensors
        # The slices of what persists, made once: building them every step cost as much as the update itself.
        self.slices = [[t[m] for t in tensors for m in range(self.members)] for tensors in
                       (self.parameters, self.first, self.second, self.steps)]
        # Several threads split a tensor at places that depend on its size: whole passes only on one thread.
        self.whole = [i for i, p in enumerate(parameters) if (p[0].numel() % self.WHOLE == 0
                                                              and torch.get_num_threads() == 1)]
        self.whole_steps = [torch.tensor(0.0) for _ in self.whole]
        self.stale = False  # whether the whole tensors' per-member step tensors lag ``counts``

    def step(self, active=None) -> None:
        """Apply and clear the gradients; ``active`` (bool per member) leaves the others untouched."""
        on = [True] * self.members if active is None else active.tolist()
        leading = on.index(False) if False in on else self.members
        if self.whole and leading and not any(on[leading:]) and len(set(self.counts[:leading])) == 1:
            self._whole_step(leading)
        else:
            self._sliced_step(on)
        for parameter in self.parameters:
            parameter.grad = None

    def _whole_step(self, leading: int) -> None:
        """Members 0 to ``leading`` - 1 step (the rest sit out): one pass per whole tensor, sliced for the rest."""
        count = self.counts[0]
        for steps in self.whole_steps:
            steps.fill_(count)
        rest = [i for i in range(len(self.parameters)) if i not in self.whole]
        grads = [p.grad for p in self.parameters]
        self._adam(*([t[i][:leading] for i in self.whole] for t in (self.parameters, grads, self.first, self.second)),
                   self.whole_steps)
        self._adam(*([t[i][m] for i in rest for m in range(leading)]
                     for t in (self.parameters, grads, self.first, self.second, self.steps)))
        self.counts[:leading] = [count + 1] * leading
        self.stale = True

    def _sliced_step(self, on: list[bool]) -> None:
        if self.stale:
            for i in self.whole:
                for m, steps in enumerate(self.steps[i]):
                    steps.fill_(self.counts[m])
            self.stale = False
        grads = [p.grad[m] for p in self.parameters for m in range(self.members)]
        parameters, first, second, steps = self.slices
        if not all(on):
            chosen = [i for i, flag in enumerate(on * len(self.parameters)) if flag]
            parameters, grads, first, second, steps = ([t[i] for i in chosen]
                                                       for t in (parameters, grads, first, second, steps))
        self._adam(parameters, grads, first, second, steps)
        self.counts = [count + flag for count, flag in zip(self.counts, on)]

    def _adam(self, parameters, grads, first, second, steps) -> None:
        import torch
        from torch.optim.adam import adam

        if not parameters:
            return
        with torch.no_grad():
            adam(parameters, grads, first, second, [], steps, fused=True, amsgrad=False,
                 beta1=self.betas[0], beta2=self.betas[1], lr=self.learning_rate, weight_decay=self.weight_decay,
                 eps=self.eps, maximize=False)


def _per_member(values, like):
    """A per-member vector shaped to broadcast over ``like`` (member axis first)."""
    return values.view(-1, *[1] * (like.dim() - 1))


def _padded(parts: Sequence[Rows], multiple: int = 1):
    """(members, width, inputs) features, (members, width) labels and each member's row count; ``width`` is the
    most rows, rounded up to a ``multiple``."""
    import torch

    counts = [len(part.labels) for part in parts]
    width = -(-max(counts) // multiple) * multiple
    x = np.zeros((len(parts), width, parts[0].features.shape[1]), dtype=np.float32)
    y = np.zeros((len(parts), width), dtype=np.int64)
    for member, part in enumerate(parts):
        x[member, :counts[member]], y[member, :counts[member]] = part.features, part.labels
    return torch.from_numpy(x), torch.from_numpy(y), counts


def _batches(x, y, counts, steps: int, batch_size: int, shuffles):
    """One epoch's batches, each member's rows in its own shuffled order: features (members, steps, batch, inputs),
    labels and realness (members, steps, batch), and each row's weight in its member's mean loss of the batch.

    Past its own rows, a member's batches are filled with its row 0, marked not real and weighing nothing.
    """
    import torch

    members = len(counts)
    order = np.zeros((members, steps * batch_size), dtype=np.int64)
    real = np.zeros((members, steps * batch_size), dtype=bool)
    for member, (count, rng) in enumerate(zip(counts, shuffles)):
        order[member, :count], real[member, :count] = rng.permutation(count), True
    order, real = torch.from_numpy(order), torch.from_numpy(real).view(members, steps, batch_size)
    rows = torch.arange(members)[:, None]
    weight = real / real.sum(dim=2).clamp(min=1)[..., None]
    return (x[rows, order].view(members, steps, batch_size, -1), y[rows, order].view(members, steps, batch_size),
            real, weight)


def _checked(network, vx, vy, vreal, vcounts, batch_size: int) -> list[tuple[float, float]]:
    """(mean cross-entropy, accuracy) of every member on its own validation rows, dropout off.

    Run ``batch_size`` rows at a time: the shapes of training, whatever the other members' row counts (a matrix
    product's last bits can depend on its row count).
    """
    import torch

    with torch.no_grad():
        logits = torch.cat([network.logits(chunk) for chunk in vx.split(batch_size, dim=1)], dim=1)
        losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), vy, reduction="none")
        # A running sum, in row order: the padding's zeros come last and change no bit of it (a vectorised sum's
        # grouping depends on the padded length).
        loss = (losses * vreal).double().cumsum(dim=1)[:, -1] / torch.as_tensor(vcounts)
        right = ((logits.argmax(dim=2) == vy) & vreal).sum(dim=1)
    return [(loss[m].item(), right[m].item() / vcounts[m]) for m in range(len(vcounts))]
