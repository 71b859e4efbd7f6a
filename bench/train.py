"""Training time and accuracy on voice.csv: run by hand, paste the tables into bench/README.md.

    python bench/train.py [--epochs 100] [--workers 2]
    python bench/train.py --sweep seeds      # the bundled recipe on seeds 0, 1, 2, and their averaged votes
    python bench/train.py --sweep tried      # "tried and not kept", seed 0
    python bench/train.py --sweep variants   # the seeds-1-3 sweep (both tables), [--only TEXT] for some rows
    python bench/train.py --sweep svm        # RBF SVMs on the same folds (pip install scikit-learn)
    python bench/train.py --sweep select [--outer-seeds 100,101,102,103,104]   # candidate default recipes
    python bench/train.py --sweep explore    # EXPLORE's rows on the selection seeds (a third round, not a choice)
    python bench/train.py --sweep round4 [--only TEXT]   # ROUND4's rows on seeds 200-204 (issue 16's fourth round)
    python bench/train.py --sweep round5 [--only TEXT]   # kernel models blended with the defaults, seeds 300-304 (fifth round)
    python bench/train.py --sweep round6   # one network per fold + the kernel ridge, seeds 400-404 (sixth round)
    python bench/train.py --sweep outer [--outer-seeds 0,1,2,3,4]    # `vgr train` defaults against two SVMs
    python bench/train.py --sweep time [--train-options "..."]       # `vgr train` (defaults) on voice.csv, timed
    python bench/train.py --sweep pool     # round seven's ten outer splits, pooled from bench/README.md's tables

``outer``: each outer seed deals voice.csv into 5 stratified shuffled folds; on each, a 10-fold ensemble is
trained with the ``vgr train`` defaults on the other four fifths and its vote (``Ensemble.predict``, what
``vgr evaluate`` does) scores the held-out fifth; an outer split's figure is the accuracy over all its held-out
rows. The SVMs are fitted on the same four fifths. An ensemble with kernel models (``--kernel-weight``) is also
scored with its networks alone and its kernel models alone (information rows). ``select`` (how the defaults were chosen: on seeds 100-104
only, the reported outer seeds being 10-14; the first selection used 100-102 and reported 0-4) scores each
candidate by the out-of-fold accuracy of 10 shuffled stratified folds of voice.csv, as the other sweeps do (one
ensemble per seed instead of five: the machine was shared), with the two SVMs on the same folds.

Without ``--sweep``: the paper's recipe on all 20 features, the 13-column recipe of the bundled model, and the
best recipe of the seeds-1-3 sweep (13 columns, rank-Gauss scaling, hidden 128,128, batch 64, refit) with 10
shuffled stratified folds (seed 0), then the same protocol on contiguous folds, and reports both. Every sweep
row is the out-of-fold accuracy of 10 shuffled stratified folds (the contiguous check is left out). A full
``variants`` sweep is 60 ensembles (~25 min on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BUNDLED = ("meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm", "mode", "centroid", "meanfun")


# The recipe every sweep row starts from (the bundled model's, and the `vgr train` defaults before issue 16), so
# the rows keep their meaning whatever the defaults: paper MLP, standard scaling, batch 128, one network per fold.
PAPER = {"hidden": (64, 64, 256, 256, 64), "batch_size": 128, "scaling": "standard", "refit": False, "members_per_fold": 1,
         "kernel_weight": 0.0}
RANK_GAUSS = {"scaling": "rank-gauss", "hidden": (128, 128), "batch_size": 64}
# (row name, columns, settings) of the seeds-1-3 sweep; ALL is replaced by the 20 columns.
ALL = "all"
VARIANTS = (
    ("bundled recipe", BUNDLED, {}),
    ("batch 64", BUNDLED, {"batch_size": 64}),
    ("learning rate 5e-4", BUNDLED, {"learning_rate": 5e-4}),
    ("validation split 20 %", BUNDLED, {"validation_fraction": 0.2}),
    ("validation split 5 %", BUNDLED, {"validation_fraction": 0.05}),
    ("hidden 128, 128", BUNDLED, {"hidden": (128, 128)}),
    ("hidden 256, 256, 256", BUNDLED, {"hidden": (256, 256, 256)}),
    ("dropout 0.4", BUNDLED, {"dropout": 0.4}),
    ("weight decay 0", BUNDLED, {"weight_decay": 0.0}),
    ("150 epochs", BUNDLED, {"epochs": 150}),
    ("all 20 columns", ALL, {}),
    ("hidden 128, 128, batch 64", BUNDLED, {"hidden": (128, 128), "batch_size": 64}),
    ("hidden 128, 128, batch 32", BUNDLED, {"hidden": (128, 128), "batch_size": 32}),
    ("hidden 256, 256, batch 64", BUNDLED, {"hidden": (256, 256), "batch_size": 64}),
    ("`--scaling rank-gauss`, batch 64", BUNDLED, {"scaling": "rank-gauss", "batch_size": 64}),
    ("`--scaling rank-gauss`, hidden 128, 128, batch 64", BUNDLED, RANK_GAUSS),
    ("bundled recipe + refit", BUNDLED, {"refit": True}),
    ("rank-gauss, hidden 128, 128, batch 64 + refit", BUNDLED, {**RANK_GAUSS, "refit": True}),
)
TRIED = (
    ("bundled recipe", BUNDLED, {}),
    ("no signed log for skew/kurt", BUNDLED, {"log_features": ()}),
    ("dropout 0.1", BUNDLED, {"dropout": 0.1}),
    ("weight decay 1e-3", BUNDLED, {"weight_decay": 1e-3}),
    ("weight decay 1e-3, all 20 columns", ALL, {"weight_decay": 1e-3}),
    ("200 epochs", BUNDLED, {"epochs": 200}),
)


# Candidate default recipes of the selection sweep: (name, columns, settings over PAPER, members per fold). Each
# is trained once with that many members per fold and also scored on each fold's first 1, 2, ... members (the same
# networks: member j's seed does not depend on members_per_fold), so one run gives a row per member count.
CANDIDATES = (  # issue 16's second selection (after the stacked trainer), seeds 100-104; the rule: bench/README.md
    ("rank-gauss, hidden 128, 128, batch 128", BUNDLED, {**RANK_GAUSS, "batch_size": 128}, 5),
    ("rank-gauss, hidden 128, 128, batch 64, refit", BUNDLED, {**RANK_GAUSS, "refit": True}, 4),
    ("rank-gauss, hidden 128, 128, batch 128, refit", BUNDLED, {**RANK_GAUSS, "batch_size": 128, "refit": True}, 5),
    ("rank-gauss, hidden 128, 128, batch 64, refit, 150 epochs", BUNDLED, {**RANK_GAUSS, "refit": True, "epochs": 150}, 3),
)
# A third round on the selection seeds, after the second round's report. Rule (round two's, written down at 01:22
# on 2026-12-01 with three of the seven rows scored): the highest mean over seeds 100-104 among these rows and
# round two's, among those whose default training takes under 50 CPU s per worker; reported once on outer seeds
# 20-24, never run before (bench/README.md, "Issue 16, third round").
EXPLORE = (
    ("rank-gauss, hidden 128, 128, batch 64, refit, all 20 columns", ALL, {**RANK_GAUSS, "refit": True}, 3),
    ("rank-gauss, hidden 256, 256, batch 64, refit", BUNDLED, {**RANK_GAUSS, "hidden": (256, 256), "refit": True}, 3),
    ("rank-gauss, hidden 128, 128, 128, batch 64, refit", BUNDLED,
     {**RANK_GAUSS, "hidden": (128, 128, 128), "refit": True}, 3),
    ("rank-gauss, hidden 128, 128, batch 64, refit, dropout 0.1", BUNDLED, {**RANK_GAUSS, "refit": True, "dropout": 0.1}, 3),
    ("rank-gauss, hidden 128, 128, batch 64, refit, dropout 0.4", BUNDLED, {**RANK_GAUSS, "refit": True, "dropout": 0.4}, 3),
    ("rank-gauss, hidden 128, 128, batch 64, refit, weight decay 1e-3", BUNDLED,
     {**RANK_GAUSS, "refit": True, "weight_decay": 1e-3}, 3),
    ("rank-gauss, hidden 128, 128, batch 32, refit", BUNDLED, {**RANK_GAUSS, "batch_size": 32, "refit": True}, 3),
)

# Issue 16's fourth round, written down and committed before any row was scored (2026-12-01, 02:24 UTC).
# Seeds: choose on 200-204 only (0-4, 10-14 and 20-24 are spent, 100-104 chosen on three times); report once on
# outer seeds 30-34. Rows: (name, columns, settings over PAPER, members per fold, `vgr train` options of the time
# line). The first row is the current defaults, scored on the same folds as the baseline. Why these:
#   - one network of each of two shapes per fold (architectures ensembled, the idea): 128,128,128 with
#     256,256 (the third round's two best shapes), and 128,128,128 with 128,128 (the same at less cost);
#   - three networks per fold of a cheaper net (64,64,64): more votes for about the defaults' time (round two:
#     more members helped up to 3-4 per fold);
#   - three shapes per fold, 128,128,128 + 128,128 + 64,64,64: both ideas at once, within the time budget.
# Rule: each candidate is timed first (`python bench/train.py --sweep time --train-options OPTIONS`, none of this
# session's other jobs running; if over 50 CPU s per worker, once more, and the lower figure counts); one over
# 50 CPU s per worker is out and is not scored. The others are scored with `--sweep round4` (out-of-fold accuracy
# of 10 shuffled stratified folds per seed, as `select`/`explore`); only a row's full member count is a contender
# (the rows with fewer members per fold are printed for information). A candidate replaces the defaults only if
# its mean over 200-204 is above the defaults' mean on 200-204; the highest such mean wins. Then, once, with the
# winner (or the unchanged defaults) as `vgr train`'s defaults: `--sweep outer --outer-seeds 30,31,32,33,34`.
ROUND4_DEFAULTS = {**RANK_GAUSS, "hidden": (128, 128, 128), "refit": True}
ROUND4 = (
    ("current defaults: rank-gauss, hidden 128, 128, 128, batch 64, refit", BUNDLED, ROUND4_DEFAULTS, 2, ""),
    ("hidden 128, 128, 128 + 256, 256 (one of each per fold)", BUNDLED,
     {**ROUND4_DEFAULTS, "hidden": ((128, 128, 128), (256, 256))}, 2, "--hidden 128,128,128+256,256"),
    ("hidden 128, 128, 128 + 128, 128 (one of each per fold)", BUNDLED,
     {**ROUND4_DEFAULTS, "hidden": ((128, 128, 128), (128, 128))}, 2, "--hidden 128,128,128+128,128"),
    ("hidden 64, 64, 64", BUNDLED, {**ROUND4_DEFAULTS, "hidden": (64, 64, 64)}, 3,
     "--hidden 64,64,64 --members-per-fold 3"),
    ("hidden 128, 128, 128 + 128, 128 + 64, 64, 64 (one of each per fold)", BUNDLED,
     {**ROUND4_DEFAULTS, "hidden": ((128, 128, 128), (128, 128), (64, 64, 64))}, 3,
     "--hidden 128,128,128+128,128+64,64,64 --members-per-fold 3"),
)

# Issue 16's fifth round, written down and committed before any row was scored (2026-12-01, 04:41 UTC). Seeds:
# choose on 300-304 only (0-4, 10-14, 20-24, 30-34 reported; 100-104, 200-204 chosen on); report once on outer
# seeds 40-44. The idea: the MLP fold ensemble and the RBF SVM have been level on four rounds of fresh splits but
# are different models; a blend of the two families may beat both. Kernel members are fitted per fold on the
# fold's training rows (all of them, as refit does), with vgr.models.kernel (numpy/torch, no scikit-learn), on the
# strongest SVM's input map (13 columns, signed log of skew and kurt, standardised; gamma 1 / 13). Three variants,
# fixed before scoring (name, fit function's name, keyword arguments):
#   - RBF kernel ridge on the 0/1 targets, C = 10 (alpha 0.1: the least-squares SVM of the strongest SVM's C);
#   - RBF kernel ridge, C = 1 (alpha 1), more smoothing;
#   - 2,048 random Fourier features of the same kernel + L2 logistic regression, C = 10 (L-BFGS).
# The blend, decided beforehand: p(male) of a row = 1/2 (mean of the fold's MLP members, the current defaults)
# + 1/2 (the fold's kernel model); on new data, 1/2 the mean of all MLP members + 1/2 the mean of all kernel
# models. Rows scored on the same 10 shuffled stratified folds per seed (out-of-fold accuracy, as select/round4):
# the current defaults, the two SVMs, each kernel variant alone (information), each blend (the contenders), and,
# as information only, the defaults blended 1/2-1/2 with scikit-learn's SVC(probability=True) of the strongest
# SVM's recipe (the brief's cheap check of whether blending helps at all).
# Rule: a blend replaces the defaults only if its mean over 300-304 is above both the defaults' mean and the
# strongest SVM's mean there, and its training time is under 55 CPU s per worker; the highest such mean wins (on
# a tie, the earlier row). Time, before it is implemented: the defaults' `--sweep time` CPU s per worker plus the
# variant's kernel fitting CPU s over 10 folds (printed by this sweep, mean over the seeds) / 2; once implemented
# as the default, `--sweep time` itself must be under 55 CPU s per worker (if over, once more; the lower counts),
# or the defaults are restored. Then, once: `--sweep outer --outer-seeds 40,41,42,43,44`, whatever it gives.
# Outcome (bench/README.md, "Issue 16, fifth round"): the C = 10 ridge blend had the highest mean, but its training
# time was over 55 CPU s per worker, so the defaults stay networks only; the blend is `vgr train --kernel-weight 0.5`.
ROUND5_KERNELS = (
    ("RBF kernel ridge, C = 10", "fit_kernel_ridge", {"c": 10.0}),
    ("RBF kernel ridge, C = 1", "fit_kernel_ridge", {"c": 1.0}),
    ("2,048 random Fourier features + logistic regression, C = 10", "fit_fourier_logistic",
     {"c": 10.0, "count": 2048}),
)


# Issue 16's sixth round, written down and committed before any row was scored (2026-12-01). Seeds: choose on
# 400-404 only (0-4, 10-14, 20-24, 30-34, 40-44 reported; 100-104, 200-204, 300-304 chosen on); report once on
# outer seeds 50-54. The idea: round five's blend (2 networks per fold + the fold's C = 10 kernel ridge, 1/2 each)
# won on accuracy but trained over the time budget; with one network per fold instead of two it costs about half
# the networks' time. One candidate, `--members-per-fold 1 --kernel-weight 0.5`, against the current defaults
# (2 networks per fold, no kernel) on the same 10 shuffled stratified folds per seed (out-of-fold accuracy).
# Rule: it replaces the defaults only if (1) its mean over 400-404 is above both the defaults' mean and the
# strongest SVM's mean there, and (2) `--sweep time` puts it under the defaults and under 55 CPU s per worker,
# timed alternately with the defaults in the same minutes (candidate, defaults, candidate, defaults; the lower of
# each pair counts). Then, once, with the winner (or the unchanged defaults): `--sweep outer --outer-seeds
# 50,51,52,53,54`, whatever it gives.
ROUND6 = (
    ("current defaults: 2 networks per fold, no kernel", {}),
    ("1 network per fold + the fold's kernel ridge, 1/2 each (`--members-per-fold 1 --kernel-weight 0.5`)",
     {"members_per_fold": 1, "kernel_weight": 0.5}),
)


# Issue 16's seventh round, written down and committed before any time was taken (2026-12-01, 07:38 UTC). No new
# recipe and no new selection: the trainer was made faster with every member's bits unchanged (e75dfaf: members
# past their epochs are not computed, whole-tensor Adam passes), so round five's blend (2 networks per fold + the
# fold's C = 10 kernel ridge, 1/2 each), its selection on 300-304 and its outer figures on 40-44 (a330025, whose
# training code differs from today's only in the kernel_weight default) stand as they were. Round five failed only
# its time clause, which is applied again to the faster code, by its own letter: the blend implemented as the
# default, `--sweep time` (if over 55 CPU s per worker or over the 60 s of wall clock, once more; the lower
# counts); over, and the defaults (networks only) are restored. The previous code (06f5b0f) is timed alternately
# in the same minutes, for information. If the blend stays, it is reported once on fresh outer seeds 60-64
# (`--sweep outer --outer-seeds 60,61,62,63,64`), whatever it gives; issue 16's figure is then the mean over the
# ten outer splits 40-44 and 60-64 against the strongest SVM's mean over the same ten.


def round6_sweep(seeds, workers: int) -> None:
    """ROUND6's rows and the SVMs on the selection seeds, every row on the same folds."""
    from dataclasses import replace

    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, train_ensemble

    defaults = TrainingSettings(contiguous_check=False)
    table = voice_table(defaults.features)
    rows = {}
    for seed in seeds:
        for name, change in ROUND6:
            report = train_ensemble(table, replace(defaults, seed=seed, **change), workers=workers)
            rows.setdefault(name, []).append(report.out_of_fold_accuracy)
        for name, svm_columns, c, log in SVMS:
            svm_columns = FEATURE_NAMES if svm_columns == ALL else svm_columns
            rows.setdefault(name, []).append(svm_out_of_fold(svm_columns, c, log, seed))
        report_seed(seed, rows, 30)
    print_rows(rows, seeds)


