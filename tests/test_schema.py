"""The public schema: field names and order, and the records' JSON equal to pydantic's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netnorm.api import iter_items
from netnorm.model.schema import Capture, Connection, Endpoint
from netnorm.parsers.row import CONNECTION_FIELDS, as_dict
from netnorm.render.records import ENDPOINT_KEYS, TIMER_KEYS, dumps
from tests.conftest import sample_files, sample_id

CONTRACT_CONNECTION = {
    "protocol",
    "family",
    "local",
    "remote",
    "state",
    "state_raw",
    "pid",
    "process",
    "components",
    "owner_note",
    "recv_q",
    "send_q",
    "user",
    "inode",
    "timer",
    "line",
}
CONTRACT_ENDPOINT = {"address", "port", "host", "service", "zone", "truncated"}
CONTRACT_CAPTURE = {
    "source",
    "platform",
    "tool",
    "host",
    "captured_at",
    "locale",
    "encoding",
    "options",
    "connections",
    "unix_sockets",
    "diagnostics",
}


def test_contract_names_are_present() -> None:
    assert set(Connection.model_fields) >= CONTRACT_CONNECTION
    assert set(Endpoint.model_fields) >= CONTRACT_ENDPOINT
    assert set(Capture.model_fields) >= CONTRACT_CAPTURE


def test_row_order_is_model_order() -> None:
    assert tuple(Connection.model_fields) == CONNECTION_FIELDS


def test_csv_nested_keys_are_model_order() -> None:
    from netnorm.model.schema import Timer

    assert tuple(Endpoint.model_fields) == ENDPOINT_KEYS
    assert tuple(Timer.model_fields) == TIMER_KEYS


@pytest.mark.parametrize("path", sample_files(), ids=sample_id)
def test_fast_json_equals_pydantic(path: Path) -> None:
    _, items = iter_items(path)
    rows = [row for kind, batch, _cap in items if kind == "connection" for row in batch]
    for row in rows:
        fast = json.loads(dumps(row))
        model = Connection.model_validate(as_dict(row))
        assert fast == json.loads(model.model_dump_json())
        assert list(fast) == list(CONNECTION_FIELDS)


def test_state_enum_values() -> None:
    from netnorm.model.enums import TcpState

    assert [s.value for s in TcpState] == [
        "LISTEN",
        "SYN_SENT",
        "SYN_RECEIVED",
        "ESTABLISHED",
        "FIN_WAIT_1",
        "FIN_WAIT_2",
        "CLOSE_WAIT",
        "CLOSING",
        "LAST_ACK",
        "TIME_WAIT",
        "CLOSED",
        "DELETE_TCB",
        "BOUND",
        "UNKNOWN",
    ]


def test_schema_doc_is_current() -> None:
    from netnorm.model.docs import schema_markdown
    from tests.conftest import TESTS

    doc = (TESTS.parent / "docs" / "schema.md").read_text(encoding="utf-8")
    assert doc == schema_markdown(), "run: python -m netnorm.model.docs > docs/schema.md"
