"""Connection records as the parsers produce them: one dict per row, built once.

The keys are the fields of ``Connection`` in model order (``tests/test_schema.py`` checks this),
so a record is serialised as it is: orjson for JSON and JSONL, the csv module for CSV, and
``Connection.model_validate`` for the library API. Endpoint dicts inside a record may be shared
between records and must be treated as read-only.
"""

from __future__ import annotations

from typing import Any

CONNECTION_FIELDS = (
    "protocol",
    "family",
    "local",
    "remote",
    "reach",
    "direction",
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
    "owners",
    "created_at",
    "pcb",
    "counters",
    "line",
)

#: A connection record: the fields of ``CONNECTION_FIELDS``, in that order.
Row = dict[str, Any]


def as_dict(row: Row) -> dict[str, Any]:
    """The record as the model's dict, with a list of components of its own."""
    d = dict(row)
    d["components"] = list(row["components"])
    d["owners"] = list(row["owners"])
    d["counters"] = dict(row["counters"])
    return d


_EMPTY: Row = dict.fromkeys(CONNECTION_FIELDS)
_EMPTY["process_truncated"] = False
_EMPTY["components"] = ()
_EMPTY["owners"] = ()
_EMPTY["counters"] = {}
#: A new record with every field empty, to fill: a copy and a few stores cost half as much as
#: a dict display of all the fields. Its ``components``, ``owners`` and ``counters`` are shared
#: and empty: a dialect that fills one gives the record one of its own.
new_row = _EMPTY.copy
