"""Streaming writers for parse output: JSONL, JSON and CSV.

These write the parser's dicts directly. The dicts have the field names and order of the pydantic
models, which a test checks, so the output equals ``model_dump_json`` without paying for a
validation per row on inputs of millions of rows.
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
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from netnorm.parsers import windows_netstat as win
from netnorm.parsers.cache import CACHED_TEXT, keep
from netnorm.parsers.endpoints import (
    ENDPOINT_JSON,
    ipv4_json,
    is_canonical_port,
    make_endpoint,
    remember_json,
)
from netnorm.parsers.row import COMPONENTS, CONNECTION_FIELDS, OWNER_NOTE, PROCESS, Row
from netnorm.render.safe import csv_cell

if TYPE_CHECKING:  # the reader writes text with this module in text mode
    from netnorm.parsers.stream import CaptureState

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_str = json.encoder.encode_basestring


def _endpoint_json(ep: dict[str, Any]) -> str:
    hit = ENDPOINT_JSON.get(id(ep))
    if hit is not None and hit[0] is ep:
        return hit[1]
    text = endpoint_text(ep)
    remember_json(ep, text)
    return text


def endpoint_text(ep: dict[str, Any]) -> str:
    """The JSON of an endpoint dict."""
    address, port, host, service, zone = (
        ep["address"],
        ep["port"],
        ep["host"],
        ep["service"],
        ep["zone"],
    )
    text = (
        f'{{"address":{"null" if address is None else _str(address)},'
        f'"port":{"null" if port is None else port},'
        f'"host":{"null" if host is None else _str(host)},'
        f'"service":{"null" if service is None else _str(service)},'
        f'"zone":{"null" if zone is None else _str(zone)},'
        f'"truncated":{"true" if ep["truncated"] else "false"},'
        f'"scope":{"null" if ep["scope"] is None else _str(ep["scope"])}}}'
    )
    return text


#: Row JSON text that depends only on the few-valued fields, by their values.
_HEADS: dict[tuple[Any, ...], tuple[str, str]] = {}
_NO_OWNER = ',"process":null,"process_truncated":false,"components":[],"owner_note":null'
_NO_LINUX_EXTRAS = ',"user":null,"inode":null,"security_context":null,"timer":null,"line":'


def _heads(key: tuple[Any, ...]) -> tuple[str, str]:
    protocol, family, reach, state, state_raw = key
    found = (
        f'"protocol":{_str(protocol)},"family":{"null" if family is None else _str(family)},'
        '"local":',
        f',"reach":{"null" if reach is None else _str(reach)},'
        f'"state":{"null" if state is None else _str(state)},'
        f'"state_raw":{"null" if state_raw is None else _str(state_raw)},"pid":',
    )
    keep(_HEADS, key, found, len(state_raw or ""), size=4096)
    return found


def owner_json(
    process: str | None, truncated: bool, components: list[str], note: str | None
) -> str:
    """The owner fields of a row as JSON text, from ``,"process":`` to the owner note."""
    if process is None and not components and note is None and not truncated:
        return _NO_OWNER
    return (
        f',"process":{"null" if process is None else _str(process)},'
        f'"process_truncated":{"true" if truncated else "false"},'
        f'"components":[{",".join(map(_str, components))}],'
        f'"owner_note":{"null" if note is None else _str(note)}'
    )


def connection_json(row: Row) -> str:
    """Serialise a connection row to the JSON of ``Connection`` (without the opening brace).

    This is ``json.dumps(as_dict(row))`` written out by hand: several times faster, and a test
    checks both give the same object for every sample. Text that depends only on fields with
    few values (protocol, family, state…) is built once and reused.
    """
    (
        protocol,
        family,
        local,
        remote,
        reach,
        state,
        state_raw,
        pid,
        process,
        process_truncated,
        components,
        owner_note,
        recv_q,
        send_q,
        user,
        inode,
        context,
        timer,
        line,
    ) = row
    key = (protocol, family, reach, state, state_raw)
    heads = _HEADS.get(key) or _heads(key)
    hit = ENDPOINT_JSON.get(id(local))
    local_json = hit[1] if hit is not None and hit[0] is local else _endpoint_json(local)
    hit = ENDPOINT_JSON.get(id(remote))
    remote_json = hit[1] if hit is not None and hit[0] is remote else _endpoint_json(remote)
    if process is None and not components and owner_note is None and not process_truncated:
        owner = _NO_OWNER
    else:
        owner = owner_json(process, process_truncated, components, owner_note)
    if user is None and inode is None and context is None and timer is None:
        extras = _NO_LINUX_EXTRAS
    else:
        extras = (
            f',"user":{"null" if user is None else _str(user)},'
            f'"inode":{"null" if inode is None else inode},'
            f'"security_context":{"null" if context is None else _str(context)},'
            f'"timer":{"null" if timer is None else _dumps(timer)},"line":'
        )
    return (
        f'{heads[0]}{local_json},"remote":{remote_json}{heads[1]}'
        f"{'null' if pid is None else pid}{owner},"
        f'"recv_q":{"null" if recv_q is None else recv_q},'
        f'"send_q":{"null" if send_q is None else send_q}{extras}{line}}}'
    )


# -- Windows rows as text, for the reader's text mode ---------------------------------------

#: What a Windows address field gives its row, by the field's text (see ``windows_field``).
WINDOWS_FIELDS: dict[str, tuple[str, str | None, bool]] = {}
#: The row text around the endpoints, by the Proto, family and state columns.
WINDOWS_HEADS: dict[tuple[str, str | None, str | None], tuple[str, str]] = {}
#: Everything after the owner fields but the line number: Windows has none of these columns.
WINDOWS_TAIL = ',"recv_q":null,"send_q":null' + _NO_LINUX_EXTRAS


#: The JSON of a canonical ``IPv4:port`` endpoint in three pieces, around the address and
#: port (``endpoints.ipv4_json`` as a template).
IPV4_JSON = tuple(ipv4_json("\0", "\0").split("\0"))


def windows_field(text: str) -> tuple[str, str | None, bool]:
    """What an address field of a Windows row gives its JSON: the endpoint's JSON text, the
    family it shows (as ``windows_netstat.endpoint``) and whether it shows a host or service
    name. Cached by the field's text, as the endpoints are."""
    found = WINDOWS_FIELDS.get(text)
    if found is None:
        found = _windows_field(text)
        keep(WINDOWS_FIELDS, text, found, len(text))
    return found


