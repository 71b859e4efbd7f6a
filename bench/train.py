"""Training time and accuracy on voice.csv: run by hand, paste the table into bench/README.md.

    python bench/train.py [--epochs 100] [--workers 2]

Trains the default recipe (all 20 features), the 13-column recipe of the bundled model, and the best recipe of
the seeds-1-3 sweep (13 columns, rank-Gauss scaling, hidden 128,128, batch 64, refit) with 10 shuffled
stratified folds (seed 0), then the same protocol on contiguous folds, and reports both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BUNDLED = ("meanfreq", "sd", "median", "Q25", "Q75", "IQR", "skew", "kurt", "sp.ent", "sfm", "mode", "centroid", "meanfun")


def main() -> None:
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings, contiguous_accuracy, train_ensemble
    from vgr.tables import read_feature_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
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
