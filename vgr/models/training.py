"""k-fold training of the ensemble, with honest metrics: per fold, out-of-fold, and contiguous folds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from vgr.errors import TableError
from vgr.features.names import LABELS, TRAINING_FEATURES
from vgr.models import folds as splits
from vgr.models.ensemble import Ensemble, Member
from vgr.models.kernel import MAX_ROWS as MAX_KERNEL_ROWS, KernelModel
from vgr.models.network import MLPConfig
from vgr.models.schema import MAX_MEMBERS
from vgr.models.scaler import Scaler
from vgr.models.stacked import StackedMLP
from vgr.models.trainer import EpochLog, Rows, TrainerSettings, fit
from vgr.runs.tables import FeatureTable


SCALINGS = ("standard", "rank-gauss")
MAX_MEMBERS_PER_FOLD = 10


def member_seed(seed: int, fold: int, member: int) -> int:
    """The seed of a fold's ``member`` (from 0): member 0 keeps the seed single-member ensembles always had."""
    return seed * 1000 + fold + 1_000_000 * member


@dataclass(frozen=True)
class TrainingSettings:
    """The `vgr train` defaults: the networks chosen by `python bench/train.py --sweep explore` (issue 16's third
    round), blended half and half with a kernel ridge per fold by `--sweep round5` (the fifth; it passed that
    round's time rule in the seventh, on the faster trainer; bench/README.md)."""

    folds: int = 10
    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    validation_fraction: float = 0.1
    seed: int = 0
    hidden: tuple[int, ...] | tuple[tuple[int, ...], ...] = (128, 128, 128)  # or several shapes: see ``shapes``
    dropout: float = MLPConfig.dropout
    features: tuple[str, ...] = TRAINING_FEATURES
    log_features: tuple[str, ...] = ("skew", "kurt")  # heavy-tailed: signed log before standardising
    scaling: str = "rank-gauss"  # every column through its quantiles onto a normal; or "standard"
    refit: bool = True  # retrain on all training rows for the epoch count the validation split chose
    members_per_fold: int = 2  # networks per fold, each with its own seed; every one of them votes
    contiguous_check: bool = True
    kernel_weight: float = 0.5  # each fold also fits an RBF kernel ridge (vgr.models.kernel); 0: networks only

    def __post_init__(self) -> None:
        if isinstance(self.kernel_weight, bool) or not isinstance(self.kernel_weight, (int, float)) \
                or not 0.0 <= self.kernel_weight <= 1.0:
            raise ValueError(f"kernel weight must be a number from 0 to 1, not {self.kernel_weight!r}")
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling {self.scaling!r} is not one of {', '.join(SCALINGS)}")
        if isinstance(self.members_per_fold, bool) or not isinstance(self.members_per_fold, int) \
                or not 1 <= self.members_per_fold <= MAX_MEMBERS_PER_FOLD:
            raise ValueError(f"members per fold must be a whole number from 1 to {MAX_MEMBERS_PER_FOLD}, "
                             f"not {self.members_per_fold!r}")
        shapes = self.shapes()
        if len(shapes) > 1 and any(not shape or any(isinstance(size, bool) or not isinstance(size, int) or size < 1
                                                    for size in shape) for shape in shapes):
            raise ValueError(f"hidden shapes must be non-empty lists of positive layer sizes, not {self.hidden!r}")
        if len(shapes) > self.members_per_fold:
            raise ValueError(f"{len(shapes)} hidden shapes need at least {len(shapes)} members per fold, "
                             f"not {self.members_per_fold}")
        if self.folds * self.members_per_fold > MAX_MEMBERS:
            raise ValueError(f"{self.folds} folds of {self.members_per_fold} members are more than the {MAX_MEMBERS} "
                             "members a model may hold")

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The hidden shapes: ``hidden`` is one (sizes) or several (a tuple of them); member j of each fold has
        shape ``j % len(shapes)``."""
        several = len(self.hidden) > 0 and all(isinstance(shape, (tuple, list)) for shape in self.hidden)
        return tuple(tuple(shape) for shape in self.hidden) if several else (tuple(self.hidden),)

    def member_shape(self, member: int) -> tuple[int, ...]:
        shapes = self.shapes()
        return shapes[member % len(shapes)]

    def as_dict(self) -> dict:
        shapes = [list(shape) for shape in self.shapes()]
        return {**asdict(self), "hidden": shapes[0] if len(shapes) == 1 else shapes, "features": list(self.features),
                "log_features": list(self.log_features)}


@dataclass
class FoldReport:
    fold: int
    test_rows: int
    test_accuracy: float
    best_epoch: int  # of the fold's first member, whose ``history`` this is
    history: list[EpochLog] = field(repr=False)
    test_indices: np.ndarray = field(repr=False)  # the rows this fold's members never trained on
    best_epochs: tuple[int, ...] = ()  # of every member of the fold


@dataclass
class TrainingReport:
    ensemble: Ensemble
    folds: list[FoldReport]
    out_of_fold_accuracy: float
    contiguous_accuracy: float | None
    out_of_fold_p_male: np.ndarray = field(repr=False)

    @property
    def mean_fold_accuracy(self) -> float:
        return float(np.mean([f.test_accuracy for f in self.folds]))

    def metrics(self) -> dict:
        return {
            "out_of_fold_accuracy": self.out_of_fold_accuracy,
            "mean_fold_accuracy": self.mean_fold_accuracy,
            "contiguous_out_of_fold_accuracy": self.contiguous_accuracy,
            "folds": [{"fold": f.fold, "test_rows": f.test_rows, "test_accuracy": f.test_accuracy,
                       "best_epoch": f.best_epoch, "best_epochs": list(f.best_epochs)} for f in self.folds],
        }


Progress = Callable[[str, int, EpochLog], None]


def _check_trainable(table: FeatureTable, settings: TrainingSettings) -> None:
    if table.labels is None:
        raise TableError("training needs a 'label' column in every CSV")
    present = sorted({LABELS[i] for i in np.unique(table.labels)})
    if len(present) < 2:
        raise TableError(f"training data has only one class ({present[0]}); need both male and female rows")
    smallest = int(np.bincount(table.labels, minlength=2).min())
    if settings.folds < 2 or smallest < settings.folds:
        raise TableError(f"cannot make {settings.folds} folds: the smaller class has {smallest} rows")
    rows = kernel_rows_over_limit(table.labels, settings.folds)
    if settings.kernel_weight > 0 and rows:
        raise TableError(f"kernel models are fitted on at most {MAX_KERNEL_ROWS:,} training rows a fold, and these "
                         f"folds have up to {rows:,}: train with kernel weight 0 (networks only)")


def kernel_rows(labels: np.ndarray, folds: int) -> int:
    """The most training rows a fold can have, shuffled or contiguous: what its kernel model is fitted on."""
    return int(len(labels) - np.sum(np.bincount(labels) // folds))


def kernel_rows_over_limit(labels: np.ndarray, folds: int) -> int | None:
    """``kernel_rows`` when that is more than a kernel model takes (``MAX_KERNEL_ROWS``), else None."""
    rows = kernel_rows(labels, folds)
    return rows if rows > MAX_KERNEL_ROWS else None


def _members_job(args):
    """Some members (fold, index, test rows), trained in one single-threaded process, those of each hidden shape
    together as one stacked network: (member, history, p_male of its test rows) each, in ``jobs``' order; and,
    with a kernel weight, {fold: (kernel model, p_male of its test rows)} for the folds of the members of index 0.

    Each member's best epoch is chosen on a validation split of its fold's training rows. With ``settings.refit``,
    every member is then trained afresh (same seed) on all of its training rows for the epoch count its own
    validation split chose, so it also learns from the validation rows; the held-out fold is never looked at.
    """
    import torch

    features, labels, jobs, settings = args
    torch.set_num_threads(1)  # bit-identical results whatever the machine's core count
    done = {}
    for shape in dict.fromkeys(settings.member_shape(index) for _, index, _ in jobs):
        chosen = [job for job in jobs if settings.member_shape(job[1]) == shape]
        done.update(zip([id(job) for job in chosen], _shape_job(features, labels, chosen, settings, shape)))
    kernels = {fold: _kernel_job(features, labels, test_rows, settings)
               for fold, index, test_rows in jobs if index == 0 and settings.kernel_weight > 0}
    return [done[id(job)] for job in jobs], kernels


def _kernel_job(features, labels, test_rows, settings: TrainingSettings) -> tuple[KernelModel, np.ndarray]:
    """The fold's kernel ridge on all its training rows (as refit does), and its p(male) of the test rows."""
    from vgr.models.kernel import fit_kernel_ridge

    rows = np.setdiff1d(np.arange(len(labels)), test_rows)
    model = fit_kernel_ridge(features[rows], labels[rows] == LABELS.index("male"),
                             [name in settings.log_features for name in settings.features])
    return model, model.p_male(features[test_rows])