#: The JSON of a bracketed endpoint before and after its port, and whether it shows a host
#: name, by the text in the brackets: a host's IPv6 address comes with many ports.
_BRACKETED: dict[str, tuple[str, str, bool]] = {}


def _windows_field(text: str) -> tuple[str, str | None, bool]:
    close = text.find("]") if text[:1] == "[" else -1
    if close > 0 and text[close + 1 : close + 2] == ":" and is_canonical_port(text[close + 2 :]):
        inside = text[1:close]
        around = _BRACKETED.get(inside)
        if around is None:
            ep = make_endpoint(inside, "0", False)
            whole = endpoint_text(ep)
            cut = whole.index(',"port":0,') + len(',"port":')
            around = (whole[:cut], whole[cut + 1 :], bool(ep["host"]))
            keep(_BRACKETED, inside, around, len(inside))
        return f"{around[0]}{text[close + 2 :]}{around[1]}", "ipv6", around[2]
    ep, family = win.endpoint(text)  # canonical IPv4:port fields are split by the row regex
    return endpoint_text(ep), family, bool(ep["host"] or ep["service"])


#: The JSON of the owner lines that follow a Windows row, by those lines (see
#: ``windows_owner``).
WINDOWS_OWNERS: dict[tuple[str, ...], tuple[str, tuple[bool, bool, bool]]] = {}