# Round seven's figure: the blend's outer splits of round five (seeds 40-44, run at a330025) and of round seven
# (60-64), read from the tables those runs printed (pasted into bench/README.md), pooled. Every split scores all
# 3,168 rows once, so a split's percentage, given to 0.01, is a whole count of right rows.
POOLED_RUNS = (("Issue 16, fifth round", "| vgr, the blend"), ("Issue 16, seventh round", "| vgr, `vgr train` defaults"))
POOLED_SVM = "| RBF SVM, 13 columns"
POOLED_NETWORKS = "| (information) the same ensembles' networks alone"
VOICE_ROWS = 3168


def pool_sweep(readme: Path = Path(__file__).with_name("README.md")) -> None:
    """The blend and the strongest SVM over round five's and round seven's outer splits: right rows per split,
    and the pooled accuracy."""
    text = readme.read_text()
    pooled = {}
    for heading, blend_row in POOLED_RUNS:
        section = text[text.index(f"### {heading}"):]
        table = section[section.index("| model | seed"):]
        header, _, *lines = table.split("\n")
        seeds = [cell.strip().removeprefix("seed ") for cell in header.split("|")[2:-3]]
        for name, start in (("vgr, the blend", blend_row), ("(information) its networks alone", POOLED_NETWORKS),
                            ("strongest SVM", POOLED_SVM)):
            row = next(line for line in lines if line.startswith(start))
            figures = [float(cell.strip().rstrip("%")) for cell in row.split("|")[2:2 + len(seeds)]]
            counts = [round(figure * VOICE_ROWS / 100) for figure in figures]
            assert all(abs(100 * c / VOICE_ROWS - f) < 0.005 for c, f in zip(counts, figures)), row
            pooled.setdefault(name, {}).update(zip(seeds, counts))
    seeds = list(pooled["vgr, the blend"])
    print("| model | " + " | ".join(f"seed {seed}" for seed in seeds) + " | right rows | pooled accuracy |")
    print("|---" * (len(seeds) + 3) + "|")
    for name, counts in pooled.items():
        right = sum(counts.values())
        print(f"| {name} | " + " | ".join(str(counts[seed]) for seed in seeds)
              + f" | {right:,} of {VOICE_ROWS * len(seeds):,} | {100 * right / (VOICE_ROWS * len(seeds)):.3f}% |")


