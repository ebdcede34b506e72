"""The fleet audit on a Dask cluster: ``netnorm analyze --engine dask`` or ``--scheduler``.

Each file is analysed on a worker (``batch.process_file``: parse, scopes, reach, direction and
the rules of each capture, a task per few files), and its result carries its payload and
findings as bytes, since the workers share no folder with the client. The fleet aggregates are
built per task on the workers (``fleet_of``) and merged pairwise in a tree (``merge``,
``Fleet.merge``), so the client receives one fleet. The client writes the results in input
order, as the local engine does, and the report is the same document.

The same two functions serve any engine that maps over files and reduces: a Spark
``mapInPandas`` or a Ray job calls ``batch.process_file`` per file, ``fleet_of`` per partition
and ``merge`` to combine (docs/scale.md).

dask's ``distributed`` comes with the ``dask`` extra (``pip install 'netnorm[dask]'``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from netnorm.analysis.audit import Fleet
from netnorm.analysis.batch import INLINE, FileResult, Job, Named, process_file
from netnorm.errors import UsageError


def distributed() -> Any:
    """The ``distributed`` module, or a usage error that names the extra to install."""
    try:
        import distributed as dist
    except ImportError:
        raise UsageError(
            "--engine dask needs dask.distributed: pip install 'netnorm[dask]'"
        ) from None
    return dist


def analyze_file(job: Job, named: Named) -> FileResult:
    """One file's partial result: its captures' findings, facts and payloads (as bytes)."""
    return process_file(replace(job, spool=INLINE, findings_spool=None), named)


def fleet_of(results: list[FileResult], persist_min: timedelta) -> Fleet:
    """The fleet aggregates of some files' results, keeping their timed captures for
    persistence (merge these with ``merge``; ``Fleet.persistent`` at the end)."""
    fleet = Fleet(persist_min, in_order=False)
    for result in results:
        if result.error is None:  # a file that was not read adds nothing (as in the CLI)
            for capture in result.captures:
                fleet.add(capture.facts)
    return fleet


def merge(first: Fleet, second: Fleet) -> Fleet:
    """Two partial fleets as one; ``second``'s files come after ``first``'s."""
    return first.merge(second)


def analyze_files(job: Job, files: list[Named]) -> list[FileResult]:
    """``analyze_file`` of a few files: one task each would cost the scheduler more than the
    work of a small capture."""
    import gc

    # as in the CLI's own process: a capture makes many small objects and no cycles, and the
    # default thresholds rescan the worker's heap many times per file
    gc.set_threshold(100_000, 50, 1000)
    return [analyze_file(job, named) for named in files]


class DaskRun:
    """One analyze run on a Dask cluster: a task per ``CHUNK`` files, at most ``WINDOW`` per
    worker ahead of what the client has written (results wait on the workers only that long),
    and a task per chunk that folds its facts into a partial fleet, merged in a binary tree as
    the chunks come.

    Args:
        job: the run's settings.
        files: the files, in the run's order.
        client: a ``distributed.Client``.
        persist_min: the span of ``persistent-external``.
    """

    CHUNK = 8
    WINDOW = 4

    def __init__(self, job: Job, files: list[Named], client: Any, persist_min: timedelta) -> None:
        if any(named.path == "-" for named in files):
            raise UsageError("a cluster reads files: give paths or URLs, not standard input")
        # the workers' working folder is not the client's: they get absolute paths (the report
        # still names each file as it was given)
        files = [
            named if "://" in named.path else replace(named, location=os.path.abspath(named.path))
            for named in files
        ]
        self.client = client
        self.job = job
        self.persist_min = persist_min
        self.chunks = [files[i : i + self.CHUNK] for i in range(0, len(files), self.CHUNK)]
        workers = max(1, sum(client.nthreads().values()))
        self.window = self.WINDOW * workers
        #: partial fleets by level of the tree: level ``i`` holds ``2**i`` chunks, the earliest
        #: files at the highest level
        self.levels: list[Any] = []

    def _fold(self, part: Any) -> None:
        level = 0
        while level < len(self.levels) and self.levels[level] is not None:
            part = self.client.submit(merge, self.levels[level], part, pure=False)
            self.levels[level] = None
            level += 1
        if level == len(self.levels):
            self.levels.append(None)
        self.levels[level] = part

    def results(self) -> Iterator[FileResult]:
        """Each file's result, in input order, as soon as it and those before it are done."""
        client, pending = self.client, deque[Any]()
        chunks = iter(self.chunks)

        def submit() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                done = client.submit(analyze_files, self.job, chunk, pure=False)
                self._fold(client.submit(fleet_of, done, self.persist_min, pure=False))
                pending.append(done)

        for _ in range(self.window):
            submit()
        while pending:
            done = pending.popleft()
            results = done.result()
            done.release()
            submit()
            yield from results

    def fleet(self) -> Fleet:
        """The run's fleet aggregates, merged on the cluster (once ``results`` is consumed)."""
        parts = [part for part in reversed(self.levels) if part is not None]
        if not parts:
            return Fleet(self.persist_min, in_order=False)
        merged = parts[0]
        for part in parts[1:]:
            merged = self.client.submit(merge, merged, part, pure=False)
        fleet: Fleet = merged.result()
        return fleet


def client(scheduler: str | None, workers: int) -> Any:
    """A client of the cluster at ``scheduler`` (``tcp://host:8786``), or of a local cluster of
    ``workers`` processes of one thread each when it is ``None``."""
    dist = distributed()
    if scheduler is not None:
        try:
            return dist.Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    cluster = dist.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return dist.Client(cluster)