def windows_owner(lines: tuple[str, ...]) -> tuple[str, tuple[bool, bool, bool]]:
    """The text of a Windows row after its PID, up to the line number, when these owner lines
    follow it; and whether they held an image, a component and a note."""
    row = win.owner_row()
    kinds = {win.attach_owner_line(row, line) for line in lines}
    found = (
        owner_json(row[PROCESS], False, row[COMPONENTS], row[OWNER_NOTE]) + WINDOWS_TAIL,
        ("image" in kinds, "component" in kinds, "note" in kinds),
    )
    keep(WINDOWS_OWNERS, lines, found, sum(map(len, lines)), longest=4 * CACHED_TEXT)
    return found


def windows_head(token: str, family: str | None, state_raw: str | None) -> tuple[str, str]:
    """The text of a Windows row before its local endpoint, and between its remote endpoint
    and PID."""
    protocol, state = win.protocol(token), win.state(state_raw)
    key = (protocol, family, None, state, state_raw)
    found = _HEADS.get(key) or _heads(key)
    keep(WINDOWS_HEADS, (token, family, state_raw), found, len(state_raw or ""), size=4096)
    return found


def prefixed(block: str, prefix: str) -> str:
    """Lines of JSON text (each ended by a line break) with ``prefix`` (see ``jsonl_prefix``)
    at the start of each: JSON text never holds a raw line break."""
    return prefix + block[:-1].replace("\n", "\n" + prefix) + "\n"


def _encodes(text: str) -> bool:
    """True when ``text`` is valid Unicode for UTF-8 (no lone surrogates from a file name)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def jsonl_prefix(cap: CaptureState) -> str:
    """The fields every JSONL line starts with, as JSON text ending in a comma."""
    platform = cap.platform.value if cap.platform is not None else None
    head = _dumps(
        {"source": cap.source, "capture": cap.index, "platform": platform, "host": cap.host}
    )
    return head[:-1] + ","


#: Lines gathered before one write: stdout may be unbuffered (PYTHONUNBUFFERED), and a
#: system call per row would cost more than the parsing.
BATCH = 512


class JsonlWriter:
    """One connection per line, with ``source``, ``capture``, ``platform`` and ``host``."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self._cap: CaptureState | None = None
        self._platform: object = None
        self._prefix = ""
        self._batch: list[str] = []  # lines not written yet, of ``_size`` characters
        self._size = 0

    def connections(self, rows: list[Row], cap: CaptureState) -> None:
        """Write rows of one capture."""
        if cap is not self._cap or cap.platform is not self._platform:
            self._cap, self._platform = cap, cap.platform
            self._prefix = jsonl_prefix(cap)
        prefix = self._prefix
        texts = [prefix + connection_json(row) for row in rows]
        self._batch += texts
        self._size += sum(map(len, texts))
        if len(self._batch) >= BATCH or self._size >= 1 << 20:  # long rows: by size
            self.flush()

    def flush(self) -> None:
        if self._batch:
            self._batch.append("")
            self.out.write("\n".join(self._batch))
            self._batch = []
            self._size = 0

    def rendered(self, blocks: Iterable[str] | Spool, cap: CaptureState) -> None:
        """Write connections already serialised by ``connection_json``: blocks of whole lines,
        each line ending in a line break (JSON text never holds a raw one), or a worker's
        spooled JSONL lines."""
        self.flush()
        if cap is not self._cap or cap.platform is not self._platform:
            self._cap, self._platform = cap, cap.platform
            self._prefix = jsonl_prefix(cap)
        prefix = self._prefix
        if isinstance(blocks, Spool):
            self._spooled(blocks, prefix)
            return
        for block in blocks:
            if block:
                self.out.write(prefixed(block, prefix))

    def _spooled(self, spool: Spool, prefix: str) -> None:
        if spool.prefix == prefix and _encodes(prefix):
            copy_utf8(spool.file, spool.offset, spool.size, self.out)
            return
        # written for another capture number (the worker could only guess it): the prefix
        # of every line is put right, a block of whole lines at a time
        file, left = spool.file, spool.size
        file.seek(spool.offset)
        wrong, right = "\n" + spool.prefix, "\n" + prefix
        while left > 0:
            data = file.read(min(left, 1 << 20))
            if not data:
                break
            if data[-1:] != b"\n":
                data += file.readline()
            left -= len(data)
            text = data.decode("utf-8", "surrogatepass")
            self.out.write(prefix + ("\n" + text[len(spool.prefix) :]).replace(wrong, right)[1:])


