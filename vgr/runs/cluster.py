"""Running the extractor on an existing Dask distributed cluster (``pip install vgr[dask]``).

The workers read the audio themselves, so the files must be on a filesystem they share with the caller.
Results come back as they finish and are put back in job order before they are yielded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from vgr.runs.allocator import restore_malloc_thresholds
from vgr.runs.batch import FileResult, analyse_many, chunk_size, chunks
from vgr.runs.discovery import AudioJob
from vgr.errors import ClusterError

CONNECT_TIMEOUT = 5  # seconds


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` for the scheduler at ``address``; ``ClusterError`` if that is not possible."""
    try:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise ClusterError("--scheduler needs Dask distributed: pip install 'vgr[dask]'") from None
    try:
        parse_host_port(parse_address(address)[1])
    except ValueError as error:
        raise ClusterError(f"{address!r} is not a Dask scheduler address like tcp://host:8786 ({error})") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({reason})") from None


def analyse_on_worker(jobs: list[AudioJob]) -> list[FileResult]:
    """``analyse_many`` in a Dask worker, after undoing the nanny's malloc setting (see ``vgr.runs.allocator``)."""
    restore_malloc_thresholds()
    return analyse_many(jobs)


def run_on_cluster(jobs: list[AudioJob], address: str, *, timeout: float = CONNECT_TIMEOUT) -> Iterator[FileResult]:
    """Results for ``jobs`` in their order, computed by the workers of the Dask scheduler at ``address``.

    A bounded number of chunks is in flight, so neither the scheduler nor the reorder buffer grows with
    the number of jobs.
    """
    client = connect(address, timeout)  # now, so that an unreachable scheduler fails before any output
    return _stream(client, jobs, address)


def _stream(client, jobs: list[AudioJob], address: str) -> Iterator[FileResult]:
    from distributed import as_completed

    try:
        threads = max(1, sum(client.nthreads().values()))
        tasks = enumerate(chunks(jobs, chunk_size(len(jobs), threads)))
        window = threads * 4

        position: dict[str, int] = {}

        def submit(index: int, task: list[AudioJob]):
            future = client.submit(analyse_on_worker, task, pure=False)
            position[future.key] = index
            return future

        futures = as_completed([submit(i, t) for i, t in itertools.islice(tasks, window)], loop=client.loop)
        finished: dict[int, list[FileResult]] = {}
        following = 0
        for future in futures:
            try:
                finished[position.pop(future.key)] = future.result()
            except Exception as error:  # analyse never raises: a worker died or the scheduler went away
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise ClusterError(f"the Dask cluster at {address} failed: {reason}") from None
            future.release()
            for index, task in itertools.islice(tasks, 1):
                futures.add(submit(index, task))
            while following in finished:
                yield from finished.pop(following)
                following += 1
    finally:
        client.close()

