"""The ``vgr`` command line: the only module that prints or exits.

Heavy modules (torch, librosa, even numpy) are imported inside the commands so ``vgr --help`` is instant.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from vgr._version import __version__
from vgr.errors import VgrError
from vgr.outputs import NAME_ERRORS, one_line


class _Group(typer.core.TyperGroup):
    """Turns library errors into one line on stderr and exit code 1, whoever invokes the app."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VgrError as error:
            warn(f"vgr: error: {error}")
            raise typer.Exit(1) from None
        except BrokenPipeError:  # stdout's reader went away (`vgr ... | head`): click exits quietly
            raise
        except OSError as error:  # e.g. an output folder that cannot be written
            where = f"{error.filename}: " if error.filename else ""
            warn(f"vgr: error: {where}{error.strerror or error}")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="vgr",
    help="Voice gender recognition: voice.csv features from raw audio, and a k-fold MLP ensemble.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "[default: ...]" and "vgr[serve]" print as written
)


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error on stderr and exit."""
    warn(f"vgr: error: {message}")
    raise typer.Exit(code)


def warn(message: str) -> None:
    """One line on stderr: control characters and undecodable bytes of file names are escaped."""
    typer.echo(one_line(message), err=True)


def _require(extra: str, *modules: str) -> None:
    """Fail in one line, naming the extra to install, when an optional dependency is missing."""
    from importlib.util import find_spec

    for module in modules:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            fail(f'vgr {extra} needs {module}, which is not installed: pip install "vgr[{extra}]"')


def _write_stdout(text: str) -> None:
    """Data on stdout, file names as their own bytes (see ``vgr.outputs``), whatever stdout's encoding."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", NAME_ERRORS))
    sys.stdout.buffer.flush()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vgr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Voice gender recognition."""


@app.command()
def extract(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT", help="Audio files and/or folders (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The features CSV to write.")],
    labels: Annotated[
        Optional[Path], typer.Option("--labels", help="CSV with columns file,label (overrides folder names).")
    ] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Parallel processes.", show_default="all cores")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Keep the rows of an interrupted run (or of OUTPUT); extract only the rest.")
    ] = False,
    scheduler: Annotated[
        Optional[str], typer.Option("--scheduler", help="Run on this Dask cluster, e.g. tcp://host:8786 (pip install 'vgr[dask]').")
    ] = None,
) -> None:
    """Compute the 20 voice.csv features of every audio file into one CSV.

    A file that cannot be analysed is reported on stderr and left out; the exit code is then 1.
    """
    import time

    from vgr.runs import discovery
    from vgr.runs.extraction import extract_to_csv
    from vgr.outputs import refuse_overwrite

    refuse_overwrite(output, force or resume)
    jobs = discovery.discover(inputs)
    if labels is not None:
        jobs = discovery.apply_labels(jobs, discovery.read_labels(labels))
    if not jobs:
        fail(f"no audio files found in {', '.join(map(str, inputs))}")
    started = time.perf_counter()
    with _progress(len(jobs), "extracting") as advance:
        summary = extract_to_csv(jobs, output, workers=workers, force=force, resume=resume, scheduler=scheduler,
                                 on_result=_report_failure(advance))
    elapsed = time.perf_counter() - started
    kept = f", {summary.skipped} already done" if resume else ""
    warn(f"{summary.done} files extracted, {len(summary.failures)} failed{kept}, {elapsed:.1f} s -> {output}")
    if summary.failures:
        raise typer.Exit(1)


# options several commands declare alike (typer reads the Annotated alias as if written out)
BundledModel = Annotated[Optional[Path], typer.Option("--model", "-m", help="Model folder.", show_default="the bundled model")]
StdoutOrFile = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def predict(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT", help="Audio files, folders (recursive), or features CSVs (*.csv).")],
    model: BundledModel = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")] = OutputFormat.table,
    output: StdoutOrFile = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Parallel processes.", show_default="all cores")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
) -> None:
    """Say male or female, with a probability, for each recording.

    Exit code 1 if any file could not be analysed (its row then says why).
    """
    from vgr import predict as predicting, report
    from vgr.runs import discovery
    from vgr.outputs import refuse_overwrite, write_atomically

    if output is not None:
        refuse_overwrite(output, force)
    ensemble = predicting.load_model(model)
    tables = [path for path in inputs if path.suffix.lower() == ".csv"]
    jobs = discovery.discover([path for path in inputs if path.suffix.lower() != ".csv"])
    if not jobs and not tables:
        fail(f"no audio files found in {', '.join(map(str, inputs))}")
    results = [row for table in tables for row in predicting.predict_table(table, ensemble)]
    with _progress(len(jobs), "predicting") as advance:
        for result in predicting.predict_jobs(jobs, ensemble, workers):
            results.append(result)
            advance()
    if output_format is OutputFormat.table and output is None:
        _print_table(results)
    else:
        render = report.as_json if output_format is OutputFormat.json else report.as_csv
        text = render(results)
        if output is None:
            _write_stdout(text)
        else:
            write_atomically(output, lambda stream: stream.write(text), force=force)
    failures = [r for r in results if not r.ok]
    for failure in failures:
        warn(f"vgr: {failure.file}: {failure.status.removeprefix('error: ')}")
    if failures:
        raise typer.Exit(1)


@app.command()
def segment(
    inputs: Annotated[list[Path], typer.Argument(metavar="FILE", help="Audio files (long recordings) and/or folders (recursive).")],
    model: BundledModel = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")] = OutputFormat.csv,
    output: StdoutOrFile = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Also draw the timelines into this PNG (needs matplotlib: pip install \"vgr[train]\").")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT and PLOT if they exist.")] = False,
) -> None:
    """Male and female speech along each recording: segments file,start,end,label,probability.

    The whole file is read in blocks (constant memory); speech is found by its level, told from music by
    silero-vad's network (with vgr[vad]), and judged in 1.6 s windows end to end. Each file's speech seconds by sex and their shares go to stderr (and into --format
    json). Silence or music only gives no segments. Exit code 1 if any file could not be read.
    """
    import dataclasses

    from vgr import predict as predicting
    from vgr.errors import AudioError
    from vgr.outputs import refuse_overwrite, write_atomically
    from vgr.runs import discovery
    from vgr.segment import FileSegments, segment_file
    from vgr.segment.output import as_csv, as_json, summary_line

    if plot is not None:
        _require("train", "matplotlib")
    for path in (output, plot):
        if path is not None:
            refuse_overwrite(path, force)
    ensemble = predicting.load_model(model)
    jobs = discovery.discover(inputs)
    if not jobs:
        fail(f"no audio files found in {', '.join(map(str, inputs))}")
    _warn_without_music_rejection()
    results, failures = [], 0
    with _progress(len(jobs), "segmenting") as advance:
        for job in jobs:
            done = [0.0]  # the fraction of this file advanced so far: the bar moves within a long file

            def moved(seconds: float, total: float) -> None:
                fraction = min(1.0, seconds / total) if total > 0 else 1.0
                advance(fraction - done[0])
                done[0] = fraction

            try:
                result = dataclasses.replace(segment_file(job.path, ensemble, on_progress=moved), file=job.name)
            except AudioError as error:
                result = FileSegments(job.name, 0.0, status=f"error: {error.reason}")
            except MemoryError:
                result = FileSegments(job.name, 0.0, status="error: out of memory")
            except Exception as error:  # a decoder or numeric failure must not stop the batch
                result = FileSegments(job.name, 0.0, status=f"error: {type(error).__name__}: {error}".splitlines()[0])
            results.append(result)
            advance(1.0 - done[0])
    for result in results:
        if result.ok:
            warn(f"vgr: {summary_line(result)}")
        else:
            failures += 1
            warn(f"vgr: {result.file}: {result.status.removeprefix('error: ')}")
    if output_format is OutputFormat.table and output is None:
        _print_segments([r for r in results if r.ok])
    else:
        text = as_json(results) if output_format is OutputFormat.json else as_csv(results)
        if output is None:
            _write_stdout(text)
        else:
            write_atomically(output, lambda stream: stream.write(text), force=force)
    if plot is not None:
        from vgr.segment.plot import draw_timelines

        write_atomically(plot, lambda stream: draw_timelines(results, stream), force=force, binary=True)
    if failures:
        raise typer.Exit(1)


def _print_segments(results) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("file", "start", "end", "label", "prob", box=box.SIMPLE_HEAD, show_edge=False)
    styles = {"male": "cyan", "female": "magenta"}
    for result in results:
        for s in result.segments:
            table.add_row(escape(one_line(result.file)), f"{s.start:.2f}", f"{s.end:.2f}",
                          f"[{styles[s.label]}]{s.label}[/]", f"{s.probability:.3f}")
    Console().print(table)


def _print_table(results) -> None:
    from rich.console import Console

    console = Console()
    console.print(prediction_table(results, console.width))


def prediction_table(results, width: int):
    """The predictions as a rich table ``width`` columns wide: file names fold at ``/`` and are never cut.

    A file that could not be analysed says ``error`` here; its reason follows on stderr.
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Column, Table

    headers = ("file", "label", "prob", "p_male", "votes", "sec")
    rows = []
    for r in results:
        if r.ok:
            seconds = "" if r.seconds is None else f"{r.seconds:.1f}"
            rows.append([one_line(r.file), r.label, f"{r.probability:.3f}", f"{r.p_male:.3f}", r.votes, seconds])
        else:
            rows.append([one_line(r.file), "error", "", "", "", ""])
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    overhead = 3 * len(headers) - 2  # one space of padding each side of a cell, one between columns
    room = max(12, width - overhead - sum(widths[1:]))
    names = [fold_name(row[0], room) for row in rows]
    name_width = max([len(headers[0])] + [len(line) for name in names for line in name.split("\n")])
    table = Table(
        Column(headers[0], no_wrap=True, min_width=name_width, max_width=name_width),
        Column(headers[1], no_wrap=True),
        *(Column(h, justify="right", no_wrap=True) for h in headers[2:]),
        box=box.SIMPLE_HEAD, show_edge=False,
    )
    styles = {"male": "cyan", "female": "magenta", "error": "red"}
    for name, row in zip(names, rows):
        table.add_row(escape(name), f"[{styles[row[1]]}]{row[1]}[/]", *row[2:])
    return table