class JsonWriter:
    """``{"captures": [...]}``, written one capture at a time."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.count = 0
        out.write('{"captures":[')

    def capture(self, capture: dict[str, Any]) -> None:
        self.out.write(("," if self.count else "") + _dumps(capture))
        self.count += 1

    def close(self) -> None:
        self.out.write("]}\n")


#: Keys of the nested objects, in model order (``tests/test_schema.py`` checks them).
ENDPOINT_KEYS = ("address", "port", "host", "service", "zone", "truncated", "scope")
TIMER_KEYS = ("kind", "kind_raw", "seconds", "retransmits", "probes")
_NESTED = {"local": ENDPOINT_KEYS, "remote": ENDPOINT_KEYS, "timer": TIMER_KEYS}
CSV_COLUMNS = ["source", "capture", "platform", "host"] + [
    f"{field}.{key}" if field in _NESTED else field
    for field in CONNECTION_FIELDS
    for key in _NESTED.get(field, ("",))
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_cell(value)
    return value


class CsvWriter:
    """Connections flattened with dotted names (``local.address``); components joined by ``;``."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)
        self.rows = 0

    def connection(self, row: Row, cap: CaptureState) -> None:
        platform = cap.platform.value if cap.platform is not None else None
        cells: list[Any] = [cap.source, cap.index, platform, cap.host]
        for field, value in zip(CONNECTION_FIELDS, row, strict=True):
            keys = _NESTED.get(field)
            if keys is not None:
                cells += [None if value is None else value[k] for k in keys]
            elif field == "components":
                cells.append(";".join(value))
            else:
                cells.append(value)
        self.writer.writerow([_cell(v) for v in cells])
        self.rows += 1
        if self.rows % BATCH == 0 or self.buffer.tell() >= 1 << 20:  # long rows: by size
            self.flush()

    def flush(self) -> None:
        self.out.write(self.buffer.getvalue())
        self.buffer.seek(0)
        self.buffer.truncate()


@dataclass(frozen=True)
class Spool:
    """JSONL lines a worker wrote to a file: ``size`` bytes from ``offset``, UTF-8 (lone
    surrogates passed), every line starting with ``prefix`` (see ``jsonl_prefix``)."""

    file: IO[bytes]
    offset: int
    size: int
    prefix: str


def copy_utf8(source: IO[bytes], offset: int, size: int, out: IO[str]) -> None:
    """Write ``size`` bytes of UTF-8 text from ``offset`` of ``source`` to a text stream.

    When ``out`` writes UTF-8 to a file, the bytes go to it as they are, inside the kernel
    where it can (``os.sendfile``); else they are decoded and written as text.
    """
    encoding = (getattr(out, "encoding", "") or "").lower().replace("_", "-")
    binary: IO[bytes] | None = getattr(out, "buffer", None)
    if encoding not in ("utf-8", "utf8"):
        binary = None
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


def dumps_pretty(data: Any) -> str:
    """Indented JSON that keeps non-ASCII text as it is."""
    return json.dumps(data, indent=2, ensure_ascii=False)


class _Gathered:
    """Passes small writes on in large ones: stdout may be unbuffered (``PYTHONUNBUFFERED``),
    and then every write would be a system call."""

    def __init__(self, out: IO[str], size: int = 1 << 16) -> None:
        self.out = out
        self.size = size
        self.parts: list[str] = []
        self.length = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
        if self.length >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write("".join(self.parts))
            self.parts = []
            self.length = 0


