"""``vgr extract`` as a library call: files in, one features CSV out, failures reported."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vgr import batch
from vgr.discovery import AudioJob
from vgr.feature_csv import header, row
from vgr.outputs import refuse_overwrite


@dataclass
class ExtractionSummary:
    done: int = 0
    failures: list[batch.FileResult] = field(default_factory=list)


def partial_path(output: Path) -> Path:
    """Where rows accumulate until the run completes (then it is renamed to ``output``)."""
    return output.with_name(f".{output.name}.partial")


def extract_to_csv(
    jobs: list[AudioJob],
    output: str | Path,
    *,
    workers: int | None = None,
    force: bool = False,
    on_result: Callable[[batch.FileResult], None] | None = None,
) -> ExtractionSummary:
    """Extract ``jobs`` into ``output``; rows stream to a hidden partial file that is renamed at the end.

    The output never exists half-written; a killed run leaves the partial file with every finished row.
    """
    output = Path(output)
    refuse_overwrite(output, force)
    output.parent.mkdir(parents=True, exist_ok=True)
    with_label = any(job.label for job in jobs)
    summary = ExtractionSummary()
    partial = partial_path(output)
    with partial.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header(with_label))
        for result in batch.run(jobs, workers):
            if result.ok:
                writer.writerow(row(result, with_label))
                stream.flush()
                summary.done += 1
            else:
                summary.failures.append(result)
            if on_result:
                on_result(result)
        os.fsync(stream.fileno())
    os.replace(partial, output)
    return summary