def fold_name(name: str, width: int) -> str:
    """``name`` in lines of at most ``width`` characters, broken after a ``/`` (a whole folder or file per line).

    Only a single folder or file name longer than ``width`` is broken inside, after ``-``, ``_`` or ``.`` if it
    has one in reach, else at ``width``.
    """
    lines, line = [], ""
    for part in _pieces(name, "/"):
        for piece in ([part] if len(part) <= width else _pieces(part, "-_.")):
            while len(piece) > width:  # no break point in reach: cut, as a last resort
                if line:
                    lines.append(line)
                lines.append(piece[:width])
                line, piece = "", piece[width:]
            if len(line) + len(piece) > width:
                lines.append(line)
                line = ""
            line += piece
    return "\n".join([*lines, line] if line else lines)


def _pieces(text: str, breaks: str) -> list[str]:
    """``text`` split after each character of ``breaks`` (which stays at the end of its piece)."""
    pieces, start = [], 0
    for index, char in enumerate(text):
        if char in breaks:
            pieces.append(text[start : index + 1])
            start = index + 1
    return pieces + [text[start:]] if start < len(text) else pieces


class Scaling(str, Enum):
    standard = "standard"  # mean and deviation (skew and kurt through a signed log first)
    rank_gauss = "rank-gauss"  # each column through its quantiles onto a normal distribution


