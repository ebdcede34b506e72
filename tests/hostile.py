"""Helpers for the hostile-input tests: account for every line of an input."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from netnorm.decode import open_lines
from netnorm.errors import NetnormError
from netnorm.parallel import SPOOLED
from netnorm.parsers.reader import Event, Item, Reader
from netnorm.render.records import JsonlWriter


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
            seen["records"].update(row["line"] for row in payload)
        elif kind == Event.UNIX:
            seen["records"].add(payload["line"])
        elif kind == Event.DIAGNOSTIC and payload["line"] is not None:
            seen["diagnostics"].add(payload["line"])
    seen["structural"] = set(reader.structural)
    return nonblank, seen


def jsonl_output(items: Iterable[Item], *, captures: bool = False) -> tuple[str, list[Any]]:
    """What the CLI's JSONL output of reader items holds: the text, and the diagnostics in
    order; with ``captures``, each finished capture's state among them (its options and
    counters). A ``NetnormError`` raised by the items is kept as its message."""
    out = io.StringIO()
    writer = JsonlWriter(out)
    seen: list[Any] = []
    try:
        for kind, payload, cap in items:
            if kind == Event.CONNECTION:
                writer.connections(payload, cap)
            elif kind == SPOOLED:
                writer.spooled(payload, cap)
            elif kind == Event.DIAGNOSTIC:
                seen.append(payload)
            elif kind == Event.CAPTURE and captures:
                seen.append((payload.options(), dict(vars(payload))))
    except NetnormError as exc:
        seen.append(str(exc))
    writer.flush()
    return out.getvalue(), seen


def model_problem(data: bytes) -> str | None:
    """Check the records of an input against the grammar and the model: each row line starts
    with one of its dialect's ``ROW_STARTS`` and passes its ``ROW.parse_string`` with the
    groups the hot path read, and each record
    validates as a ``Connection`` whose JSON is the record's. The first problem, or ``None``."""
    import json

    from netnorm.model.schema import Connection
    from netnorm.parsers.row import as_dict
    from netnorm.render.records import dumps

    _, lines = open_lines(io.BytesIO(data), "<test>")
    text = dict(lines)
    reader = Reader("<test>")
    try:
        for kind, payload, cap in reader.read(iter(text.items())):
            if kind != Event.CONNECTION:
                continue
            assert cap is not None
            dialect = cap.dialect_module()
            row_token = dialect.ROW
            for row in payload:
                line = text[row["line"]]
                if not line.strip().startswith(dialect.ROW_STARTS):
                    return f"line {row['line']}: a row that ROW_STARTS does not announce"
                fast = row_token.re.match(line)
                parsed = row_token.parse_string(line, parse_all=True)[0]
                if fast is None or parsed.groups() != fast.groups():
                    return f"line {row['line']}: ROW.parse_string differs from the hot path"
                model = Connection.model_validate(as_dict(row))
                if json.loads(dumps(row)) != json.loads(model.model_dump_json()):
                    return f"line {row['line']}: the record's JSON differs from the model's"
    except NetnormError:
        return None
    except Exception as exc:  # a validation error: the grammar let through what the model refuses
        return f"{type(exc).__name__}: {exc}"
    return None
