"""The stacked trainer: each member trained among others exactly as alone; padding and refit epochs per member."""

from __future__ import annotations

import numpy as np
import pytest

from vgr.models.network import MLPConfig
from vgr.models.stacked import StackedMLP
from vgr.models.trainer import MemberAdam, Rows, TrainerSettings, fit

CONFIG = MLPConfig(inputs=5, hidden=(12, 8), classes=2, dropout=0.25)
SETTINGS = TrainerSettings(batch_size=16, learning_rate=3e-3, weight_decay=1e-4)


def rows(count: int, seed: int) -> Rows:
    """Two overlapping Gaussian classes in 5 columns."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count)
    return Rows(rng.standard_normal((count, 5)) + 0.8 * labels[:, None], labels)


def train(seeds, train_rows, validation_rows, epochs):
    """Members of the given seeds trained as one stacked network: (their layers, their histories)."""
    network = StackedMLP(CONFIG, [np.random.default_rng([seed, 0]) for seed in seeds])
    histories = fit(network, train_rows, validation_rows, epochs, [np.random.default_rng([seed, 1]) for seed in seeds],
                    SETTINGS)
    return [network.layers(m) for m in range(len(seeds))], histories


def assert_same_layers(a, b):
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)


# Row counts that differ, and not by whole batches: members have different step counts and padded last batches.
TRAIN = [rows(70, 1), rows(41, 2), rows(97, 3)]
VALIDATION = [rows(9, 4), rows(23, 5), rows(14, 6)]


def test_a_member_among_others_is_the_member_alone():
    together, histories = train([7, 8, 9], TRAIN, VALIDATION, [12, 12, 12])
    for m, seed in enumerate([7, 8, 9]):
        alone, history = train([seed], [TRAIN[m]], [VALIDATION[m]], [12])
        assert_same_layers(together[m], alone[0])
        assert histories[m] == history[0]
    assert not np.array_equal(together[0].weights[1], together[1].weights[1])  # and the members do differ


def test_padding_rows_do_not_change_a_member():
    """Member 0's rows padded to another member's 97 (with rows 0 of a table of 200 behind it) change nothing."""
    small, _ = train([7], [TRAIN[0]], [VALIDATION[0]], [12])
    big = rows(200, 11)
    beside, _ = train([7, 5], [TRAIN[0], big], [VALIDATION[0], rows(40, 12)], [12, 12])
    assert_same_layers(small[0], beside[0])


def test_best_epoch_is_kept_per_member():
    layers, histories = train([7, 8, 9], TRAIN, VALIDATION, [12, 12, 12])
    for m in range(3):
        best = min(histories[m], key=lambda log: log.validation_loss)
        logits = layers[m].logits(VALIDATION[m].features)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(len(VALIDATION[m].labels)), VALIDATION[m].labels].mean()
        assert loss == pytest.approx(best.validation_loss, rel=1e-5)  # the stored weights are the best epoch's
    assert len({min(h, key=lambda log: log.validation_loss).epoch for h in histories} | {12}) > 1


def test_refit_stops_each_member_at_its_own_epoch_count():
    """Without validation, member m keeps its state after epochs[m], as if trained alone for that many."""
    together, histories = train([7, 8], TRAIN[:2], None, [3, 9])
    assert [len(h) for h in histories] == [3, 9] and np.isnan(histories[0][-1].validation_loss)
    for m, (seed, epochs) in enumerate([(7, 3), (8, 9)]):
        alone, _ = train([seed], [TRAIN[m]], None, [epochs])
        assert_same_layers(together[m], alone[0])
    longer, _ = train([7], [TRAIN[0]], None, [9])
    assert not np.array_equal(longer[0].weights[0], together[0].weights[0])


def test_stacked_logits_are_each_members_layers():
    import torch

    network = StackedMLP(CONFIG, [np.random.default_rng(s) for s in (1, 2)])
    x = np.random.default_rng(0).standard_normal((2, 6, 5)).astype(np.float32)
    with torch.no_grad():
        stacked = network.logits(torch.from_numpy(x)).numpy()
    for m in range(2):
        np.testing.assert_allclose(network.layers(m).logits(x[m]), stacked[m], rtol=1e-5, atol=1e-6)


def test_dropout_masks_keep_three_quarters_and_scale_up():
    network = StackedMLP(CONFIG, [np.random.default_rng(s) for s in (1, 2)])
    network.new_epoch([40, 20], 16)
    masks = network._dropout[0].numpy()
    assert set(np.unique(masks).tolist()) == {0.0, float(np.float32(4 / 3))}
    assert np.mean(masks[0] > 0) == pytest.approx(0.75, abs=0.01)
    assert not masks[1, 20:].any()  # member 1 sits out the batches past its own 20
    assert not np.array_equal(masks[0, :20], masks[1, :20])


def adam_side_by_side(shape, skipped: dict, steps: int, fused: bool):
    """MemberAdam on a stacked tensor, and torch's Adam on each member alone, with the same gradients; members in
    ``skipped[step]`` sit that step out. (stacked tensor, members alone, MemberAdam)."""
    import torch

    rng = np.random.default_rng(0)
    start = torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
    stacked = start.clone().requires_grad_(True)
    alone = [start[m].clone().requires_grad_(True) for m in range(shape[0])]
    ours = MemberAdam([stacked], 1e-2, 1e-3)
    theirs = [torch.optim.Adam([p], lr=1e-2, weight_decay=1e-3, fused=fused) for p in alone]
    for step in range(steps):
        target = torch.tensor(rng.standard_normal(shape), dtype=torch.float32)
        ((stacked - target) ** 2).sum().backward()
        active = torch.tensor([m not in skipped.get(step, []) for m in range(shape[0])])
        ours.step(active)
        for m in range(shape[0]):
            ((alone[m] - target[m]) ** 2).sum().backward()
            if bool(active[m]):
                theirs[m].step()
            theirs[m].zero_grad()
    return stacked, alone, ours


def test_member_adam_is_torch_adam_for_each_member():
    stacked, alone, ours = adam_side_by_side((3, 4, 2), {1: [2], 3: [0, 2]}, 5, fused=False)
    for m in range(3):
        np.testing.assert_allclose(stacked[m].detach().numpy(), alone[m].detach().numpy(), rtol=1e-6, atol=1e-7)
    assert [int(count) for count in ours.steps[0]] == [4, 5, 3]


@pytest.fixture
def one_thread():
    """Whole-tensor optimiser passes are taken on one thread only (as in a training worker)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_member_adam_whole_passes_are_torch_fused_adam_to_the_bit(one_thread, monkeypatch):
    """Slices of 64 elements take one pass per tensor when the stepping members lead the stack; each member's
    weights are still those of torch's own fused Adam on that member alone, bit for bit."""
    whole = []
    monkeypatch.setattr(MemberAdam, "_whole_step", lambda self, leading, step=MemberAdam._whole_step:
                        (whole.append(leading), step(self, leading)))
    skipped = {1: [2], 2: [2], 3: [1, 2], 4: [0], 6: [1]}
    stacked, alone, ours = adam_side_by_side((3, 8, 8), skipped, 8, fused=True)
    for m in range(3):
        np.testing.assert_array_equal(stacked[m].detach().numpy(), alone[m].detach().numpy())
    # Step 0 (everyone), 1 and 2 (the first two, one count) and 3 (the first alone) are whole; from step 4 on the
    # stepping members do not lead the stack, and then their counts differ.
    assert whole == [3, 2, 2, 1]
    assert ours.counts == [7, 6, 5]


