"""Connection rows as the parsers produce them: flat lists in the field order of ``Connection``.

A list costs a fraction of a dict to build, which matters at hundreds of thousands of rows; the
JSONL and CSV writers read the positions directly, and ``as_dict`` gives the dict that the pydantic
model validates. ``tests/test_schema.py`` checks that the field order matches the model.
"""

from __future__ import annotations

from typing import Any

CONNECTION_FIELDS = (
    "protocol",
    "family",
    "local",
    "remote",
    "reach",
    "state",
    "state_raw",
    "pid",
    "process",
    "process_truncated",
    "components",
    "owner_note",
    "recv_q",
    "send_q",
    "user",
    "inode",
    "security_context",
    "timer",
    "line",
)

(
    PROTOCOL,
    FAMILY,
    LOCAL,
    REMOTE,
    REACH,
    STATE,
    STATE_RAW,
    PID,
    PROCESS,
    PROCESS_TRUNCATED,
    COMPONENTS,
    OWNER_NOTE,
    RECV_Q,
    SEND_Q,
    USER,
    INODE,
    SECURITY_CONTEXT,
    TIMER,
    LINE,
) = range(len(CONNECTION_FIELDS))

Row = list[Any]


def as_dict(row: Row) -> dict[str, Any]:
    """The row as a JSON-ready dict with the model's field names (endpoints are shared dicts)."""
    d = dict(zip(CONNECTION_FIELDS, row, strict=True))
    d["components"] = list(row[COMPONENTS])
    return d