def _shape_job(features, labels, jobs, settings: TrainingSettings, shape: tuple[int, ...]):
    """``_members_job`` for members of one hidden ``shape``: one stacked network."""
    seeds = [member_seed(settings.seed, fold, index) for fold, index, _ in jobs]
    train_rows = [np.setdiff1d(np.arange(len(labels)), test_rows) for _, _, test_rows in jobs]
    parts = [splits.validation_split(labels[rows], settings.validation_fraction, seed)
             for rows, seed in zip(train_rows, seeds)]
    members, histories = _fit_members(features, labels, [rows[inner] for rows, (inner, _) in zip(train_rows, parts)],
                                      [rows[held] for rows, (_, held) in zip(train_rows, parts)], settings,
                                      [settings.epochs] * len(jobs), seeds, shape)
    if settings.refit:
        members, _ = _fit_members(features, labels, train_rows, None, settings, [_best(h).epoch for h in histories],
                                  seeds, shape)
    male = LABELS.index("male")
    return [(member, history, member.probabilities(features[test_rows])[:, male])
            for member, history, (_, _, test_rows) in zip(members, histories, jobs)]


def _fit_members(features, labels, rows, validation_rows, settings: TrainingSettings, epochs, seeds, shape):
    """Members on their own ``rows`` (scaler fitted on them), stopped on ``validation_rows`` or after ``epochs``.

    Stacked longest-trained first, so the members still training are always the leading ones, which the optimiser
    steps in one pass per tensor (``MemberAdam``); a member comes out the same in any place of the stack."""
    order = sorted(range(len(seeds)), key=lambda m: -epochs[m])
    members, histories = _fit_stack(features, labels, [rows[m] for m in order],
                                    None if validation_rows is None else [validation_rows[m] for m in order],
                                    settings, [epochs[m] for m in order], [seeds[m] for m in order], shape)
    place = {m: i for i, m in enumerate(order)}
    return [members[place[m]] for m in range(len(seeds))], [histories[place[m]] for m in range(len(seeds))]