ALIGNED = MLPConfig(inputs=4, hidden=(16, 64), classes=2, dropout=0.25)  # 64, 1,024 and 128 weights per member


def test_members_with_whole_optimiser_passes_are_the_members_alone(one_thread):
    """Equal row counts (one step count) and 64-element weight slices: the optimiser's whole passes, and in a
    refit the members past their epochs left out of the computation, change no member's bits."""
    def train_aligned(seeds, train_rows, validation_rows, epochs):
        network = StackedMLP(ALIGNED, [np.random.default_rng([seed, 0]) for seed in seeds])
        histories = fit(network, train_rows, validation_rows, epochs,
                        [np.random.default_rng([seed, 1]) for seed in seeds], SETTINGS)
        return [network.layers(m) for m in range(len(seeds))], histories

    def four_columns(count, seed):
        part = rows(count, seed)
        return Rows(part.features[:, :4], part.labels)

    train_rows = [four_columns(48, seed) for seed in (1, 2, 3)]
    validation_rows = [four_columns(10, seed) for seed in (4, 5, 6)]
    for validation, epochs in ((validation_rows, [6, 6, 6]), (None, [9, 6, 3]), (None, [3, 9, 6])):
        together, histories = train_aligned([7, 8, 9], train_rows, validation, epochs)
        for m, seed in enumerate([7, 8, 9]):
            alone, history = train_aligned([seed], [train_rows[m]], None if validation is None else [validation[m]],
                                           [epochs[m]])
            assert_same_layers(together[m], alone[0])
            assert histories[m] == history[0] or validation is None


def test_member_adam_keeps_short_slices_sliced(one_thread):
    """Two-element slices (an output bias) are updated one member at a time: in one pass the fused kernel's vector
    loop would take some of them, rounding otherwise than its scalar loop does for a member alone."""
    import torch

    rng = np.random.default_rng(1)
    start = torch.tensor(rng.standard_normal((10, 1, 2)), dtype=torch.float32)
    stacked = start.clone().requires_grad_(True)
    alone = [start[m].clone().requires_grad_(True) for m in range(10)]
    ours = MemberAdam([stacked], 1e-3, 1e-4)
    theirs = [torch.optim.Adam([p], lr=1e-3, weight_decay=1e-4, fused=True) for p in alone]
    for _ in range(200):
        gradient = torch.tensor(rng.standard_normal((10, 1, 2)), dtype=torch.float32)
        stacked.grad = gradient.clone()
        ours.step()
        for m in range(10):
            alone[m].grad = gradient[m].clone()
            theirs[m].step()
    for m in range(10):
        np.testing.assert_array_equal(stacked[m].detach().numpy(), alone[m].detach().numpy())
