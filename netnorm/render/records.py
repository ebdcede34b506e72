"""The writers of ``netnorm parse``: JSONL, JSON and CSV, each fed records as they are read.

Records already have the field names and order of the pydantic models (``tests/test_schema.py``
checks this), so they are written as they are: orjson for JSON and JSONL, the csv module for
CSV. The output equals ``model_dump_json``, without a validation per row on inputs of millions
of rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import orjson

from netnorm.parsers.row import CONNECTION_FIELDS, Row
from netnorm.render.safe import csv_cell, json_bytes

if TYPE_CHECKING:
    from netnorm.decode import Decoded
    from netnorm.parsers.capture import CaptureState

_stdlib_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON of ``data``.

    orjson writes it, but for what orjson refuses: integers beyond 64 bits (a hostile queue
    column) and lone surrogates (from a file name that is not UTF-8). Those go through the
    standard library, and a lone surrogate is written as its ``\\u`` escape. Control and
    bidi characters are escaped too (``safe.json_bytes``).
    """
    try:
        return json_bytes(orjson.dumps(data))
    except (orjson.JSONEncodeError, TypeError):
        return json_bytes(_stdlib_dumps(data).encode("utf-8", "backslashreplace"))


def jsonl_prefix(cap: CaptureState) -> bytes:
    """The fields every JSONL line starts with, as JSON ending in a comma."""
    platform = cap.platform.value if cap.platform is not None else None
    head = {"source": cap.source, "capture": cap.index, "platform": platform, "host": cap.host}
    return dumps(head)[:-1] + b","


_NEWLINE = orjson.OPT_APPEND_NEWLINE


def jsonl_lines(rows: Iterable[Row], prefix: bytes) -> bytes:
    """The JSONL lines of records, each ended by a line break, with ``prefix`` in place of the
    opening brace of each."""
    dumps_line = orjson.dumps
    try:
        lines = b"".join([dumps_line(row, option=_NEWLINE) for row in rows])
    except (orjson.JSONEncodeError, TypeError):
        lines = b"".join([dumps(row) + b"\n" for row in rows])
    if not lines:
        return lines
    lines = json_bytes(lines)
    # JSON text holds no raw line break: each one ends a record, and a brace starts the next
    return prefix + lines[1:-1].replace(b"\n{", b"\n" + prefix) + b"\n"


def binary_of(out: IO[str]) -> IO[bytes] | None:
    """The byte stream under a UTF-8 text stream, or ``None`` (then write text)."""
    encoding = (getattr(out, "encoding", "") or "").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        return None
    return getattr(out, "buffer", None)


class Writer:
    """What a format does with the reader's records; each part does nothing unless a format
    says otherwise. ``netnorm.api.feed`` calls these."""

    #: Called before a writer prints on the terminal itself (tables): the command line sets it
    #: to take a progress bar on that terminal away.
    pause_progress: Callable[[], None] | None = None

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        """Records of one capture, in order."""

    def unix(self, record: dict[str, Any], cap: CaptureState | None) -> None:
        """A UNIX domain socket."""

    def capture(self, cap: CaptureState, decoded: Decoded) -> None:
        """The end of a capture, after all its records."""

    def spooled(self, spool: Spool, cap: CaptureState) -> None:
        """JSONL lines a worker wrote (only asked for with JSONL)."""
        raise NotImplementedError

    def close(self) -> None:
        """The end of the output."""


#: Bytes gathered before one write: stdout may be unbuffered (PYTHONUNBUFFERED), and a system
#: call per row would cost more than the parsing.
FLUSH_SIZE = 1 << 16


