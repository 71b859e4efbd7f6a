"""LOG_DIR: per-fold learning curves as CSV, a summary JSON and one PNG of all folds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from vgr.models.training import TrainingReport
from vgr.outputs import write_atomically

FIELDS = ("epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy")


def write_logs(report: TrainingReport, folder: str | Path, *, force: bool = False) -> None:
    folder = Path(folder)
    for fold in report.folds:
        def rows(stream, fold=fold):
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(FIELDS)
            writer.writerows([getattr(log, f) for f in FIELDS] for log in fold.history)

        write_atomically(folder / f"fold_{fold.fold:02d}.csv", rows, force=force)
    summary = {"metrics": report.metrics(), "training": report.ensemble.metadata.get("training", {})}
    write_atomically(folder / "summary.json", lambda s: s.write(json.dumps(summary, indent=1) + "\n"), force=force)
    plot_curves(report, folder / "curves.png", force=force)


def plot_curves(report: TrainingReport, path: Path, *, force: bool = False) -> None:
    """Validation loss and accuracy of every fold by epoch, and the held-out accuracy of each fold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axis, accuracy_axis, fold_axis) = plt.subplots(1, 3, figsize=(15, 4.2))
    for fold in report.folds:
        epochs = [log.epoch for log in fold.history]
        loss_axis.plot(epochs, [log.validation_loss for log in fold.history], lw=1, label=f"fold {fold.fold}")
        accuracy_axis.plot(epochs, [log.validation_accuracy for log in fold.history], lw=1)
        loss_axis.axvline(fold.best_epoch, color=loss_axis.lines[-1].get_color(), lw=0.5, ls=":")
    loss_axis.set(title="validation loss (dotted: chosen epoch)", xlabel="epoch", ylabel="cross-entropy")
    accuracy_axis.set(title="validation accuracy", xlabel="epoch", ylabel="accuracy")
    loss_axis.legend(fontsize=7, ncol=2)
    folds = [f.fold for f in report.folds]
    fold_axis.bar(folds, [f.test_accuracy for f in report.folds], color="tab:blue")
    fold_axis.axhline(report.out_of_fold_accuracy, color="k", ls="--", lw=1,
                      label=f"out-of-fold {report.out_of_fold_accuracy:.2%}")
    lowest = min(f.test_accuracy for f in report.folds)
    fold_axis.set(title="held-out fold accuracy", xlabel="fold", ylim=(max(0.0, lowest - 0.03), 1.0), xticks=folds)
    fold_axis.legend(loc="lower right")
    figure.tight_layout()
    write_atomically(path, lambda stream: figure.savefig(stream, dpi=110, format="png"), force=force, binary=True)
    plt.close(figure)
