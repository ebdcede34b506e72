"""The fleet audit on a Dask cluster: ``netnorm analyze --engine dask`` or ``--scheduler``.

Each file is one task (``batch.process_file``: parse, scopes, reach, direction and the rules of
each capture), whose result carries its payload and findings as bytes, since the workers share
no folder with the client. The fleet aggregates are built per group of ``GROUP`` files on the
workers (``fleet_of``) and merged pairwise in a tree (``merge``, ``Fleet.merge``), so the client
receives one fleet. The client writes the results in input order, as the local engine does, and
the report is the same document.

The same two functions serve any engine that maps over files and reduces: a Spark
``mapInPandas`` or a Ray job calls ``batch.process_file`` per file, ``fleet_of`` per partition
and ``merge`` to combine (docs/scale.md).

dask's ``distributed`` comes with the ``dask`` extra (``pip install 'netnorm[dask]'``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from netnorm.analysis.audit import Fleet
from netnorm.analysis.batch import INLINE, FileResult, Job, Named, process_file
from netnorm.errors import UsageError

#: Files whose facts one task folds into a partial fleet.
GROUP = 32


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


class DaskRun:
    """One analyze run on a Dask cluster.

    Args:
        job: the run's settings.
        files: the files, in the run's order.
        client: a ``distributed.Client``.
        persist_min: the span of ``persistent-external``.
    """

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
        self.futures = client.map(analyze_file, [job] * len(files), files, pure=False)
        parts = [
            client.submit(fleet_of, self.futures[i : i + GROUP], persist_min, pure=False)
            for i in range(0, len(self.futures), GROUP)
        ]
        while len(parts) > 1:  # a tree: each level merges neighbours, in order
            merged = [
                client.submit(merge, parts[i], parts[i + 1], pure=False)
                for i in range(0, len(parts) - 1, 2)
            ]
            if len(parts) % 2:
                merged.append(parts[-1])
            parts = merged
        self.fleet_future = parts[0] if parts else None

    def results(self) -> Iterator[FileResult]:
        """Each file's result, in input order, as soon as it and those before it are done."""
        for index, future in enumerate(self.futures):
            yield future.result()
            self.futures[index] = None  # the client holds each result only while it is written

    def fleet(self, persist_min: timedelta) -> Fleet:
        """The run's fleet aggregates, merged on the cluster."""
        if self.fleet_future is None:
            return Fleet(persist_min, in_order=False)
        fleet: Fleet = self.fleet_future.result()
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