def report_seed(seed: int, rows: dict[str, list[float]], width: int) -> None:
    """One progress line on stderr: each row's score on ``seed``, its name cut to ``width`` characters."""
    print(f"seed {seed}: " + ", ".join(f"{name[:width]} {scores[-1]:.2%}" for name, scores in rows.items()),
          file=sys.stderr, flush=True)


def print_rows(rows: dict[str, list[float]], seeds) -> None:
    """The markdown table of each row's score per seed, mean ± std and range."""
    print(f"| row (13 columns) | {' | '.join(f'seed {s}' for s in seeds)} | mean ± std | min–max |")
    print("|---|" + "---|" * (len(seeds) + 2))
    for name, scores in rows.items():
        print(f"| {name} | {' | '.join(f'{s:.2%}' for s in scores)} | {spread(scores)} |", flush=True)

def voice_table(columns):
    from vgr.runs.tables import read_feature_table

    return read_feature_table([SHARED / "data" / "voice.csv"], columns=columns)


def out_of_fold(columns, recipe: dict, seed: int, workers: int):
    """(accuracy, p_male per row) of a 10-fold ensemble; the contiguous check is not run."""
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, train_ensemble

    columns = FEATURE_NAMES if columns == ALL else columns
    settings = TrainingSettings(features=columns, seed=seed, contiguous_check=False, **{**PAPER, **recipe})
    report = train_ensemble(voice_table(columns), settings, workers=workers)
    return report.out_of_fold_accuracy, report.out_of_fold_p_male


