"""Analyse many files, in parallel, and stream what each capture contributes.

A worker parses one file and returns, per capture, its findings, its ``CaptureFacts`` and (only
when the output needs it) the capture itself, already serialised: the main process then does
little more than write text and fold aggregates, so two workers really are faster than one.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Literal

from netnorm.analysis.audit import CaptureFacts, EncodedFindings
from netnorm.analysis.engine import CaptureAnalysis
from netnorm.analysis.naming import DEFAULT_PATTERN, NamePattern
from netnorm.analysis.scopes import Classifier
from netnorm.errors import InputError, NetnormError
from netnorm.parsers.row import Row
from netnorm.render.records import dumps, jsonl_lines

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

    from netnorm.analysis.config import Settings

Payload = Literal["json", "jsonl", "ecs", "ocsf", "parquet", "dict"]


@dataclass(frozen=True)
class Job:
    """Settings shared by every file of a run (sent to the workers)."""

    config: Settings
    platform: str | None = None
    encoding: str | None = None
    payload: Payload | None = None
    #: a folder where workers leave serialised captures, so that large text does not travel
    #: through the pool's pipe (set by ``run`` when it uses processes); ``INLINE``: the
    #: results carry them as bytes (a cluster's workers share no folder with the client)
    spool: str | None = None
    #: where workers append findings (``FindingStore.spool``); ``None``: they send the text
    findings_spool: str | None = None
    #: leave notices out of ``FileResult.diagnostics``
    quiet: bool = False
    #: with the ``dict`` payload, the connections of each reach kept for a table (``None``:
    #: all of them)
    keep: int | None = None


#: ``Job.spool`` for results that carry their payloads.
INLINE = "<inline>"

#: Diagnostics a file's result carries for stderr; the rest are counted (the JSON report has
#: each capture's own, up to ``netnorm.parsers.reader.MAX_DIAGNOSTICS``).
SHOWN = 20


@dataclass
class CaptureOut:
    """One capture's contribution."""

    facts: CaptureFacts
    findings: EncodedFindings  # serialised here, in the worker
    #: the serialised capture: bytes (from a cluster's worker), an open temporary file (from
    #: this process), or the ``dict`` for a table
    payload: Any = None
    payload_file: str | None = None  # the serialised capture, left in ``Job.spool``
    #: the capture's fields a row of a dataset carries (``parquet``)
    head: dict[str, Any] | None = None

    @contextlib.contextmanager
    def serialised(self) -> Iterator[tuple[IO[bytes], int]]:
        """The serialised payload as a binary stream at its start, with its size in bytes,
        wherever the worker left it; the stream is closed, and a spool file removed, after."""
        if isinstance(self.payload, bytes):
            stream: IO[bytes] = io.BytesIO(self.payload)
        elif self.payload_file is None:
            stream = self.payload
        else:
            stream = open(self.payload_file, "rb")  # noqa: SIM115 (closed below)
        try:
            size = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            yield stream, size
        finally:
            stream.close()
            if self.payload_file is not None:
                os.unlink(self.payload_file)


@dataclass
class FileResult:
    """Everything one file produced."""

    path: str
    name: str
    captures: list[CaptureOut] = field(default_factory=list)
    #: The first ``SHOWN`` diagnostics to print (notices left out with ``Job.quiet``)...
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    #: ... and how many more there were.
    more_diagnostics: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Named:
    """A file with the host and time its name, the options or its modification time give."""

    path: str
    host: str | None = None
    time: datetime | None = None
    time_source: str | None = None  # option, name or file-mtime
    notice: str | None = None  # set when a given --name-pattern does not match
    #: where to read the file when that is not ``path`` (which names it in the report): its
    #: absolute path, for a cluster's workers, whose working folder is not the client's
    location: str | None = None


def name_file(
    path: str, root: str | None, host: str | None, time: datetime | None, pattern: str | None
) -> Named:
    """Host and time for one file, from the first of: options, name pattern, file time."""
    source = "option" if time else None
    notice = None
    if path != "-" and (host is None or time is None):
        found = NamePattern(pattern or DEFAULT_PATTERN).match(path, root)
        if found is None and pattern:
            notice = f"file name does not match --name-pattern {pattern!r}"
        if found is not None:
            host = host or found.host
            if time is None and found.time is not None:
                time, source = found.time, "name"
        if time is None:
            try:
                time = datetime.fromtimestamp(os.stat(path).st_mtime, tz=timezone.utc)
                source = "file-mtime"
            except OSError:
                pass
    return Named(path, host, time, source, notice)