@app.command()
def train(
    csvs: Annotated[list[Path], typer.Argument(metavar="CSV", help="Features CSVs (voice.csv, vgr extract output); concatenated.")],
    model_dir: Annotated[Path, typer.Option("--output", "-o", help="Folder for the fold checkpoints and model.json.")],
    log_dir: Annotated[Optional[Path], typer.Option("--logs", "-l", help="Folder for learning curves and summary.")] = None,
    folds: Annotated[int, typer.Option("--folds", "-k", min=2, help="Number of folds; the networks of every fold vote.")] = 10,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Epochs per fold; the best on validation is kept.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds, initialisation and batches.")] = 0,
    features: Annotated[Optional[str], typer.Option("--features", help="Comma-separated feature columns.", show_default="the 12 spectral-shape columns and meanfun")] = None,
    hidden: Annotated[Optional[str], typer.Option("--hidden", help="Hidden layer sizes, e.g. 64,64,256,256,64 (the paper's); several shapes joined by + (e.g. 128,128,128+256,256) are dealt in turn to each fold's networks.", show_default="128,128,128")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per mini-batch.")] = 64,
    scaling: Annotated[Scaling, typer.Option("--scaling", help="Input scaling, fitted on each fold's training rows.")] = Scaling.rank_gauss,
    refit: Annotated[bool, typer.Option("--refit/--no-refit", help="Retrain each member on all its training rows for the epoch count its validation split chose.")] = True,
    members_per_fold: Annotated[str, typer.Option("--members-per-fold", metavar="<int>", help="Networks trained per fold, each with its own seed; all of them vote (1 to 10).")] = "2",
    kernel_weight: Annotated[Optional[str], typer.Option("--kernel-weight", metavar="<weight>", help="Each fold also fits an RBF kernel ridge on its training rows; its share of p(male) against the networks' vote, from 0 to 1 (a number or a fraction). 0 fits none: networks only. Kernel models take at most 10,000 training rows a fold.", show_default="0.5, or 0 for larger tables")] = None,
    contiguous: Annotated[bool, typer.Option("--contiguous-check/--no-contiguous-check", help="Also report contiguous, unshuffled folds.")] = True,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes; the members are dealt among them, each group trained as one stacked network.")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Replace MODEL_DIR / LOG_DIR files if they exist.")] = False,
) -> None:
    """Train a k-fold ensemble of MLPs and kernel ridges; all of them vote at prediction time (pip install "vgr[train]")."""
    import dataclasses
    import time

    _require("train", "torch", *(["matplotlib"] if log_dir is not None else []))

    from vgr.features.names import FEATURE_NAMES
    from vgr.models.checkpoint import save_ensemble
    from vgr.models.training import MAX_KERNEL_ROWS, TrainingSettings, kernel_rows_over_limit, train_ensemble
    from vgr.outputs import refuse_overwrite
    from vgr.runs.tables import read_feature_table

    if model_dir.exists() and (not model_dir.is_dir() or any(model_dir.iterdir())):
        refuse_overwrite(model_dir, force, folder=True)
    columns = tuple(c.strip() for c in features.split(",")) if features else TrainingSettings().features
    unknown = [c for c in columns if c not in FEATURE_NAMES]
    if unknown:
        fail(f"unknown feature(s) {', '.join(unknown)}; choose from {', '.join(FEATURE_NAMES)}")
    try:
        settings = TrainingSettings(folds=folds, epochs=epochs, seed=seed, features=columns, contiguous_check=contiguous,
                                    batch_size=batch_size, scaling=scaling.value, refit=refit,
                                    members_per_fold=_whole(members_per_fold, "--members-per-fold"),
                                    kernel_weight=_weight("0.5" if kernel_weight is None else kernel_weight, "--kernel-weight"),
                                    **({"hidden": _sizes(hidden)} if hidden else {}))
    except ValueError as error:
        fail(str(error))
    table = read_feature_table(csvs, columns=columns)
    too_many = None if table.labels is None else kernel_rows_over_limit(table.labels, folds)
    if kernel_weight is None and too_many:
        settings = dataclasses.replace(settings, kernel_weight=0.0)
        warn(f"note: folds of up to {too_many:,} training rows are more than kernel models take "
             f"({MAX_KERNEL_ROWS:,}): networks only (--kernel-weight 0)")
    started = time.perf_counter()

    def progress(protocol, fold, best):
        warn(f"{protocol} fold {fold}/{folds}: best epoch {best.epoch}, validation accuracy {best.validation_accuracy:.2%}")

    report = train_ensemble(table, settings, workers=workers, progress=progress)
    report.ensemble.metadata["training"]["data_files"] = [p.name for p in csvs]
    save_ensemble(report.ensemble, model_dir, force=force)
    if log_dir is not None:
        from vgr.models.logs import write_logs

        write_logs(report, log_dir, force=force)
    contiguous_text = "" if report.contiguous_accuracy is None else f", contiguous folds {report.contiguous_accuracy:.2%}"
    each = "" if settings.members_per_fold == 1 else f" of {settings.members_per_fold} members"
    each += f"{' and' if each else ' of'} a kernel model each (weight {settings.kernel_weight:g})" if settings.kernel_weight > 0 else ""
    warn(f"trained {folds} folds{each} on {len(table.ids)} rows in {time.perf_counter() - started:.1f} s -> {model_dir}")
    typer.echo(f"out-of-fold accuracy {report.out_of_fold_accuracy:.2%} (mean fold {report.mean_fold_accuracy:.2%})"
               f"{contiguous_text}")


