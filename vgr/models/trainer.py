"""Training any classifier module; the best epoch is chosen on a validation split, never on test rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainerSettings:
    epochs: int = 200
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass(frozen=True)
class EpochLog:
    epoch: int
    train_loss: float
    train_accuracy: float
    validation_loss: float
    validation_accuracy: float


def evaluate(network, features, labels) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``network`` in eval mode."""
    import torch

    network.eval()
    with torch.no_grad():
        logits = network(features)
        loss = torch.nn.functional.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(dim=1) == labels).double().mean().item()
    return loss, accuracy


def fit(
    network,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray] | None,
    settings: TrainerSettings,
    on_epoch: Callable[[EpochLog], None] | None = None,
) -> list[EpochLog]:
    """Train with Adam on shuffled mini-batches; leave ``network`` at the epoch with the lowest validation loss.

    Without ``validation``, every epoch is run and the last one is kept (validation figures are NaN).
    """
    import torch

    generator = torch.Generator().manual_seed(settings.seed)
    x, y = torch.as_tensor(train[0], dtype=torch.float32), torch.as_tensor(train[1])
    if validation is not None:
        vx, vy = torch.as_tensor(validation[0], dtype=torch.float32), torch.as_tensor(validation[1])
    optimiser = torch.optim.Adam(network.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    best_loss, best_state, history = float("inf"), None, []
    for epoch in range(1, settings.epochs + 1):
        network.train()
        total_loss = correct = 0.0
        for batch in torch.randperm(len(y), generator=generator).split(settings.batch_size):
            optimiser.zero_grad()
            logits = network(x[batch])
            loss = torch.nn.functional.cross_entropy(logits, y[batch])
            loss.backward()
            optimiser.step()
            # Running figures over the epoch (dropout on): cheaper than a second pass over the rows.
            total_loss += loss.item() * len(batch)
            correct += (logits.argmax(dim=1) == y[batch]).sum().item()
        checked = evaluate(network, vx, vy) if validation is not None else (float("nan"), float("nan"))
        log = EpochLog(epoch, total_loss / len(y), correct / len(y), *checked)
        history.append(log)
        if on_epoch:
            on_epoch(log)
        if validation is not None and log.validation_loss < best_loss:
            best_loss = log.validation_loss
            best_state = {name: tensor.clone() for name, tensor in network.state_dict().items()}
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return history
