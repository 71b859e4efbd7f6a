"""Running the extractor over many files, in parallel processes, in a stable order."""

from __future__ import annotations

import itertools
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vgr.runs.discovery import AudioJob
from vgr.errors import AudioError

if TYPE_CHECKING:
    import numpy as np

    from vgr.features.audio import Audio

    Embed = Callable[[np.ndarray, int], np.ndarray]  # float samples in [-1, 1] and their rate -> an embedding
    EmbedMany = Callable[[list[np.ndarray], list[int]], np.ndarray]  # many clips and rates -> one row each


@dataclass(frozen=True)
class FileResult:
    """What became of one file: its features and analysed seconds, or the reason it failed."""

    job: AudioJob
    features: dict[str, float] | None
    seconds: float = 0.0
    error: str | None = None
    embedding: np.ndarray | None = None  # the embedding, when one was asked for

    @property
    def ok(self) -> bool:
        return self.error is None


def measure(path, embed: Embed | None = None) -> tuple[dict[str, float], float, np.ndarray | None]:
    """The 20 features of a file, the seconds of audio they describe and, given ``embed``, its embedding.

    Raises ``AudioError``. Both come from the same decoded excerpt (the first 20 s). ``embed`` (e.g.
    ``vgr.voiceprint.encoder.embed``) is a module-level function, so that it can be sent to worker processes.
    """
    audio, features = _decode_and_measure(path)
    embedding = None if embed is None else embed(audio.unit_samples(), audio.sample_rate)
    return features, audio.samples.size / audio.sample_rate, embedding


def _decode_and_measure(path) -> tuple[Audio, dict[str, float]]:
    from vgr.features.audio import read_audio
    from vgr.features.extract import compute_features

    audio = read_audio(path)
    try:
        return audio, compute_features(audio.samples, audio.sample_rate)
    except AudioError as error:
        raise error.for_source(path) from None


def _guarded(job: AudioJob, work: Callable[[], FileResult]) -> FileResult:
    """``work()``, with every failure turned into a result with a one-line reason, never an exception."""
    try:
        return work()
    except AudioError as error:
        return FileResult(job, None, error=error.reason)
    except MemoryError:
        return FileResult(job, None, error="out of memory")
    except Exception as error:  # a decoder or numeric failure must not stop the batch
        return FileResult(job, None, error=f"{type(error).__name__}: {error}".splitlines()[0])


def analyse(job: AudioJob, embed: Embed | None = None) -> FileResult:
    """Extract one file; every failure becomes a result with a one-line reason, never an exception."""
    def work() -> FileResult:
        features, seconds, embedding = measure(job.path, embed)
        return FileResult(job, features, seconds, embedding=embedding)

    return _guarded(job, work)


def analyse_many(jobs: list[AudioJob], embed_many: EmbedMany | None = None) -> list[FileResult]:
    """``analyse`` over a chunk of jobs: one task for a pool or a cluster, less overhead than one per file.

    With ``embed_many`` (e.g. ``vgr.voiceprint.encoder.embed_many``) the chunk's files are embedded together:
    a short file's few encoder partials alone leave the LSTM's matrix products too small to be efficient.
    """
    if embed_many is None:
        return [analyse(job) for job in jobs]
    results, decoded = [], {}
    for index, job in enumerate(jobs):
        def work(job=job, index=index) -> FileResult:
            audio, features = _decode_and_measure(job.path)
            decoded[index] = audio
            return FileResult(job, features, audio.samples.size / audio.sample_rate)

        results.append(_guarded(job, work))
    if not decoded:
        return results
    try:
        embeddings = embed_many([a.unit_samples() for a in decoded.values()], [a.sample_rate for a in decoded.values()])
    except Exception:  # one clip the encoder cannot take must not cost the others theirs: embed them singly
        return [analyse(job, lambda samples, rate: embed_many([samples], [rate])[0]) if i in decoded else results[i]
                for i, job in enumerate(jobs)]
    for index, embedding in zip(decoded, embeddings):
        results[index] = replace(results[index], embedding=embedding)
    return results


def chunks(jobs: list[AudioJob], size: int) -> Iterator[list[AudioJob]]:
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


EMBEDDED_TOGETHER = 8  # files per encoder batch in one process: past this the LSTM gains little (bench/predict.py)


def chunk_size(files: int, workers: int) -> int:
    """Small enough to balance the last chunks across workers, large enough to amortise the hand-over."""
    return max(1, min(8, files // (workers * 32)))


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _warm_up() -> None:
    """Import the extractor before the pool forks, so that workers start with it loaded."""
    import vgr.features.extract  # noqa: F401


def _ignore_interrupts() -> None:
    """Ctrl-C is for the parent, which stops the pool; workers finish their chunk quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run(jobs: list[AudioJob], workers: int | None = None, embed_many: EmbedMany | None = None) -> Iterator[FileResult]:
    """Results for ``jobs`` in their order, computed by ``workers`` processes (1: in this process).

    At most a few chunks per worker are queued at a time, so memory does not grow with the number of jobs.
    ``embed_many`` adds each file's embedding (e.g. its voiceprint) to its result, a chunk of files at a time.
    """
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(jobs) <= 1:
        for task in chunks(jobs, EMBEDDED_TOGETHER if embed_many else 1):
            yield from analyse_many(task, embed_many)
        return
    _warm_up()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    try:
        pending: deque = deque()
        tasks = chunks(jobs, chunk_size(len(jobs), workers))
        for task in itertools.islice(tasks, workers * 4):
            pending.append(pool.submit(analyse_many, task, embed_many))
        while pending:
            done = pending.popleft().result()
            for task in itertools.islice(tasks, 1):
                pending.append(pool.submit(analyse_many, task, embed_many))
            yield from done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
