"""``vgr extract`` as a library call: files in, one features CSV out, failures reported."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vgr.runs import batch
from vgr.runs.discovery import AudioJob
from vgr.runs.feature_csv import header, row
from vgr.errors import OutputExistsError
from vgr.outputs import NAME_ERRORS, csv_line, is_device_or_pipe, refuse_overwrite, write_atomically
from vgr.runs.resume import complete_rows


@dataclass
class ExtractionSummary:
    done: int = 0
    failures: list[batch.FileResult] = field(default_factory=list)
    skipped: int = 0  # files whose rows an earlier, interrupted run had already written


def partial_path(output: Path) -> Path:
    """Where rows accumulate until the run completes (then it is renamed to ``output``)."""
    return output.with_name(f".{output.name}.partial")


def extract_to_csv(
    jobs: list[AudioJob],
    output: str | Path,
    *,
    workers: int | None = None,
    force: bool = False,
    resume: bool = False,
    scheduler: str | None = None,
    on_result: Callable[[batch.FileResult], None] | None = None,
) -> ExtractionSummary:
    """Extract ``jobs`` into ``output``; rows stream to a hidden partial file that is renamed at the end.

    The output never exists half-written; a killed or interrupted run leaves the partial file with every
    finished row. With ``resume``, the rows already in the partial file (and in ``output``, if it exists)
    are kept and only the other files are extracted; the output is then written in the order of ``jobs``.
    ``scheduler`` (``tcp://host:port``) runs the extraction on a Dask cluster instead of local processes.
    """
    output = Path(output)
    refuse_overwrite(output, force or resume)
    streamed = is_device_or_pipe(output)  # rows go straight into it: there is no file to rename over it
    if streamed and resume:
        raise OutputExistsError(f"{output}: is a device or a pipe: there is nothing to resume from")
    output.parent.mkdir(parents=True, exist_ok=True)
    with_label = any(job.label for job in jobs)
    columns = header(with_label)
    partial = output if streamed else partial_path(output)
    summary = ExtractionSummary()
    known: dict[str, list[str]] = {}
    if resume:
        names = {job.name for job in jobs}
        for source in (output, partial):
            known.update((name, line) for name, line in complete_rows(source, columns).items() if name in names)
        write_atomically(partial, lambda stream: _write_rows(stream, columns, known.values()), force=True)
    todo = [job for job in jobs if job.name not in known]
    summary.skipped = len(jobs) - len(todo)
    results = _results(todo, workers, scheduler)  # connects to a cluster now, before any file is written
    with partial.open("a" if resume else "w", newline="", encoding="utf-8", errors=NAME_ERRORS) as stream:
        if not resume:
            stream.write(csv_line(columns))
        for result in results:
            if result.ok:
                stream.write(csv_line(row(result, with_label)))
                stream.flush()
                summary.done += 1
            else:
                summary.failures.append(result)
            if on_result:
                on_result(result)
        if not streamed:
            os.fsync(stream.fileno())
    if resume:
        rows = complete_rows(partial, columns)
        in_order = (rows[job.name] for job in jobs if job.name in rows)
        write_atomically(output, lambda stream: _write_rows(stream, columns, in_order), force=True)
        partial.unlink()
    elif not streamed:
        os.replace(partial, output)
    return summary


def _results(jobs: list[AudioJob], workers: int | None, scheduler: str | None) -> Iterator[batch.FileResult]:
    if scheduler is None:
        return batch.run(jobs, workers)
    from vgr.runs.cluster import run_on_cluster

    return run_on_cluster(jobs, scheduler)


def _write_rows(stream, columns: list[str], rows) -> None:
    stream.write(csv_line(columns))
    stream.writelines(map(csv_line, rows))