class JsonlWriter(Writer):
    """One connection per line, with ``source``, ``capture``, ``platform`` and ``host``."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.binary = binary_of(out)
        out.flush()
        self._cap: CaptureState | None = None
        self._platform: object = None
        self._prefix = b""
        self._batch: list[bytes] = []
        self._size = 0

    def _prefix_of(self, cap: CaptureState) -> bytes:
        if cap is not self._cap or cap.platform is not self._platform:
            self._cap, self._platform = cap, cap.platform
            self._prefix = jsonl_prefix(cap)
        return self._prefix

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        """Write records of one capture."""
        data = jsonl_lines(rows, self._prefix_of(cap))
        self._batch.append(data)
        self._size += len(data)
        if self._size >= FLUSH_SIZE:
            self.flush()

    def close(self) -> None:
        self.flush()

    def flush(self) -> None:
        if self._batch:
            data = b"".join(self._batch)
            self._batch, self._size = [], 0
            if self.binary is not None:
                self.binary.write(data)
            else:
                self.out.write(data.decode("utf-8", "surrogatepass"))

    def spooled(self, spool: Spool, cap: CaptureState) -> None:
        """Write the JSONL lines a worker of ``netnorm.parallel`` spooled."""
        self.flush()
        prefix = self._prefix_of(cap)
        if spool.prefix == prefix:
            copy_utf8(spool.file, spool.offset, spool.size, self.out)
            return
        # written for another capture number (the worker could only guess it): the prefix
        # of every line is put right, a block of whole lines at a time
        file, left = spool.file, spool.size
        file.seek(spool.offset)
        wrong, right = b"\n" + spool.prefix, b"\n" + prefix
        while left > 0:
            data = file.read(min(left, 1 << 20))
            if not data:
                break
            if data[-1:] != b"\n":
                data += file.readline()
            left -= len(data)
            lines = (b"\n" + data[len(spool.prefix) :]).replace(wrong, right)
            self._batch.append(prefix + lines[1:])
            self.flush()


class _ArraySpool:
    """The items of a JSON array, serialised as they come into a temporary file."""

    def __init__(self) -> None:
        self.file: IO[bytes] | None = None
        self.size = 0

    def add(self, items: Iterable[Any]) -> None:
        data = b",".join([dumps(item) for item in items])
        if not data:
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by copy_to)
        if self.size:
            data = b"," + data
        self.file.write(data)
        self.size += len(data)

    def copy_to(self, out: IO[str]) -> None:
        """Write the items (without brackets), then start again empty."""
        if self.file is not None:
            self.file.flush()
            copy_utf8(self.file, 0, self.size, out)
            self.file.close()
        self.file, self.size = None, 0


#: Where a capture's arrays go in its JSON, written with the arrays empty.
_ARRAYS = b',"connections":[],"unix_sockets":[],'


class JsonWriter(Writer):
    """``{"captures": [...]}``, written one capture at a time.

    The fields of a capture that come before its connections (``options``, ``last_line``) are
    known only at its end, so its connections and UNIX sockets are serialised as they come
    into temporary files, and copied into place when it ends: memory stays flat, whatever the
    size of the capture.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.count = 0
        self.rows = _ArraySpool()
        self.unix_rows = _ArraySpool()
        out.write('{"captures":[')

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        self.rows.add(rows)

    def unix(self, record: dict[str, Any], cap: CaptureState | None) -> None:
        self.unix_rows.add((record,))

    def capture(self, cap: CaptureState, decoded: Decoded) -> None:
        text = dumps(cap.as_dict(decoded, [], []))
        # the first such bytes are the keys: inside a string value a quote is escaped
        at = text.index(_ARRAYS)
        out = self.out
        out.write("," if self.count else "")
        out.write(text[: at + 16].decode("utf-8"))  # up to the bracket of "connections":[
        self.rows.copy_to(out)
        out.write('],"unix_sockets":[')
        self.unix_rows.copy_to(out)
        out.write(text[at + len(_ARRAYS) - 2 :].decode("utf-8"))  # from the closing bracket
        self.count += 1

    def close(self) -> None:
        self.out.write("]}\n")


