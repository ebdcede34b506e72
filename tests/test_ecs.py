"""``--format ecs``: Elastic Common Schema documents, checked against the ECS field definitions
of the fields they use and against golden files.

``NETNORM_UPDATE_GOLDENS=1 python -m pytest tests/test_ecs.py`` rewrites the golden files.
"""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import TESTS
from tests.test_hardening import netnorm

GOLDEN = TESTS / "ecs"

#: The ECS 8.x definitions (name and type, from the ECS field reference) of every field netnorm
#: writes outside ``netnorm.*``. ``network.iana_number`` is a keyword in ECS, not a number.
ECS_FIELDS = {
    "@timestamp": "date",
    "message": "match_only_text",
    "event.kind": "keyword",
    "event.category": "keyword",
    "event.type": "keyword",
    "event.module": "keyword",
    "event.dataset": "keyword",
    "event.severity": "long",
    "source.ip": "ip",
    "source.port": "long",
    "source.address": "keyword",
    "source.domain": "keyword",
    "destination.ip": "ip",
    "destination.port": "long",
    "destination.address": "keyword",
    "destination.domain": "keyword",
    "network.transport": "keyword",
    "network.type": "keyword",
    "network.iana_number": "keyword",
    "network.direction": "keyword",
    "process.pid": "long",
    "process.name": "keyword",
    "user.name": "keyword",
    "host.name": "keyword",
    "related.ip": "ip",
    "rule.id": "keyword",
    "rule.name": "keyword",
}
#: The allowed values ECS lists for its categorization fields.
ALLOWED = {
    "event.kind": {"alert", "enrichment", "event", "metric", "state", "pipeline_error", "signal"},
    "event.category": {"network"},
    "event.type": {"connection", "info", "start", "end", "denied", "allowed", "protocol"},
    "network.direction": {"ingress", "egress", "inbound", "outbound", "internal", "external"}
    | {"unknown"},
}


def _leaves(doc: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if name == "netnorm":
            continue
        if isinstance(value, dict):
            found += _leaves(value, name + ".")
        else:
            found.append((name, value))
    return found


def _check(doc: dict[str, Any]) -> None:
    for name, value in _leaves(doc):
        assert name in ECS_FIELDS, f"{name} is no ECS field netnorm means to write"
        kind = ECS_FIELDS[name]
        values = value if isinstance(value, list) else [value]
        for item in values:
            if kind == "long":
                assert isinstance(item, int) and not isinstance(item, bool), name
            elif kind == "ip":
                ipaddress.ip_address(item)
            elif kind == "date":
                datetime.fromisoformat(item)
            else:
                assert isinstance(item, str), name
            if name in ALLOWED:
                assert item in ALLOWED[name], f"{name}: {item}"


def _documents(*args: str) -> list[dict[str, Any]]:
    done = netnorm(*args, cwd=TESTS.parent)  # paths relative to the project: the same anywhere
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


CASES = {
    "parse--windows-anob--owners": [
        "parse",
        "-f",
        "ecs",
        "tests/samples/windows/anob--owners.txt",
    ],
    "analyze--linux-anp--backdoor": [
        "analyze",
        "-f",
        "ecs",
        "--time",
        "2026-11-20T10:00:00",
        "--host",
        "web01",
        "tests/samples/linux/anp--backdoor.txt",
    ],
}


@pytest.mark.parametrize("case", list(CASES))
def test_documents_match_the_golden_file_and_ecs(case: str) -> None:
    docs = _documents(*CASES[case])
    for doc in docs:
        _check(doc)
    text = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in docs)
    golden = GOLDEN / f"{case}.jsonl"
    if os.environ.get("NETNORM_UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_direction_decides_source_and_destination() -> None:
    docs = _documents(*CASES["analyze--linux-anp--backdoor"])
    by_line = {d["netnorm"]["line"]: d for d in docs if d["event"]["kind"] == "state"}
    inbound = by_line[7]  # 10.1.2.50 -> sshd on 10.1.2.3:22
    assert inbound["network"]["direction"] == "ingress"
    assert inbound["source"]["ip"] == "10.1.2.50" and inbound["destination"]["port"] == 22
    outbound = by_line[8]  # bash -> 185.220.101.4:4444
    assert outbound["network"]["direction"] == "egress"
    assert outbound["source"]["ip"] == "10.1.2.3" and outbound["destination"]["port"] == 4444
    assert outbound["process"] == {"pid": 6661, "name": "bash"}
    assert outbound["host"] == {"name": "web01"}
    assert outbound["@timestamp"] == "2026-11-20T10:00:00+00:00"
    listener = by_line[5]
    assert listener["event"]["type"] == ["info"] and "destination" not in listener
    assert listener["source"]["port"] == 31337


def test_findings_are_alerts() -> None:
    docs = _documents(*CASES["analyze--linux-anp--backdoor"])
    alerts = [d for d in docs if d["event"]["kind"] == "alert"]
    assert {a["rule"]["id"] for a in alerts} >= {"suspicious-port", "shell-external"}
    medium = next(a for a in alerts if a["rule"]["id"] == "suspicious-port")
    assert medium["event"]["severity"] == 3 and medium["event"]["dataset"] == "netnorm.finding"
    assert medium["netnorm"]["lines"] and medium["message"]


def test_parse_and_analyze_agree_on_what_waits_for_peers() -> None:
    """A UDP socket without a peer is ``info`` in both: parse sets no reach to go by."""
    sample = "tests/samples/windows/anob--owners.txt"
    parsed = _documents("parse", "-f", "ecs", sample)
    analysed = [
        d for d in _documents("analyze", "-f", "ecs", sample) if d["event"]["kind"] == "state"
    ]
    assert [d["event"]["type"] for d in parsed] == [d["event"]["type"] for d in analysed]
    udp = [d for d in parsed if d["network"]["transport"] == "udp"]
    assert udp and all(d["event"]["type"] == ["info"] and "destination" not in d for d in udp)