def by_host_and_time(
    files: list[tuple[str, str | None]],
    host: str | None,
    time: datetime | None,
    pattern: str | None,
) -> list[Named]:
    """Name every file once, in the order of the host and time its name gives it."""
    minimum = datetime.min.replace(tzinfo=timezone.utc)
    named = [name_file(path, root, host, time, pattern) for path, root in files]
    return sorted(named, key=lambda n: (n.host or f"<{n.path}>", n.time or minimum, n.path))


def process_file(job: Job, named: Named, meter: Any = None) -> FileResult:
    """Parse and analyse one file (``-`` is stdin); never raises for bad input."""
    import sys

    from netnorm.api import iter_items
    from netnorm.parsers.reader import Event

    path = named.path
    name = "<stdin>" if path == "-" else path
    result = FileResult(path, name)
    host, time, time_source, notice = named.host, named.time, named.time_source, named.notice
    if notice:
        result.diagnostics.append(
            {
                "line": None,
                "severity": "warning",
                "code": "name-mismatch",
                "message": notice,
                "text": None,
            }
        )
    classifier = Classifier(job.config.internal, job.config.internal_files)
    where = named.location or path
    source: Any = sys.stdin.buffer if path == "-" else where
    opened = None  # a URL's stream, which this function closes

    def diagnostic(d: dict[str, Any]) -> None:
        if job.quiet and d["severity"] == "notice":
            return
        if len(result.diagnostics) < SHOWN:
            result.diagnostics.append(d)
        else:
            result.more_diagnostics += 1

    analysis = CaptureAnalysis(classifier, job.config)
    rows = RowSpool()
    unix: list[dict[str, Any]] = []
    try:
        if "://" in where:  # a URL a cluster's workers can read (fsspec, with the dask extra)
            source = opened = _open_url(where)
        decoded, items = iter_items(
            source, job.platform, host=host, encoding=job.encoding, name=name, meter=meter
        )
        for kind, payload, _cap in items:
            if kind == Event.CONNECTION:
                analysis.scan(payload)
                rows.add(payload)
            elif kind == Event.DIAGNOSTIC:
                diagnostic(payload)
            elif kind == Event.UNIX:
                if job.payload == "json":  # the only output that shows them
                    unix.append(payload)
            elif kind == Event.CAPTURE:
                capture = payload.as_dict(decoded, [], unix)
                capture["captured_at"] = time.isoformat() if time else None
                capture["captured_at_source"] = time_source
                result.captures.append(_second_pass(job, analysis, capture, rows))
                analysis = CaptureAnalysis(classifier, job.config)
                rows, unix = RowSpool(), []
    except NetnormError as exc:
        result.error = str(exc)
    finally:
        rows.close()
        if opened is not None:
            opened.close()
    return result


def _open_url(url: str) -> Any:
    """A binary stream of a URL (``s3://``, ``gs://``, ``https://``, ``file://``)."""
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'netnorm[dask]'", url) from None
    try:
        return fsspec.open(url, "rb").open()
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"cannot be read: {exc}", url) from None


def _second_pass(
    job: Job, analysis: CaptureAnalysis, capture: dict[str, Any], rows: RowSpool
) -> CaptureOut:
    """Annotate and judge a capture's rows again from ``rows``, writing its payload as they go."""
    analysis.start(capture)
    add = analysis.add
    sink = _sink(job, capture)
    for batch in rows:
        sink.add([add(conn) for conn in batch])
    encoded = EncodedFindings.of(analysis.findings(), job.findings_spool)
    out = CaptureOut(analysis.facts(encoded.counts), encoded)
    sink.finish(out)
    return out