def _fit_stack(features, labels, rows, validation_rows, settings: TrainingSettings, epochs, seeds, shape):
    """``_fit_members`` in the given member order."""
    scalers = [Scaler.fit(features[r], [name in settings.log_features for name in settings.features],
                          rank_gaussian=settings.scaling == "rank-gauss") for r in rows]
    streams = [np.random.SeedSequence(seed).spawn(2) for seed in seeds]  # weights and dropout; batch order
    config = MLPConfig(len(settings.features), shape, len(LABELS), settings.dropout)
    network = StackedMLP(config, [np.random.default_rng(weights) for weights, _ in streams])
    validation = None if validation_rows is None else [
        Rows(scaler.transform(features[r]), labels[r]) for scaler, r in zip(scalers, validation_rows)]
    histories = fit(
        network,
        [Rows(scaler.transform(features[r]), labels[r]) for scaler, r in zip(scalers, rows)],
        validation,
        epochs,
        [np.random.default_rng(order) for _, order in streams],
        TrainerSettings(settings.batch_size, settings.learning_rate, settings.weight_decay),
    )
    return [Member(network.layers(m), scaler) for m, scaler in enumerate(scalers)], histories


def _best(history: list[EpochLog]) -> EpochLog:
    return min(history, key=lambda log: log.validation_loss)