def sweep(rows, seeds, only: str | None, workers: int) -> None:
    print(f"| variant | {' | '.join(f'seed {s}' for s in seeds)} | mean |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, columns, recipe in rows:
        if only and only not in name:
            continue
        scores = [out_of_fold(columns, recipe, seed, workers)[0] for seed in seeds]
        print(f"| {name} | {' | '.join(f'{s:.2%}' for s in scores)} | {np.mean(scores):.2%} |", flush=True)


def seeds_sweep(workers: int) -> None:
    """The bundled recipe on seeds 0, 1, 2, and the accuracy of the three runs' averaged out-of-fold votes."""
    table = voice_table(BUNDLED)
    runs = [out_of_fold(BUNDLED, {}, seed, workers) for seed in (0, 1, 2)]
    for seed, (accuracy, _) in enumerate(runs):
        print(f"seed {seed}: {accuracy:.2%} out of fold")
    averaged = np.mean([p for _, p in runs], axis=0)
    print(f"three seeds' out-of-fold p(male) averaged: {np.mean((averaged >= 0.5) == (table.labels == 1)):.2%}")


def svm(columns, c: float, log: bool):
    """An RBF SVM (gamma "scale") on standardised inputs, skew and kurt through a signed log first if ``log``."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.svm import SVC

    from vgr.models.scaler import signed_log

    where = np.array([name in ("skew", "kurt") for name in columns])
    steps = [FunctionTransformer(lambda x: np.where(where, signed_log(x), x))] if log else []
    return make_pipeline(*steps, StandardScaler(), SVC(C=c, gamma="scale"))


def svm_out_of_fold(columns, c: float, log: bool, seed: int) -> float:
    """Out-of-fold accuracy of ``svm`` on 10 shuffled stratified folds of voice.csv."""
    from vgr.models.folds import stratified_folds

    table, right = voice_table(columns), 0
    for rows in stratified_folds(table.labels, 10, seed):
        train = np.setdiff1d(np.arange(len(table.labels)), rows)
        model = svm(columns, c, log).fit(table.features[train], table.labels[train])
        right += int(np.sum(model.predict(table.features[rows]) == table.labels[rows]))
    return right / len(table.labels)


def svm_sweep() -> None:
    """RBF SVMs (scikit-learn, inputs standardised on the training rows) on the folds of seeds 0-3."""
    from vgr.features.names import FEATURE_NAMES

    rows = [(f"{len(columns)} columns, C = {c}{', signed log of skew and kurt' if log else ''}", columns, c, log)
            for columns in (BUNDLED, FEATURE_NAMES) for log in (False, True) for c in (1, 10)]
    seeds = (0, 1, 2, 3)
    print(f"| RBF SVM | {' | '.join(f'seed {s}' for s in seeds)} | mean |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, columns, c, log in rows:
        scores = [svm_out_of_fold(columns, c, log, seed) for seed in seeds]
        print(f"| {name} | {' | '.join(f'{s:.2%}' for s in scores)} | {np.mean(scores):.2%} |", flush=True)


def outer_folds(labels, seed: int):
    """(train rows, held-out rows) of the 5 outer folds of one outer seed."""
    from vgr.models.folds import stratified_folds

    return [(np.setdiff1d(np.arange(len(labels)), rows), rows) for rows in stratified_folds(labels, 5, seed)]


def rows_of(table, rows):
    from dataclasses import replace

    return replace(table, features=table.features[rows], labels=table.labels[rows],
                   ids=[table.ids[i] for i in rows], speakers=None)


def voted(ensemble, features) -> np.ndarray:
    """Label indices of the ensemble's vote, as ``vgr evaluate`` takes them."""
    from vgr.features.names import LABELS

    return np.array([LABELS.index(p.label) for p in ensemble.predict(features)])


def outer_scores(columns, settings, seeds, workers: int) -> dict[str, list[float]]:
    """Accuracy per outer seed of 10-fold ensembles trained on each outer fold's four fifths (2,534 rows): of the
    ensemble ("vote"), and, when it has kernel models, of its networks alone and its kernel models alone (the same
    ensembles with the kernel weight set to 0 and to 1)."""
    from dataclasses import replace

    from vgr.models.training import train_ensemble

    table, scores = voice_table(columns), {}
    for seed in seeds:
        right, started = {}, time.perf_counter()
        for train, held_out in outer_folds(table.labels, seed):
            ensemble = train_ensemble(rows_of(table, train), settings, workers=workers).ensemble
            parts = {"vote": ensemble}
            if ensemble.kernels:
                parts.update(networks=replace(ensemble, kernel_weight=0.0), kernels=replace(ensemble, kernel_weight=1.0))
            for name, part in parts.items():
                right[name] = right.get(name, 0) + int(np.sum(voted(part, table.features[held_out])
                                                              == table.labels[held_out]))
        for name, count in right.items():
            scores.setdefault(name, []).append(count / len(table.labels))
        print(f"outer seed {seed}: {scores['vote'][-1]:.2%} ({(time.perf_counter() - started) / 5:.0f} s per ensemble)",
              file=sys.stderr, flush=True)
    return scores


def svm_outer_scores(columns, c: float, log: bool, seeds) -> list[float]:
    table = voice_table(columns)
    scores = []
    for seed in seeds:
        right = 0
        for train, held_out in outer_folds(table.labels, seed):
            model = svm(columns, c, log).fit(table.features[train], table.labels[train])
            right += int(np.sum(model.predict(table.features[held_out]) == table.labels[held_out]))
        scores.append(right / len(table.labels))
    return scores


SVMS = (  # (name, columns, C, signed log of skew and kurt) on the outer folds; gamma "scale"
    ("RBF SVM, 20 columns standardised, C = 10 (the issue's)", ALL, 10, False),
    ("RBF SVM, 13 columns, signed log of skew and kurt, standardised, C = 10 (best of `--sweep svm`)", BUNDLED, 10, True),
)


def svm_rows(seeds):
    from vgr.features.names import FEATURE_NAMES

    for name, columns, c, log in SVMS:
        yield name, svm_outer_scores(FEATURE_NAMES if columns == ALL else columns, c, log, seeds)


def spread(scores) -> str:
    return (f"{np.mean(scores):.2%} ± {np.std(scores, ddof=1) if len(scores) > 1 else 0:.2%} | "
            f"{min(scores):.2%}–{max(scores):.2%}")


def prefix_out_of_fold(report, table, per_fold: int, keep: int) -> float:
    """Out-of-fold accuracy when each row is voted on by the first ``keep`` members of the fold that left it out."""
    right = 0
    for fold in report.folds:
        rows = fold.test_indices
        members = report.ensemble.members[(fold.fold - 1) * per_fold: (fold.fold - 1) * per_fold + keep]
        p_male = np.mean([m.probabilities(table.features[rows])[:, 1] for m in members], axis=0)
        right += int(np.sum((p_male >= 0.5) == (table.labels[rows] == 1)))
    return right / len(table.labels)


def select_sweep(seeds, only: str | None, workers: int, candidates=CANDIDATES, svms: bool = True) -> None:
    """Every candidate recipe with 1, 2, ... members per fold: out-of-fold accuracy of 10 shuffled stratified folds
    of voice.csv on the selection seeds, and the two SVMs on the same 10 folds."""
    from dataclasses import replace

    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, train_ensemble

    print(f"| recipe (13 columns unless stated) | members per fold | {' | '.join(f'seed {s}' for s in seeds)} "
          "| mean ± std | min–max |")
    print("|---|---|" + "---|" * (len(seeds) + 2))
    for name, columns, c, log in SVMS if svms else ():
        if only and only not in name:
            continue
        scores = [svm_out_of_fold(FEATURE_NAMES if columns == ALL else columns, c, log, seed) for seed in seeds]
        print(f"| {name} | – | {' | '.join(f'{s:.2%}' for s in scores)} | {spread(scores)} |", flush=True)
    for name, columns, recipe, per_fold in candidates:
        if only and only not in name:
            continue
        columns = FEATURE_NAMES if columns == ALL else columns
        table = voice_table(columns)
        settings = TrainingSettings(features=columns, contiguous_check=False,
                                    **{**PAPER, **recipe, "members_per_fold": per_fold})
        scores = {keep: [] for keep in range(1, per_fold + 1)}
        for seed in seeds:
            report = train_ensemble(table, replace(settings, seed=seed), workers=workers)
            for keep in scores:
                scores[keep].append(prefix_out_of_fold(report, table, per_fold, keep))
            assert scores[per_fold][-1] == report.out_of_fold_accuracy
            print(f"{name}, seed {seed}: {[f'{s[-1]:.2%}' for s in scores.values()]}", file=sys.stderr, flush=True)
        for keep, each in scores.items():
            print(f"| {name} | {keep} | {' | '.join(f'{s:.2%}' for s in each)} | {spread(each)} |", flush=True)


def fit_fourier_logistic(features, male, compressed, c: float, count: int, rng):
    """(Round five's third variant, bench only.) ``count`` random Fourier features ``sqrt(2/D) cos(W x + b)`` of
    the RBF kernel (W from N(0, 2 gamma), b uniform on [0, 2 pi), gamma 1 / columns) on the kernel models' input
    map, then an L2 logistic regression, ``c * sum(log loss) + |w|² / 2``, by L-BFGS. Returns p(male) of rows."""
    import math

    import torch

    from vgr.models.scaler import Scaler

    scaler = Scaler.fit(features, np.asarray(compressed, bool), rank_gaussian=False)
    x = scaler.transform(features)
    frequencies = rng.normal(0.0, math.sqrt(2.0 / x.shape[1]), size=(count, x.shape[1]))
    offsets = rng.uniform(0.0, 2.0 * math.pi, size=count)

    def design(rows):
        return torch.from_numpy(math.sqrt(2.0 / count) * np.cos(rows @ frequencies.T + offsets))

    inputs, target = design(x), torch.from_numpy(np.asarray(male, dtype=np.float64))
    weights = torch.zeros(count + 1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights], lr=1.0, max_iter=500, tolerance_grad=1e-6, tolerance_change=1e-10,
                                  history_size=20, line_search_fn="strong_wolfe")

    def loss():
        optimiser.zero_grad()
        logits = inputs @ weights[:-1] + weights[-1]
        value = c * torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="sum") \
            + 0.5 * weights[:-1].square().sum()
        value.backward()
        return value

    optimiser.step(loss)
    fitted = weights.detach()

    def p_male(rows):
        return torch.sigmoid(design(scaler.transform(rows)) @ fitted[:-1] + fitted[-1]).numpy()

    return p_male


