"""The JSON document of ``netnorm analyze``: its closing sections, streamed row by row."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from itertools import islice
from typing import IO, Any

from netnorm.render.safe import json_compact, json_text


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
            self.out.write(json_text("".join(self.parts)))
            self.parts = []
            self.length = 0


def _texts(write: Any, name: str, items: Any) -> None:
    """A report section of rows already serialised as JSON text."""
    write(f'"{name}":[')
    iterator = iter(items)
    first = True
    while batch := list(islice(iterator, 2000)):  # one write per 2,000 rows
        write(("," if not first else "") + ",".join(batch))
        first = False
    write("],")


def _rows(write: Any, name: str, items: Any, last: bool = False) -> None:
    """A report section of rows as dicts, encoded a thousand at a time (one C call each)."""
    write(f'"{name}":[')
    iterator = iter(items)
    first = True
    while batch := list(islice(iterator, 1000)):
        write(("," if not first else "") + json_compact(batch)[1:-1])
        first = False
    write("]" if last else "],")


def _networks(write: Any, fleet: Any) -> None:
    fleet.networks(consume=True)  # the endpoints are written: their memory goes to the networks
    _texts(write, "external_networks", fleet.stack_json("external_networks"))
    _texts(write, "external_wide_networks", fleet.stack_json("external_wide_networks"))


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
    # a lone surrogate (a file name that is not UTF-8) becomes its JSON escape
    spool = tempfile.TemporaryFile(  # noqa: SIM115 (closed by the caller)
        "w+", encoding="utf-8", errors="backslashreplace"
    )
    try:
        pid = os.fork()
    except OSError:
        spool.close()
        return None
    if pid == 0:  # the child
        from netnorm.signals import as_worker

        as_worker()
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
    write('"findings":[')
    for i, block in enumerate(findings):
        # a block is JSON lines (each ends in a line break, and none holds a raw one)
        write(("," if i else "") + block[:-1].replace("\n", ","))
    write("],")
    write('"summary":' + json_compact(summary) + ",")
    write('"fleet":{')
    _texts(write, "external_endpoints", fleet.stack_json("external_endpoints"))
    if not _collect(networks, write):
        _networks(write, fleet)
    if not _collect(listeners, write):
        _listeners(write, fleet)
    _rows(write, "hosts", fleet.host_rows(), last=True)
    write("}}\n")
    gathered.flush()