@app.command()
def voiceprint(
    labels: Annotated[list[Path], typer.Argument(metavar="LABELS", help="file,label,speaker[,corpus][,trainable] CSVs; files relative to each CSV's folder; rows with trainable = no are left out.")],
    model: Annotated[Path, typer.Option("--model", "-m", help="Model folder that gets the voiceprint head.")],
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Parallel processes.", show_default="all cores")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the folder's existing voiceprint head.")] = False,
    blend: Annotated[str, typer.Option("--blend", help="Weight of the head against the fold votes, from 0 to 1 (a number or a fraction), or 'auto' to choose it leave-one-speaker-out among your speakers.")] = "2/3",
) -> None:
    """Add a voiceprint head to a model: a speaker embedding of each recording, blended with the fold votes."""
    from vgr.models.checkpoint import load_ensemble
    from vgr.outputs import refuse_overwrite
    from vgr.voiceprint.storage import FILE, save_voiceprint
    from vgr.voiceprint.training import fit_voiceprint

    weight = _blend(blend)
    refuse_overwrite(model / FILE, force)
    report = fit_voiceprint(labels, load_ensemble(model), workers,
                            on_failure=lambda failure: warn(f"vgr: skipped {failure.job.path}: {failure.error}"),
                            blend=weight)
    if report.evaluation_only:
        warn(f"vgr: left out {report.evaluation_only} evaluation-only rows (trainable = no)")
    path = save_voiceprint(report.head, model, force=force)
    meta = report.head.metadata
    chosen = meta.get("blend_leave_one_speaker_out_accuracy")
    how = "" if chosen is None else f" (leave-one-speaker-out accuracy {chosen[f'{report.head.blend:.3f}']:.2%})"
    typer.echo(f"voiceprint head on {meta['training_files']} files of {len(meta['training_speakers'])} speakers, "
               f"blend {report.head.blend:.2f}{how} -> {path}")
    if report.failures:
        raise typer.Exit(1)


