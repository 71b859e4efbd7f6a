"""Training time and accuracy on voice.csv: run by hand, paste the tables into bench/README.md.

    python bench/train.py [--epochs 100] [--workers 2]
    python bench/train.py --sweep seeds      # the bundled recipe on seeds 0, 1, 2, and their averaged votes
    python bench/train.py --sweep tried      # "tried and not kept", seed 0
    python bench/train.py --sweep variants   # the seeds-1-3 sweep (both tables), [--only TEXT] for some rows
    python bench/train.py --sweep svm        # RBF SVMs on the same folds (pip install scikit-learn)

Without ``--sweep``: the default recipe (all 20 features), the 13-column recipe of the bundled model, and the
best recipe of the seeds-1-3 sweep (13 columns, rank-Gauss scaling, hidden 128,128, batch 64, refit) with 10
shuffled stratified folds (seed 0), then the same protocol on contiguous folds, and reports both. Every sweep
row is the out-of-fold accuracy of 10 shuffled stratified folds (the contiguous check is left out). A full
``variants`` sweep is 60 ensembles (~25 min on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BUNDLED = ("meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm", "mode", "centroid", "meanfun")


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


def voice_table(columns):
    from vgr.runs.tables import read_feature_table

    return read_feature_table([SHARED / "data" / "voice.csv"], columns=columns)


def out_of_fold(columns, recipe: dict, seed: int, workers: int):
    """(accuracy, p_male per row) of a 10-fold ensemble; the contiguous check is not run."""
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, train_ensemble

    columns = FEATURE_NAMES if columns == ALL else columns
    settings = TrainingSettings(features=columns, seed=seed, contiguous_check=False, **recipe)
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


def svm_sweep() -> None:
    """RBF SVMs (scikit-learn, inputs standardised on the training rows) on the folds of seeds 0-3."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from sklearn.svm import SVC

    from vgr.features.names import FEATURE_NAMES
    from vgr.models.folds import stratified_folds
    from vgr.models.scaler import signed_log

    def log_skew_kurt(columns):
        where = np.array([name in ("skew", "kurt") for name in columns])
        return FunctionTransformer(lambda x: np.where(where, signed_log(x), x))

    rows = [(f"{len(columns)} columns, C = {c}{', signed log of skew and kurt' if log else ''}", columns, c, log)
            for columns in (BUNDLED, FEATURE_NAMES) for log in (False, True) for c in (1, 10)]
    seeds = (0, 1, 2, 3)
    print(f"| RBF SVM | {' | '.join(f'seed {s}' for s in seeds)} | mean |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, columns, c, log in rows:
        table = voice_table(columns)
        scores = []
        for seed in seeds:
            right = 0
            for rows_ in stratified_folds(table.labels, 10, seed):
                train = np.setdiff1d(np.arange(len(table.labels)), rows_)
                steps = [log_skew_kurt(columns)] if log else []
                model = make_pipeline(*steps, StandardScaler(), SVC(C=c)).fit(table.features[train], table.labels[train])
                right += int(np.sum(model.predict(table.features[rows_]) == table.labels[rows_]))
            scores.append(right / len(table.labels))
        print(f"| {name} | {' | '.join(f'{s:.2%}' for s in scores)} | {np.mean(scores):.2%} |", flush=True)


def main() -> None:
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, contiguous_accuracy, train_ensemble
    from vgr.runs.tables import read_feature_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sweep", choices=("seeds", "tried", "variants", "svm"))
    parser.add_argument("--only", help="variants/tried: only the rows whose name contains this text")
    parser.add_argument("--seeds", default="1,2,3", help="variants: the seeds to score on [1,2,3]")
    args = parser.parse_args()
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
        settings = TrainingSettings(epochs=args.epochs, features=columns, contiguous_check=False, **recipe)
        started = time.perf_counter()
        shuffled = train_ensemble(table, settings, workers=args.workers)
        shuffled_time = time.perf_counter() - started
        started = time.perf_counter()
        contiguous = contiguous_accuracy(table, settings, workers=args.workers)
        contiguous_time = time.perf_counter() - started
        print(f"| {name} | 10 | {args.epochs} | {args.workers} | {shuffled_time:.1f} | {shuffled.out_of_fold_accuracy:.2%} "
              f"| {shuffled.mean_fold_accuracy:.2%} | {contiguous_time:.1f} | {contiguous:.2%} |")
    print(f"\n(python {sys.version.split()[0]}, torch single-threaded per fold process)")


if __name__ == "__main__":
    main()