def _run_folds(table, settings, test_sets, protocol: str, workers: int, progress: Progress | None):
    """Members and kernel models in fold order (fold 1's first); a fold's p(male) is its members' mean, blended
    with its kernel model's by ``settings.kernel_weight``, as the vote takes it.

    The members are dealt in ``workers`` consecutive groups, each in its own process as one stacked network per
    hidden shape; a fold's kernel model is fitted in the process of its first member. Nothing depends on the group.
    """
    from concurrent.futures import ProcessPoolExecutor

    features, labels = table.features, table.labels
    per_fold = settings.members_per_fold
    jobs = [(fold, index, rows) for fold, rows in enumerate(test_sets, start=1) for index in range(per_fold)]
    groups = [(features, labels, [jobs[i] for i in chunk], settings)
              for chunk in np.array_split(np.arange(len(jobs)), min(workers, len(jobs)))]
    kernels = {}

    def members_of(outputs):
        for found, fitted in outputs:
            kernels.update(fitted)
            yield from found

    if workers > 1:
        with ProcessPoolExecutor(max_workers=len(groups)) as pool:
            results = list(_reported(members_of(pool.map(_members_job, groups)), per_fold, protocol, progress))
    else:
        results = list(_reported(members_of(map(_members_job, groups)), per_fold, protocol, progress))
    p_male = np.full(len(labels), np.nan)
    members, reports = [], []
    weight = settings.kernel_weight
    for fold, rows in enumerate(test_sets, start=1):
        fold_results = results[(fold - 1) * per_fold: fold * per_fold]
        fold_p_male = np.mean([result[2] for result in fold_results], axis=0)
        if weight > 0:
            fold_p_male = (1.0 - weight) * fold_p_male + weight * kernels[fold][1]
        p_male[rows] = fold_p_male
        accuracy = float(np.mean((fold_p_male >= 0.5) == (labels[rows] == LABELS.index("male"))))
        bests = tuple(_best(history).epoch for _, history, _ in fold_results)
        members.extend(member for member, _, _ in fold_results)
        reports.append(FoldReport(fold, len(rows), accuracy, bests[0], fold_results[0][1], rows, bests))
    oof = float(np.mean((p_male >= 0.5) == (labels == LABELS.index("male"))))
    return members, [kernels[fold][0] for fold in sorted(kernels)], reports, oof, p_male


def _reported(results, per_fold, protocol, progress):
    """Pass the results on; ``progress`` hears of each fold once its last member is done (with the first's best)."""
    first = None
    for count, (member, history, p_male) in enumerate(results):
        first = history if count % per_fold == 0 else first
        if progress and count % per_fold == per_fold - 1:
            progress(protocol, count // per_fold + 1, _best(first))
        yield member, history, p_male


def contiguous_accuracy(
    table: FeatureTable, settings: TrainingSettings, *, workers: int = 1, progress: Progress | None = None
) -> float:
    """Out-of-fold accuracy of the same protocol on contiguous, unshuffled folds (voice.csv is sorted)."""
    blocks = splits.contiguous_folds(len(table.labels), settings.folds)
    return _run_folds(table, settings, blocks, "contiguous", workers, progress)[3]


def train_ensemble(
    table: FeatureTable, settings: TrainingSettings, *, workers: int = 1, progress: Progress | None = None
) -> TrainingReport:
    """Shuffled stratified k-fold (the ensemble), then the same protocol on contiguous folds (a check).

    Members are trained as stacked networks in ``workers`` single-threaded processes: the result does not
    depend on ``workers``.
    """
    _check_trainable(table, settings)
    test_sets = splits.stratified_folds(table.labels, settings.folds, settings.seed)
    members, kernels, reports, oof, p_male = _run_folds(table, settings, test_sets, "shuffled", workers, progress)
    contiguous = contiguous_accuracy(table, settings, workers=workers, progress=progress) if settings.contiguous_check else None
    # The first member's shape; members of other shapes carry theirs in model.json (vgr.models.checkpoint).
    config = MLPConfig(len(settings.features), settings.member_shape(0), len(LABELS), settings.dropout)
    ensemble = Ensemble(tuple(settings.features), members, {"architecture": config.as_dict()}, kernels=kernels,
                        kernel_weight=float(settings.kernel_weight) if kernels else 0.0)
    report = TrainingReport(ensemble, reports, oof, contiguous, p_male)
    ensemble.metadata.update(
        training={**settings.as_dict(), "rows": int(len(table.labels)), "data_sha256": table.sha256,
                  "class_counts": {LABELS[i]: int(c) for i, c in enumerate(np.bincount(table.labels, minlength=2))}},
        metrics=report.metrics(),
    )
    return report
