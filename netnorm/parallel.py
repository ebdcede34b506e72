"""Read one large file on several cores at once, for JSONL output.

The file is cut at row lines into parts. The first part is read here. Each other part is read
by a worker process that starts with a guess of the reader's state at its first line: the
platform and columns of the first table in the file. The worker writes its connections as JSONL
text to a temporary file.

When the part before a worker's has been read, its guess is checked against the real state
(``Reader.signature``). If it holds, the worker's output is used as it is. If not (a later table
with other columns, a section change, an unfinished warning), the rest of the file is read here,
line after line. Either way the output is what one pass over the file gives:
``tests/test_parallel.py`` checks this on every sample cut at every line.
"""

from __future__ import annotations

import codecs
import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import IO, Any

from netnorm.decode import SAMPLE_SIZE, Decoded, detect_encoding, range_lines
from netnorm.model.enums import Platform
from netnorm.parsers.capture import CaptureState
from netnorm.parsers.reader import MAX_DIAGNOSTICS, Event, Item, Reader
from netnorm.parsers.registry import BY_NAME, DIALECTS
from netnorm.render.records import Spool, jsonl_lines, jsonl_prefix

#: The kind of the items that carry a worker's JSONL lines: a ``netnorm.render.records.Spool``.
SPOOLED = "spooled"

#: Files smaller than this are read in one pass: starting a worker costs more than it saves.
MIN_SIZE = 4 << 20
#: The smallest part given to a process of its own.
MIN_PART = 2 << 20
#: How much more than the other parts the first one reads, as a fraction of one part.
FIRST_EXTRA = 0.25
#: How far past each cut point a row line is looked for.
WINDOW = 256 << 10
#: Characters of JSONL text a worker writes at a time.
_BLOCK = 1 << 20

#: Codecs whose decoder carries state from one line to the next, or whose line breaks are not
#: the bytes ``\r`` and ``\n``: a part cannot start in the middle of such a file.
_STATEFUL = ("utf-16", "utf-32", "utf-7", "iso2022", "hz")


def splittable(encoding: str) -> bool:
    """True when a file in this encoding can be decoded from the start of any line."""
    try:
        name = codecs.lookup(encoding).name
        breaks = "\r\n".encode(encoding)
    except (LookupError, UnicodeError):
        return False
    return breaks == b"\r\n" and not name.replace("_", "-").startswith(_STATEFUL)


