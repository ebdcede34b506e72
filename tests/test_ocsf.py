"""``analyze --format ocsf``: OCSF 1.7.0 Network Activity events, validated with the models that
pydantic-ocsf builds from the official OCSF schema, and against a golden file.

pydantic-ocsf accepts attributes it does not know and does not check OCSF's own types (``ip_t``,
``port_t``), so this test also walks each event: every attribute must be one the schema
declares, and addresses and ports must be what their types say.
"""

from __future__ import annotations

import ipaddress
import json
import os
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from tests.conftest import TESTS
from tests.test_hardening import netnorm

ocsf_events = pytest.importorskip("ocsf.v1_7_0.events")
ocsf_objects = pytest.importorskip("ocsf.v1_7_0.objects")
NetworkActivity = ocsf_events.NetworkActivity
#: Attributes of OCSF's host profile, which pydantic-ocsf leaves out of the event classes.
HOST_PROFILE = {"actor": ocsf_objects.Actor, "device": ocsf_objects.Device}

ARGS = [
    "analyze",
    "-f",
    "ocsf",
    "--time",
    "2026-11-20T10:00:00",
    "--host",
    "web01",
    "tests/samples/linux/anp--backdoor.txt",
]


def _events() -> list[dict[str, Any]]:
    done = netnorm(*ARGS, cwd=TESTS.parent)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X | None``, ``list[X]`` and the like, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _declared(model: type[BaseModel], doc: dict[str, Any], path: str = "") -> list[str]:
    """Attributes of ``doc`` that ``model`` does not declare (``unmapped`` holds anything)."""
    names = {f.alias or name: f for name, f in model.model_fields.items()}
    unknown = []
    for key, value in doc.items():
        if key not in names:
            unknown.append(path + key)
            continue
        inner = _model_of(names[key].annotation)
        if key != "unmapped" and inner is not None and isinstance(value, dict):
            unknown += _declared(inner, value, f"{path}{key}.")
    return unknown


def test_events_validate_against_the_ocsf_schema() -> None:
    events = _events()
    assert len(events) == 12
    for event in events:
        core = {k: v for k, v in event.items() if k not in HOST_PROFILE}
        NetworkActivity.model_validate(core)
        assert _declared(NetworkActivity, core) == []
        for name, model in HOST_PROFILE.items():
            if name in event:
                assert "host" in event["metadata"]["profiles"]
                model.model_validate(event[name])
                assert _declared(model, event[name]) == []
        assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
        for side in ("src_endpoint", "dst_endpoint"):
            if side in event:
                ipaddress.ip_address(event[side]["ip"])
                assert 0 <= event[side]["port"] <= 65535


def test_activity_boundary_and_direction() -> None:
    by_line = {e["unmapped"]["netnorm"]["line"]: e for e in _events()}
    listener = by_line[5]  # .x on 0.0.0.0:31337
    assert listener["activity_id"] == 7 and "dst_endpoint" not in listener
    outbound = by_line[8]  # bash -> 185.220.101.4:4444
    assert outbound["activity_id"] == 6
    assert outbound["connection_info"]["direction_id"] == 2
    assert outbound["connection_info"]["boundary_id"] == 3
    assert outbound["actor"]["process"] == {"pid": 6661, "name": "bash"}
    assert outbound["time"] == 1795168800000  # 2026-11-20T10:00:00Z in milliseconds
    inbound = by_line[7]  # 10.1.2.50 -> sshd on 10.1.2.3:22
    assert inbound["connection_info"]["direction_id"] == 1
    assert inbound["connection_info"]["boundary_id"] == 2
    assert inbound["src_endpoint"]["ip"] == "10.1.2.50"
    closing = by_line[11]  # TIME_WAIT
    assert closing["activity_id"] == 2


def test_events_match_the_golden_file() -> None:
    text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in _events())
    golden = TESTS / "ecs" / "analyze--linux-anp--backdoor.ocsf.jsonl"
    if os.environ.get("NETNORM_UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_the_walk_catches_an_attribute_the_schema_lacks() -> None:
    assert _declared(NetworkActivity, {"class_uid": 4001, "nonsense": 1}) == ["nonsense"]
    nested = {"connection_info": {"boundary_id": 3, "made_up": 1}}
    assert _declared(NetworkActivity, nested) == ["connection_info.made_up"]