def _blend(text: str) -> float | None:
    """--blend: a weight in [0, 1] written as a number or a fraction ("2/3"), or None for 'auto'."""
    if text.strip().lower() == "auto":
        return None
    return _weight(text, "--blend", " or 'auto'")


def _weight(text: str, option: str, other: str = "") -> float:
    """A weight in [0, 1] written as a number or a fraction ("2/3")."""
    try:
        numerator, _, denominator = text.partition("/")
        weight = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        weight = float("nan")
    if not 0.0 <= weight <= 1.0:
        fail(f"{option} takes a number from 0 to 1{', a fraction' + other if other else ' or a fraction'}, not {text!r}")
    return weight


def _whole(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        fail(f"{option} takes a whole number, not {text!r}")


def _sizes(text: str) -> tuple[int, ...] | tuple[tuple[int, ...], ...]:
    """--hidden: one shape (comma-separated sizes), or several joined by +."""
    try:
        shapes = tuple(tuple(int(part) for part in shape.split(",")) for shape in text.split("+"))
    except ValueError:
        fail(f"--hidden takes comma-separated whole numbers (several shapes joined by +), not {text!r}")
    if min(min(shape) for shape in shapes) < 1:
        fail(f"--hidden takes positive layer sizes, not {text!r}")
    return shapes[0] if len(shapes) == 1 else shapes


@app.command()
def evaluate(
    csv_path: Annotated[Path, typer.Argument(metavar="CSV", help="Features CSV with a label column.")],
    model: BundledModel = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write one prediction per row here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT if it exists.")] = False,
) -> None:
    """Accuracy, per-class precision/recall/F1 and the confusion matrix of a model on a features CSV."""
    import numpy as np

    from vgr.features.names import LABELS
    from vgr.models.evaluation import score
    from vgr.outputs import csv_line, refuse_overwrite, write_atomically
    from vgr.predict import load_model
    from vgr.runs.tables import read_feature_table

    if output is not None:
        refuse_overwrite(output, force)
    ensemble = load_model(model)
    table = read_feature_table([csv_path], columns=ensemble.feature_names)
    predictions = ensemble.predict(table.features)
    predicted = np.array([LABELS.index(p.label) for p in predictions])
    scores = score(table.labels, predicted)
    typer.echo(f"rows: {len(predictions)}   accuracy: {scores.accuracy:.2%}")
    typer.echo(f"{'class':<8}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for c in scores.classes:
        typer.echo(f"{c.label:<8}{c.precision:>10.4f}{c.recall:>10.4f}{c.f1:>10.4f}{c.support:>9}")
    typer.echo("confusion (rows: true, columns: predicted)")
    typer.echo(f"{'':<8}" + "".join(f"{label:>9}" for label in LABELS))
    for label, row in zip(LABELS, scores.confusion):
        typer.echo(f"{label:<8}" + "".join(f"{n:>9}" for n in row))
    if output is not None:
        def rows(stream):
            stream.write(csv_line(["file", "label", "predicted", "p_female", "p_male", "votes"]))
            for name, true, p in zip(table.ids, table.labels, predictions):
                stream.write(csv_line([name, LABELS[true], p.label, f"{p.p_female:.6f}", f"{p.p_male:.6f}",
                                       f"{p.votes}/{p.members}"]))

        write_atomically(output, rows, force=force)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    model: BundledModel = None,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", min=0.001, help="Largest accepted upload.")] = 25.0,
) -> None:
    """Serve a web page and an HTTP API for predictions (pip install "vgr[serve]")."""
    try:
        from vgr.serve.app import run
    except ImportError as error:
        fail(f"vgr serve needs the serve extra: pip install \"vgr[serve]\" ({error.name} is missing)")
    _warn_without_music_rejection()  # the page's timelines come from vgr segment
    warn(f"vgr: serving on http://{host}:{port}/ (API docs at /docs); Ctrl-C stops")
    run(None if model is None else str(model), host, port, int(max_upload_mb * 2**20))


def _warn_without_music_rejection() -> None:
    from vgr.segment.detect import vetoes

    if not vetoes():
        warn('vgr: onnxruntime is not installed: speech is found by its level alone, music is not rejected '
             '(pip install "vgr[vad]")')


def _report_failure(advance):
    def on_result(result) -> None:
        if not result.ok:
            warn(f"vgr: {result.job.path}: {result.error}")
        advance()

    return on_result


class _progress:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, total: int, description: str) -> None:
        self.total, self.description, self.bar = total, description, None

    def __enter__(self):
        if not sys.stderr.isatty():
            return lambda amount=1.0: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self.bar.start()
        task = self.bar.add_task(self.description, total=self.total)
        return lambda amount=1.0: self.bar.advance(task, amount)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """Entry point of the ``vgr`` script and ``python -m vgr``."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("vgr: interrupted", err=True)
        sys.exit(130)