def kernel_out_of_fold(table, columns, seed: int, fit_name: str, options: dict):
    """(p_male per row, CPU seconds) of a kernel model per fold (``ROUND5_KERNELS``) on 10 shuffled stratified
    folds of voice.csv: the folds of the ensemble of the same seed."""
    import torch

    from vgr.models import kernel
    from vgr.models.folds import stratified_folds

    torch.set_num_threads(1)  # as in a training worker
    compressed = [name in ("skew", "kurt") for name in columns]
    p_male, started = np.full(len(table.labels), np.nan), time.process_time()
    for fold, rows in enumerate(stratified_folds(table.labels, 10, seed), start=1):
        train = np.setdiff1d(np.arange(len(table.labels)), rows)
        if fit_name == "fit_fourier_logistic":
            score = fit_fourier_logistic(table.features[train], table.labels[train], compressed, **options,
                                         rng=np.random.default_rng((seed, fold, 5)))
        else:
            score = getattr(kernel, fit_name)(table.features[train], table.labels[train], compressed, **options).p_male
        p_male[rows] = score(table.features[rows])
    return p_male, time.process_time() - started


def svm_probability_out_of_fold(table, columns, seed: int) -> np.ndarray:
    """p(male) of the strongest SVM with Platt scaling (``SVC(probability=True)``) on the same 10 folds."""
    from vgr.models.folds import stratified_folds

    p_male = np.full(len(table.labels), np.nan)
    for rows in stratified_folds(table.labels, 10, seed):
        train = np.setdiff1d(np.arange(len(table.labels)), rows)
        model = svm(columns, 10, True)
        model.set_params(svc__probability=True, svc__random_state=seed)
        model.fit(table.features[train], table.labels[train])
        p_male[rows] = model.predict_proba(table.features[rows])[:, list(model.classes_).index(1)]
    return p_male