class RowSpool:
    """A capture's rows between the two passes: held as they are while they are few, pickled
    in batches into a temporary file once there are more than ``HELD`` (pickle keeps every
    value exact, tuples and big integers too, and reads back in a few microseconds a row)."""

    #: Rows held in memory before the spool goes to disk: a fleet's captures are mostly small.
    HELD = 20_000

    def __init__(self) -> None:
        self.held: list[list[Row]] = []
        self.count = 0
        self.file: IO[bytes] | None = None

    def add(self, rows: list[Row]) -> None:
        self.count += len(rows)
        if self.file is not None:
            pickle.dump(rows, self.file, pickle.HIGHEST_PROTOCOL)
            return
        self.held.append(rows)
        if self.count > self.HELD:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close)
            for held in self.held:
                pickle.dump(held, self.file, pickle.HIGHEST_PROTOCOL)
            self.held = []

    def __iter__(self) -> Iterator[list[Row]]:
        """The batches of rows, in order, each read once."""
        held, self.held = self.held, []
        yield from held
        if self.file is not None:
            yield from pickled_batches(self.file)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.held = []


def pickled_batches(file: IO[bytes]) -> Iterator[list[Row]]:
    """The batches of rows ``pickle.dump`` wrote to ``file`` one after another, from its start
    (a ``RowSpool``, or the rows of the ``parquet`` payload)."""
    file.seek(0)
    load = pickle.load
    while True:
        try:
            yield load(file)
        except EOFError:
            return


class _Sink:
    """Where the second pass writes a capture's payload, batch by batch."""

    def add(self, conns: list[Row]) -> None:
        """Annotated rows, in order."""

    def finish(self, out: CaptureOut) -> None:
        """Put the payload in ``out``."""


class _FileSink(_Sink):
    """A payload of text, written as it comes to a file: in ``Job.spool`` for the main
    process to copy from, or an anonymous temporary file when the main process is this one."""

    def __init__(self, spool: str | None) -> None:
        self.path = None
        if spool == INLINE:
            self.file: IO[bytes] = io.BytesIO()
        elif spool is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (the CLI closes it)
        else:
            handle, self.path = tempfile.mkstemp(dir=spool, suffix=".json")
            self.file = os.fdopen(handle, "wb")

    def finish(self, out: CaptureOut) -> None:
        if isinstance(self.file, io.BytesIO):
            out.payload = self.file.getvalue()  # bytes, to travel to another machine
        elif self.path is None:
            self.file.flush()
            out.payload = self.file
        else:
            self.file.close()
            out.payload_file = self.path


class _JsonSink(_FileSink):
    """The capture as one JSON text: its fields, with its connections in place."""

    def __init__(self, spool: str | None, capture: dict[str, Any]) -> None:
        super().__init__(spool)
        text = dumps(capture)
        # the first such bytes are the key: inside a string value a quote is escaped
        at = text.index(_CONNECTIONS) + len(_CONNECTIONS) - 1
        self.file.write(text[:at])
        self.rest = text[at:]
        self.first = True

    def add(self, conns: list[Row]) -> None:
        if conns:
            self.file.write((b"" if self.first else b",") + b",".join([dumps(c) for c in conns]))
            self.first = False

    def finish(self, out: CaptureOut) -> None:
        self.file.write(self.rest)
        super().finish(out)


_CONNECTIONS = b',"connections":[]'


class _LinesSink(_FileSink):
    """A JSON line per connection: JSONL, ECS or OCSF."""

    def __init__(self, spool: str | None, payload: str, capture: dict[str, Any]) -> None:
        super().__init__(spool)
        head = _head(capture)
        self.prefix = dumps(head)[:-1] + b","
        self.document = _documents(payload, {**head, "captured_at": capture["captured_at"]})

    def add(self, conns: list[Row]) -> None:
        if self.document is None:
            self.file.write(jsonl_lines(conns, self.prefix))
        else:
            document = self.document
            self.file.write(b"".join([dumps(document(conn)) + b"\n" for conn in conns]))


class _RowsSink(_FileSink):
    """The annotated rows themselves, pickled in batches, for the main process to write into
    a dataset (``parquet``)."""

    def __init__(self, spool: str | None, capture: dict[str, Any]) -> None:
        super().__init__(spool)
        time = capture["captured_at"]
        self.head = {
            **_head(capture),
            "captured_at": datetime.fromisoformat(time) if isinstance(time, str) else time,
        }

    def add(self, conns: list[Row]) -> None:
        if conns:
            pickle.dump(conns, self.file, pickle.HIGHEST_PROTOCOL)

    def finish(self, out: CaptureOut) -> None:
        out.head = self.head
        super().finish(out)


