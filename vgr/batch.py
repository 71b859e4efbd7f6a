"""Running the extractor over many files, in parallel processes, in a stable order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from vgr.discovery import AudioJob
from vgr.errors import AudioError


@dataclass(frozen=True)
class FileResult:
    """What became of one file: its features and analysed seconds, or the reason it failed."""

    job: AudioJob
    features: dict[str, float] | None
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def analyse(job: AudioJob) -> FileResult:
    """Extract one file; every failure becomes a result with a one-line reason, never an exception."""
    from vgr.features.audio import read_audio
    from vgr.features.extract import compute_features

    try:
        audio = read_audio(job.path)
        features = compute_features(audio.samples, audio.sample_rate)
        seconds = min(audio.samples.size, audio.total_seconds * audio.sample_rate) / audio.sample_rate
        return FileResult(job, features, seconds)
    except AudioError as error:
        return FileResult(job, None, error=error.reason)
    except MemoryError:
        return FileResult(job, None, error="out of memory")
    except Exception as error:  # a decoder or numeric failure must not stop the batch
        return FileResult(job, None, error=f"{type(error).__name__}: {error}".splitlines()[0])


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(jobs: list[AudioJob], workers: int | None = None) -> Iterator[FileResult]:
    """Results for ``jobs`` in their order, computed by ``workers`` processes (1: in this process)."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(jobs) <= 1:
        yield from map(analyse, jobs)
        return
    chunk = max(1, min(16, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(analyse, jobs, chunksize=chunk)