def round5_sweep(seeds, only: str | None, workers: int) -> None:
    """ROUND5's rows (see ROUND5_KERNELS) on the selection seeds: out-of-fold accuracy of 10 shuffled stratified
    folds per seed, every row on the same folds; the kernel models' fitting CPU seconds per seed."""
    from dataclasses import replace

    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, train_ensemble

    defaults = TrainingSettings(contiguous_check=False, kernel_weight=0.0)  # the networks of the defaults then
    columns, table = defaults.features, voice_table(defaults.features)
    male = table.labels == 1

    def accuracy(p):
        return float(np.mean((p >= 0.5) == male))

    rows, seconds = {}, {name: [] for name, _, _ in ROUND5_KERNELS}
    for seed in seeds:
        mlp = train_ensemble(table, replace(defaults, seed=seed), workers=workers).out_of_fold_p_male
        rows.setdefault("current defaults: rank-gauss, hidden 128, 128, 128, batch 64, refit, 2 per fold", []).append(
            accuracy(mlp))
        for name, svm_columns, c, log in SVMS:
            svm_columns = FEATURE_NAMES if svm_columns == ALL else svm_columns
            rows.setdefault(name, []).append(svm_out_of_fold(svm_columns, c, log, seed))
        platt = svm_probability_out_of_fold(table, columns, seed)
        rows.setdefault("(information) strongest SVM with Platt probabilities, alone", []).append(accuracy(platt))
        rows.setdefault("(information) defaults + strongest SVM's Platt probabilities, 1/2 each", []).append(
            accuracy(0.5 * mlp + 0.5 * platt))
        for name, fit_name, options in ROUND5_KERNELS:
            if only and only not in name:
                continue
            p_kernel, cpu = kernel_out_of_fold(table, columns, seed, fit_name, options)
            seconds[name].append(cpu)
            rows.setdefault(f"(information) {name}, alone", []).append(accuracy(p_kernel))
            rows.setdefault(f"**blend**: defaults + {name}, 1/2 each", []).append(accuracy(0.5 * mlp + 0.5 * p_kernel))
        report_seed(seed, rows, 40)
    print_rows(rows, seeds)
    print()
    for name, each in seconds.items():
        if each:
            print(f"{name}: {np.mean(each):.1f} CPU s to fit and score 10 folds (mean over {len(each)} seeds, "
                  "one thread)")