class EcsWriter(Writer):
    """One Elastic Common Schema document per connection (see ``netnorm.render.ecs``)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.binary = binary_of(out)

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        from netnorm.render.ecs import connection

        platform = cap.platform.value if cap.platform is not None else None
        head = {"source": cap.source, "capture": cap.index, "platform": platform, "host": cap.host}
        data = b"".join([dumps(connection(row, head)) + b"\n" for row in rows])
        if self.binary is not None:
            self.binary.write(data)
        else:
            self.out.write(data.decode("utf-8"))


#: Keys of the nested objects, in model order (``tests/test_schema.py`` checks them).
ENDPOINT_KEYS = ("address", "port", "host", "service", "zone", "truncated", "scope", "printed")
TIMER_KEYS = ("kind", "kind_raw", "seconds", "retransmits", "probes")
_NESTED = {"local": ENDPOINT_KEYS, "remote": ENDPOINT_KEYS, "timer": TIMER_KEYS}
CSV_COLUMNS = ["source", "capture", "platform", "host"] + [
    f"{field}.{key}" if field in _NESTED else field
    for field in CONNECTION_FIELDS
    for key in _NESTED.get(field, ("",))
]
#: Rows gathered before one write.
CSV_BATCH = 512


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_cell(value)
    return value


class CsvWriter(Writer):
    """Connections flattened with dotted names (``local.address``); components joined by
    ``;``; owners and counters as JSON text."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)
        self.rows = 0

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        """Write records of one capture."""
        platform = cap.platform.value if cap.platform is not None else None
        for row in rows:
            cells: list[Any] = [cap.source, cap.index, platform, cap.host]
            for field in CONNECTION_FIELDS:
                value = row[field]
                keys = _NESTED.get(field)
                if keys is not None:
                    cells += [None if value is None else value[k] for k in keys]
                elif field == "components":
                    cells.append(";".join(value))
                elif field in ("owners", "counters"):
                    # lists of objects do not flatten into columns: one JSON text per cell
                    cells.append(dumps(value).decode() if value else None)
                else:
                    cells.append(value)
            self.writer.writerow([_cell(v) for v in cells])
            self.rows += 1
            if self.rows % CSV_BATCH == 0 or self.buffer.tell() >= 1 << 20:  # long rows: by size
                self.flush()

    def close(self) -> None:
        self.flush()

    def flush(self) -> None:
        self.out.write(self.buffer.getvalue())
        self.buffer.seek(0)
        self.buffer.truncate()


def writer_for(name: str, out: IO[str], limit: int | None = None) -> Writer:
    """The writer of the format ``name`` (``jsonl``, ``json``, ``csv`` or ``table``);
    ``limit``: rows shown per capture in a table (``None``: all)."""
    if name == "table":
        from netnorm.render.table import TableWriter  # rich, only for people

        return TableWriter(out, limit)
    return WRITERS[name](out)


WRITERS: dict[str, Callable[[IO[str]], Writer]] = {
    "jsonl": JsonlWriter,
    "json": JsonWriter,
    "csv": CsvWriter,
    "ecs": EcsWriter,
}


@dataclass(frozen=True)
class Spool:
    """JSONL lines a worker wrote to a file: ``size`` bytes of UTF-8 from ``offset``, every
    line starting with ``prefix`` (see ``jsonl_prefix``)."""

    file: IO[bytes]
    offset: int
    size: int
    prefix: bytes


def copy_utf8(source: IO[bytes], offset: int, size: int, out: IO[str]) -> None:
    """Write ``size`` bytes of UTF-8 text from ``offset`` of ``source`` to a text stream.

    When ``out`` writes UTF-8 to a file, the bytes go to it as they are, inside the kernel
    where it can (``os.sendfile``); else they are decoded and written as text.
    """
    binary = binary_of(out)
    out.flush()
    if binary is not None and _send_range(source, offset, size, binary):
        return
    decode = codecs.getincrementaldecoder("utf-8")("surrogatepass").decode
    source.seek(offset)
    while size > 0:
        data = source.read(min(size, 1 << 20))
        if not data:
            break
        size -= len(data)
        if binary is not None:
            binary.write(data)
        else:
            out.write(decode(data))
    if binary is None:
        out.write(decode(b"", True))


def _send_range(source: IO[bytes], offset: int, size: int, target: IO[bytes]) -> bool:
    """Copy bytes of ``source`` to ``target`` inside the kernel, where it can.

    Returns:
        False when nothing was sent and the caller must copy the bytes itself.
    """
    sendfile = getattr(os, "sendfile", None)
    if sendfile is None:
        return False
    sent_total = 0
    try:
        target.flush()
        out_fd, in_fd = target.fileno(), source.fileno()
        while sent_total < size:
            sent = sendfile(out_fd, in_fd, offset + sent_total, size - sent_total)
            if sent == 0:  # the end of the file came early
                break
            sent_total += sent
    except (OSError, ValueError, io.UnsupportedOperation):
        if sent_total:  # part was sent: copying it another way would write it twice
            raise
        return False
    return True
