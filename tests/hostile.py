"""Helpers for the hostile-input tests: account for every line of an input."""

from __future__ import annotations

import io

from netnorm.decode import open_lines
from netnorm.parsers.stream import Event, Reader


def account(data: bytes) -> tuple[set[int], dict[str, set[int]]]:
    """Parse ``data`` and say what became of each line.

    Returns:
        The numbers of the non-blank lines, and the line numbers of the records, structural
        lines and diagnostics.
    """
    _, lines = open_lines(io.BytesIO(data), "<test>")
    numbered = list(lines)
    nonblank = {n for n, text in numbered if text.strip()}
    reader = Reader("<test>")
    reader.structural = []
    seen: dict[str, set[int]] = {"records": set(), "structural": set(), "diagnostics": set()}
    for kind, payload, _cap in reader.read(iter(numbered)):
        if kind == Event.CONNECTION:
            seen["records"].update(row[-1] for row in payload)
        elif kind == Event.UNIX:
            seen["records"].add(payload["line"])
        elif kind == Event.DIAGNOSTIC and payload["line"] is not None:
            seen["diagnostics"].add(payload["line"])
    seen["structural"] = set(reader.structural)
    return nonblank, seen