def outer_sweep(seeds, workers: int) -> None:
    """`vgr train` defaults, the issue's SVM and the strongest SVM of ``--sweep svm``, on the same outer folds."""
    from vgr.models.training import TrainingSettings

    defaults = TrainingSettings(contiguous_check=False)  # the check trains a second protocol; no model changes
    print(f"| model | {' | '.join(f'seed {s}' for s in seeds)} | mean ± std | min–max |")
    print("|---|" + "---|" * (len(seeds) + 2))
    parts = outer_scores(defaults.features, defaults, seeds, workers)
    names = {"vote": "vgr, `vgr train` defaults", "networks": "(information) the same ensembles' networks alone",
             "kernels": "(information) the same ensembles' kernel models alone"}
    for part, scores in parts.items():
        print(f"| {names[part]} | {' | '.join(f'{s:.2%}' for s in scores)} | {spread(scores)} |", flush=True)
    for name, scores in svm_rows(seeds):
        print(f"| {name} | {' | '.join(f'{s:.2%}' for s in scores)} | {spread(scores)} |", flush=True)
    print()
    print_training_time(workers)


def print_training_time(workers: int, options: str = "") -> None:
    wall, cpu = cli_seconds(workers, options)
    what = f"`vgr train {options}`" if options else "`vgr train` defaults"
    print(f"{what} on all of voice.csv (10 folds, --workers {workers}, --no-contiguous-check): "
          f"{wall:.1f} s wall clock, {cpu:.1f} CPU seconds ({cpu / workers:.1f} s per worker), start-up included; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def cli_seconds(workers: int, options: str = "") -> tuple[float, float]:
    """Wall-clock and CPU seconds (all processes) of `vgr train` on voice.csv with its defaults (or ``options``),
    start-up included.

    On a loaded machine the wall clock grows; the CPU seconds over ``workers`` estimate the idle wall clock.
    """
    import resource
    import subprocess
    import tempfile

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    with tempfile.TemporaryDirectory() as folder:
        started, used = time.perf_counter(), cpu()
        subprocess.run([sys.executable, "-m", "vgr", "train", str(SHARED / "data" / "voice.csv"), "-o",
                        str(Path(folder) / "model"), "--workers", str(workers), "--no-contiguous-check",
                        *shlex.split(options)],
                       check=True, capture_output=True)
        return time.perf_counter() - started, cpu() - used


def main() -> None:
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, contiguous_accuracy, train_ensemble
    from vgr.runs.tables import read_feature_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sweep", choices=("seeds", "tried", "variants", "svm", "select", "explore", "round4", "round5", "round6", "outer", "time", "pool"))
    parser.add_argument("--only", help="variants/tried: only the rows whose name contains this text")
    parser.add_argument("--seeds", default="1,2,3", help="variants: the seeds to score on [1,2,3]")
    parser.add_argument("--train-options", default="", help="time: vgr train options instead of the defaults")
    parser.add_argument("--outer-seeds", help="select/explore/round4/round5/outer: the seeds [select, explore: 100-104; round4: 200-204; round5: 300-304; outer: 0-4]")
    args = parser.parse_args()
    outer = tuple(int(s) for s in args.outer_seeds.split(",")) if args.outer_seeds else None
    if args.sweep == "select":
        return select_sweep(outer or (100, 101, 102, 103, 104), args.only, args.workers)
    if args.sweep == "explore":  # EXPLORE's rows, on the selection seeds; the SVMs are those of "select"
        return select_sweep(outer or (100, 101, 102, 103, 104), args.only, args.workers, EXPLORE, svms=False)
    if args.sweep == "round4":  # ROUND4's rows (the current defaults first), on seeds 200-204; SVMs too
        rows = tuple(row[:4] for row in ROUND4)
        return select_sweep(outer or (200, 201, 202, 203, 204), args.only, args.workers, rows)
    if args.sweep == "round6":  # ROUND6's rows and the SVMs, on seeds 400-404
        return round6_sweep(outer or (400, 401, 402, 403, 404), args.workers)
    if args.sweep == "round5":  # ROUND5_KERNELS' blends with the current defaults, on seeds 300-304
        return round5_sweep(outer or (300, 301, 302, 303, 304), args.only, args.workers)
    if args.sweep == "pool":  # round seven's ten outer splits, from the two runs' tables in bench/README.md
        return pool_sweep()
    if args.sweep == "time":
        return print_training_time(args.workers, args.train_options)
    if args.sweep == "outer":
        return outer_sweep(outer or (0, 1, 2, 3, 4), args.workers)
    if args.sweep == "seeds":
        return seeds_sweep(args.workers)
    if args.sweep == "tried":
        return sweep(TRIED, (0,), args.only, args.workers)
    if args.sweep == "variants":
        return sweep(VARIANTS, tuple(int(s) for s in args.seeds.split(",")), args.only, args.workers)
    if args.sweep == "svm":
        return svm_sweep()
    print("| features | folds | epochs | workers | shuffled: time s | out-of-fold acc. | mean fold acc. | contiguous: time s | contiguous OOF acc. |")
    print("|---|---|---|---|---|---|---|---|---|")
    recipes = (
        ("all 20", FEATURE_NAMES, {}),
        ("13 (bundled model)", BUNDLED, {}),
        ("13, `--scaling rank-gauss --hidden 128,128 --batch-size 64 --refit`", BUNDLED,
         {"scaling": "rank-gauss", "hidden": (128, 128), "batch_size": 64, "refit": True}),
    )
    for name, columns, recipe in recipes:
        table = read_feature_table([SHARED / "data" / "voice.csv"], columns=columns)
        settings = TrainingSettings(epochs=args.epochs, features=columns, contiguous_check=False, **{**PAPER, **recipe})
        started = time.perf_counter()
        shuffled = train_ensemble(table, settings, workers=args.workers)
        shuffled_time = time.perf_counter() - started
        started = time.perf_counter()
        contiguous = contiguous_accuracy(table, settings, workers=args.workers)
        contiguous_time = time.perf_counter() - started
        print(f"| {name} | 10 | {args.epochs} | {args.workers} | {shuffled_time:.1f} | {shuffled.out_of_fold_accuracy:.2%} "
              f"| {shuffled.mean_fold_accuracy:.2%} | {contiguous_time:.1f} | {contiguous:.2%} |")
    print(f"\n(python {sys.version.split()[0]}, members stacked, one single-threaded process per worker)")


if __name__ == "__main__":
    main()