def can_fork() -> bool:
    """Workers are forked: they share the loaded modules and start in a few milliseconds."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@dataclass
class Seed:
    """The guessed state at a cut: what the first table of the file said about its rows."""

    platform: Platform
    dialect: str
    columns: dict[str, Any]
    locale: str | None

    def reader(
        self,
        source: str,
        platform: Platform | None,
        host: str | None,
        line: int,
        guessed_encoding: str | None = None,
    ) -> Reader:
        """A reader in the middle of such a table, in capture 0."""
        reader = Reader(source, platform, host, guessed_encoding=guessed_encoding)
        cap = CaptureState(
            source,
            0,
            line,
            platform=self.platform,
            dialect=self.dialect,
            host=host,
            locale=self.locale,
        )
        cap.columns = _columns_copy(self.columns)
        cap.rows = 1
        reader.capture = cap
        return reader


def guess(head: bytes, encoding: str, platform: Platform | None) -> Seed | None:
    """Read the head of the file and keep the state after its last Internet row."""
    text = head[: head.rfind(b"\n") + 1].decode(encoding, errors="replace")
    reader = Reader("", platform)
    seed = None
    for kind, _payload, cap in reader.read(enumerate(text.splitlines(), 1)):
        if (
            kind == Event.CONNECTION
            and cap is not None
            and cap.platform is not None
            and cap.dialect is not None
        ):
            seed = Seed(cap.platform, cap.dialect, _columns_copy(cap.columns), cap.locale)
    return seed


def _columns_copy(columns: dict[str, Any]) -> dict[str, Any]:
    # a dialect may update its columns from the rows (net-tools -W): each reader has its own
    return {name: copy.copy(value) for name, value in columns.items()}


def _is_row_text(text: str, dialect: str) -> bool:
    return BY_NAME[dialect].ROW.re.match(text) is not None


def _is_row(line: bytes, encoding: str, dialect: str) -> bool:
    return _is_row_text(line.rstrip(b"\r").decode(encoding, errors="replace"), dialect)


def plan(
    stream: IO[bytes], size: int, encoding: str, parts: int, dialect: str
) -> list[tuple[int, int]]:
    """Find where the parts start: ``(byte offset, line number)`` of a row line near each
    ``size * k / parts``, after a line that is a row too. An empty list means no cut."""
    cuts: list[int] = []
    for k in range(1, parts):
        # workers start later and write a temporary file: the first part is a little larger
        target = int(size * (k + FIRST_EXTRA) / (parts + FIRST_EXTRA))
        if cuts and target <= cuts[-1]:
            continue
        stream.seek(target)
        window = stream.read(WINDOW)
        start = window.find(b"\n") + 1
        previous_row = False
        while start > 0:
            end = window.find(b"\n", start)
            if end < 0:
                break
            row = _is_row(window[start:end], encoding, dialect)
            if row and previous_row:
                cuts.append(target + start)
                break
            previous_row = row
            start = end + 1
    if not cuts:
        return []
    # line numbers: count the breaks before each cut; a lone \r is a break for the decoder
    # too, and files with them are read in one pass rather than counted twice as carefully
    stream.seek(0)
    result: list[tuple[int, int]] = []
    lines = 0
    position = 0
    for cut in cuts:
        while position < cut:
            chunk = stream.read(min(1 << 20, cut - position))
            if not chunk:
                return []
            if chunk.count(b"\r") != chunk.count(b"\r\n") + chunk.endswith(b"\r"):
                return []
            if chunk.endswith(b"\r"):
                return []  # a \r\n cut in two by the chunk size: rare, not worth the care
            lines += chunk.count(b"\n")
            position += len(chunk)
        result.append((cut, lines + 1))
    return result


@dataclass
class Part:
    """One worker: the part of the file it reads and what it sends back."""

    offset: int
    line: int
    stop: int | None
    out: IO[bytes]
    process: Any = None
    receive: Any = None

    def wait(self) -> dict[str, Any] | None:
        """The worker's result, or ``None`` when it failed."""
        try:
            result = self.receive.recv()
        except (EOFError, OSError):
            result = None
        self.process.join()
        return result if isinstance(result, dict) and "error" not in result else None

    def stop_worker(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
        if self.process is not None:
            self.process.join()
        self.out.close()


def _work(
    part: Part,
    path: str,
    encoding: str,
    seed: Seed,
    source: str,
    platform: Platform | None,
    host: str | None,
    guessed: str | None,
    send: Any,
) -> None:
    """In the worker: read the part, write its rows as JSONL, send back the rest."""
    from netnorm.signals import as_worker

    as_worker()
    try:
        reader = seed.reader(source, platform, host, part.line, guessed)
        seeded = reader.capture
        assert seeded is not None
        signature = reader.signature()
        spool = _Spooler(part.out)
        with open(path, "rb") as stream:
            lines = range_lines(
                stream, encoding, part.offset, part.stop, part.line, reader.undecodable
            )
            # a row first ends the row before the cut, whatever owner lines it had
            head: list[tuple[int, str]] = []
            for numbered in lines:
                head.append(numbered)
                if numbered[1] and not numbered[1].isspace():
                    break
            starts_with_row = bool(head) and _is_row_text(head[-1][1], seed.dialect)
            # the lines with undecodable bytes not reported yet: the parent goes on without them
            items = chain(
                reader.read(chain(head, lines), finish=False), reader.undecodable_lines(None)
            )
            for kind, payload, cap in items:
                if kind == Event.CONNECTION:
                    assert cap is not None
                    spool.add(payload, cap)
                    continue
                spool.end_run()
                index = cap.index if cap is not None else None
                if kind == Event.CAPTURE:
                    spool.events.append((kind, _capture_copy(payload), index, None))
                else:
                    spool.events.append((kind, payload, index, None))
        spool.end_run()
        part.out.flush()
        send.send(
            {
                "signature": signature,
                "starts_with_row": starts_with_row,
                "events": spool.events,
                "state": _state(reader),
                # diagnostics of the capture that continues the parent's, kept or not
                "seed_diagnostics": len(seeded.diagnostics) + seeded.dropped_diagnostics,
            }
        )
    except BaseException as exc:  # the parent reads this part itself
        send.send({"error": repr(exc)})
    finally:
        send.close()


#: The capture number a worker's first capture is guessed to have: the file's first capture
#: runs on past the cut (one ``netstat`` run in a file). When that is right, the parent copies
#: the worker's lines as they are; when not, it puts their capture numbers right.
GUESSED_BASE = 1


class _Spooler:
    """Writes a worker's connections to its spool file as JSONL lines, and records the runs
    of one capture as ``SPOOLED`` events of ``(offset, size, prefix)``."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.events: list[tuple[str, Any, int | None, Platform | None]] = []
        self.offset = 0
        self.run_cap: CaptureState | None = None
        self.run_platform: Platform | None = None
        self.run_start = 0
        self.prefix = b""
        self.batch: list[bytes] = []  # lines not written yet, of ``batched`` bytes
        self.batched = 0

    def add(self, payload: list[Any], cap: CaptureState) -> None:
        if cap is not self.run_cap or cap.platform is not self.run_platform:
            self.end_run()
            self.run_cap, self.run_platform = cap, cap.platform
            self.run_start = self.offset
            guessed = replace(cap, index=cap.index + GUESSED_BASE)
            self.prefix = jsonl_prefix(guessed)
        data = jsonl_lines(payload, self.prefix)
        self.batch.append(data)
        self.batched += len(data)
        if self.batched >= _BLOCK:
            self.write()

    def write(self) -> None:
        data = b"".join(self.batch)
        self.out.write(data)
        self.offset += len(data)
        self.batch, self.batched = [], 0

    def end_run(self) -> None:
        self.write()
        cap = self.run_cap
        if cap is not None and self.offset > self.run_start:
            size = self.offset - self.run_start
            payload = (self.run_start, size, self.prefix)
            self.events.append((SPOOLED, payload, cap.index, self.run_platform))
        self.run_cap = None


def _capture_copy(cap: CaptureState) -> CaptureState:
    return replace(cap, protocols=set(cap.protocols), diagnostics=list(cap.diagnostics))


def _state(reader: Reader) -> dict[str, Any]:
    return {
        "capture": reader.capture,
        "count": reader.count,
        "preamble": reader.preamble,
        "pending": reader.pending,
        # a dialect is a module, which does not pickle: its name goes instead
        "pending_dialect": reader.pending_dialect.NAME if reader.pending_dialect else None,
        "warning_open": reader.warning_open,
        "warning_lines": reader.warning_lines,
        "deferred": reader.deferred,
    }


def _restore(state: dict[str, Any], base: int, previous: Reader) -> Reader:
    """The reader as the worker left it, with its capture numbers moved up by ``base``."""
    reader = Reader(
        previous.source,
        previous.forced,
        previous.host,
        undecodable=previous.undecodable,
        guessed_encoding=previous.guessed_encoding,
    )
    cap: CaptureState | None = state["capture"]
    if cap is not None:
        if cap.index == 0 and previous.capture is not None:
            cap.diagnostics[:0] = previous.capture.diagnostics
        cap.index += base
    reader.capture = cap
    reader.count = state["count"] + base
    reader.preamble = state["preamble"]
    reader.pending = state["pending"]
    reader.pending_dialect = next((d for d in DIALECTS if state["pending_dialect"] == d.NAME), None)
    reader.warning_open = state["warning_open"]
    reader.warning_lines = state["warning_lines"]
    reader.undecodable_reported = previous.undecodable_reported
    reader.deferred = state["deferred"]
    return reader


def split_items(
    path: str,
    parts: int,
    *,
    source: str,
    platform: Platform | None = None,
    host: str | None = None,
    encoding: str | None = None,
    meter: Any = None,
) -> tuple[Decoded, Iterator[Item]] | None:
    """Reader items for one file read in ``parts`` parts at once, or ``None`` when the file is
    small, not seekable, in an encoding that cannot be cut, or has no table to guess from.

    Connections of the workers' parts come as ``SPOOLED`` items: a ``Spool`` of JSONL lines
    (see ``JsonlWriter.spooled``). ``Event.CAPTURE`` items of a capture that spans parts
    hold the counters of its last part only; use this for JSONL output, not for capture
    summaries.
    """
    if parts < 2:
        return None
    try:
        size = os.path.getsize(path)
        if size < MIN_SIZE or not os.path.isfile(path) or not can_fork():
            return None
        parts = min(parts, size // MIN_PART)  # no process for a few rows
        with open(path, "rb") as stream:
            head = stream.read(SAMPLE_SIZE)
            decoded = Decoded(encoding, False) if encoding else Decoded(detect_encoding(head), True)
            if not splittable(decoded.encoding):
                return None
            seed = guess(head, decoded.encoding, platform)
            if seed is None:
                return None
            cuts = plan(stream, size, decoded.encoding, parts, seed.dialect)
    except OSError:
        return None
    if not cuts:
        return None
    guessed = decoded.guessed_encoding
    items = _items(
        path, cuts, decoded.encoding, seed, source, platform, host, guessed=guessed, meter=meter
    )
    return decoded, items


class _Mailbox:
    """A pipe and a process that are not there: the part is read before anything waits."""

    def __init__(self) -> None:
        self.message: bytes | None = None

    def send(self, obj: Any) -> None:
        import pickle

        self.message = pickle.dumps(obj)  # what a pipe does to it

    def recv(self) -> Any:
        if self.message is None:
            raise EOFError
        import pickle

        return pickle.loads(self.message)

    def close(self) -> None:
        pass

    def join(self) -> None:
        pass

    def is_alive(self) -> bool:
        return False


def _items(
    path: str,
    cuts: list[tuple[int, int]],
    encoding: str,
    seed: Seed,
    source: str,
    platform: Platform | None,
    host: str | None,
    *,
    guessed: str | None = None,
    inline: bool = False,
    meter: Any = None,
) -> Iterator[Item]:
    """The items of the whole file; ``inline`` reads the parts one after the other in this
    process, for tests."""
    # imported here: most files are small and never get this far
    import multiprocessing
    import tempfile

    context = multiprocessing.get_context("fork")
    workers: list[Part] = []
    for k, (offset, line) in enumerate(cuts):
        stop = cuts[k + 1][0] if k + 1 < len(cuts) else None
        out = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (closed by stop_worker)
        part = Part(offset, line, stop, out)
        args = (part, path, encoding, seed, source, platform, host, guessed)
        if inline:
            part.receive = part.process = _Mailbox()
            _work(*args, part.receive)
        else:
            receive, send = context.Pipe(duplex=False)
            part.receive = receive
            part.process = context.Process(target=_work, args=(*args, send), daemon=True)
            try:
                part.process.start()
            except OSError:  # no process to be had: the parent reads this part itself
                receive.close()
                part.receive = part.process = _Mailbox()
            send.close()
        workers.append(part)
    reader = Reader(source, platform, host, guessed_encoding=guessed)
    bad = reader.undecodable
    try:
        with open(path, "rb") as stream:
            first = range_lines(stream, encoding, 0, cuts[0][0], 1, bad)
            yield from reader.read(first, finish=False)
            yield from reader.undecodable_lines(None)
            for part in workers:
                if meter is not None:
                    meter.update(part.offset)  # the parts before this one are written
                result = part.wait()
                if not _fits(reader, result):
                    lines = range_lines(stream, encoding, part.offset, None, part.line, bad)
                    yield from reader.read(lines)
                    return
                assert result is not None and reader.capture is not None
                yield from reader.flush()
                base = reader.capture.index
                yield from _replay(result["events"], part.out, base, reader)
                reader = _restore(result["state"], base, reader)
            yield from reader.finish()
    finally:
        for part in workers:
            part.stop_worker()


def _fits(reader: Reader, result: dict[str, Any] | None) -> bool:
    """True when the worker's guess was the real state at its first line."""
    if result is None or reader.capture is None:
        return False
    signature = reader.signature()
    if signature is None or signature != result["signature"]:
        return False
    if reader.pending is not None and not result["starts_with_row"]:
        return False  # owner lines of the pending row may follow the cut
    cap = reader.capture
    seeded = result["seed_diagnostics"] or 0
    return not cap.dropped_diagnostics and len(cap.diagnostics) + seeded <= MAX_DIAGNOSTICS


def _replay(
    events: list[tuple[str, Any, int | None, Platform | None]],
    out: IO[bytes],
    base: int,
    reader: Reader,
) -> Iterator[Item]:
    source, host = reader.source, reader.host
    for kind, payload, index, run_platform in events:
        cap = None
        if index is not None:
            cap = CaptureState(source, index + base, 0, platform=run_platform, host=host)
        if kind == SPOOLED:
            offset, size, prefix = payload
            yield kind, Spool(out, offset, size, prefix), cap
        elif kind == Event.CAPTURE:
            payload.index += base
            yield kind, payload, payload
        else:
            yield kind, payload, cap