class _KeptSink(_Sink):
    """The capture for a table or Markdown: its first ``keep`` connections of each reach,
    and how many each reach has."""

    def __init__(self, keep: int | None, capture: dict[str, Any]) -> None:
        self.keep = keep
        self.capture = capture
        self.kept: list[Row] = []
        self.counts: dict[str, int] = {}

    def add(self, conns: list[Row]) -> None:
        counts, keep = self.counts, self.keep
        for conn in conns:
            reach = conn["reach"]
            seen = counts.get(reach, 0)
            counts[reach] = seen + 1
            if keep is None or seen < keep:
                self.kept.append(conn)

    def finish(self, out: CaptureOut) -> None:
        out.payload = {**self.capture, "connections": self.kept, "reach_counts": self.counts}


def _head(capture: dict[str, Any]) -> dict[str, Any]:
    """The fields of its capture that every row of a line format or a dataset starts with."""
    return {
        "source": capture["source"],
        "capture": capture["index"],
        "platform": capture["platform"],
        "host": capture["host"],
    }


def _sink(job: Job, capture: dict[str, Any]) -> _Sink:
    payload = job.payload
    if payload is None:
        return _Sink()
    if payload == "dict":
        return _KeptSink(job.keep, capture)
    if payload == "json":
        return _JsonSink(job.spool, capture)
    if payload == "parquet":
        return _RowsSink(job.spool, capture)
    return _LinesSink(job.spool, payload, capture)


def _documents(payload: str, context: dict[str, Any]) -> Callable[[dict[str, Any]], Any] | None:
    """The function from a connection to its document of ``payload`` (``ecs`` or ``ocsf``);
    ``None`` for ``jsonl``, whose lines are the rows behind their capture's fields."""
    if payload == "jsonl":
        return None
    if payload == "ecs":
        from netnorm.render.ecs import connection

        return lambda conn: connection(conn, context)
    from netnorm import __version__
    from netnorm.render.ocsf import network_activity

    return lambda conn: network_activity(conn, context, __version__)


_JOB: Job | None = None


def _set_job(job: Job) -> None:
    global _JOB
    from netnorm.signals import as_worker

    as_worker()
    _JOB = job


def _process_with_job(files: list[Named]) -> list[FileResult]:
    assert _JOB is not None
    return [process_file(_JOB, named) for named in files]


#: Files handed to a worker at once: each hand-over costs the main process a few wake-ups and
#: pickles, which at thousands of small files add up to seconds.
CHUNK = 8


def run(
    job: Job, files: list[Named], jobs: int, meter: Any = None
) -> Generator[FileResult, None, None]:
    """Yield each file's result in input order, using up to ``jobs`` processes; ``meter``
    (a ``netnorm.progress.Meter``) counts the bytes read when there is one file."""
    if jobs > 1 and len(files) > 1 and all(n.path != "-" for n in files):
        spool = tempfile.TemporaryDirectory(prefix="netnorm-")
        try:
            yield from _run_pool(job, files, jobs, spool.name)
            return
        except _NoProcesses:  # a process limit, no fork: read the files here
            pass
        finally:
            spool.cleanup()
    for named in files:
        yield process_file(job, named, meter if len(files) == 1 else None)


class _NoProcesses(Exception):
    """The pool could not start its workers."""


def _run_pool(job: Job, files: list[Named], jobs: int, spool: str) -> Iterator[FileResult]:
    import multiprocessing  # here: a run of one file starts no process

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    # small chunks for a small run, so that every worker gets some
    size = max(1, min(CHUNK, len(files) // (jobs * 4)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    # a bounded window of chunks in flight: results wait in memory only a few at a time, even
    # when the workers are faster than the writer
    window = jobs * 4
    spooled = replace(job, spool=spool) if job.payload not in (None, "dict") else job
    try:
        # the job (with its pydantic config) goes to each worker once, not with every file
        pool = context.Pool(processes=jobs, initializer=_set_job, initargs=(spooled,))
    except OSError:
        raise _NoProcesses from None
    with pool:
        pending: deque[AsyncResult[list[FileResult]]] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_process_with_job, (chunk,)))
            if len(pending) >= window:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