def _texts(write: Any, name: str, items: Any) -> None:
    """A report section of rows already serialised as JSON text."""
    write(f'    "{name}": [')
    iterator = iter(items)
    first = True
    while batch := list(islice(iterator, 2000)):  # one write per 2,000 rows
        write(("," if not first else "") + "\n      " + ",\n      ".join(batch))
        first = False
    write("\n    ],\n")


def _rows(write: Any, name: str, items: Any, last: bool = False) -> None:
    """A report section of rows as dicts, encoded a thousand at a time (one C call each)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    write(f'    "{name}": [')
    iterator = iter(items)
    first = True
    while batch := list(islice(iterator, 1000)):
        # rows of a batch share a line: reformatting the text could touch string values
        write(("," if not first else "") + "\n      " + encode(batch)[1:-1])
        first = False
    write("\n    ]" + ("\n" if last else ",\n"))


def _networks(write: Any, fleet: Any) -> None:
    fleet.networks(consume=True)  # the endpoints are written: their memory goes to the networks
    _texts(write, "external_networks", fleet.stack_json("external_networks"))


def _listeners(write: Any, fleet: Any) -> None:
    _rows(write, "listeners", fleet.listener_rows())


Section = Callable[[Any, Any], None]


def _in_background(section: Section, fleet: Any) -> tuple[int, IO[str]] | None:
    """Write one section of the fleet view in a forked process, into a temporary file.

    The sections need nothing from each other: grouping a large fleet's endpoints by network,
    sorting the listeners and writing the endpoints run side by side.

    Returns:
        The process id and the file, or ``None`` where there is no fork.
    """
    if not hasattr(os, "fork"):
        return None
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by the caller)
    try:
        pid = os.fork()
    except OSError:
        spool.close()
        return None
    if pid == 0:  # the child
        code = 1
        try:
            gathered = _Gathered(spool)
            section(gathered.write, fleet)
            gathered.flush()
            spool.flush()
            code = 0
        finally:
            os._exit(code)  # nothing inherited (buffers, temporary files) is flushed or removed
    return pid, spool


def _collect(background: tuple[int, IO[str]] | None, write: Any) -> bool:
    """Copy what a background section wrote; False if it failed (then write it here)."""
    if background is None:
        return False
    pid, spool = background
    with spool:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            return False
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            write(chunk)
    return True


def write_report_tail(
    out: IO[str], findings: Any, summary: dict[str, Any], fleet: Any, background: bool = False
) -> None:
    """Write ``findings``, ``summary`` and ``fleet`` of an analysis report, row by row.

    Args:
        out: where the report's opening and ``captures`` were already written.
        findings: the findings as blocks of JSON lines, most severe first.
        summary: the summary dict.
        fleet: a ``netnorm.analysis.audit.Fleet``; its stacks are streamed.
        background: write the network and listener stacks in other processes meanwhile
            (``--jobs`` above 1).
    """
    gathered = _Gathered(out)  # hundreds of thousands of small writes
    write = gathered.write
    networks = _in_background(_networks, fleet) if background else None
    listeners = _in_background(_listeners, fleet) if background else None
    write('  "findings": [')
    for i, block in enumerate(findings):
        # a block is JSON lines (each ends in a line break, and none holds a raw one)
        write(("," if i else "") + "\n    " + block[:-1].replace("\n", ",\n    "))
    write("\n  ],\n")
    write('  "summary": ' + json.dumps(summary, indent=2).replace("\n", "\n  ") + ",\n")
    write('  "fleet": {\n')
    _texts(write, "external_endpoints", fleet.stack_json("external_endpoints"))
    if not _collect(networks, write):
        _networks(write, fleet)
    if not _collect(listeners, write):
        _listeners(write, fleet)
    _rows(write, "hosts", fleet.host_rows(), last=True)
    write("  }\n}\n")
    gathered.flush()
