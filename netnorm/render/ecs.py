"""Elastic Common Schema (ECS 8.x) documents: one per connection, one alert per finding.

What ECS has a field for goes there; the rest of a connection (its TCP state, scopes, reach, line
and capture) goes under ``netnorm.*``. Host-based data uses ``network.direction`` ``ingress`` and
``egress`` (ECS's own advice): ``inbound`` becomes ``ingress``, ``outbound`` ``egress``, a
connection with both ends on the host ``internal``. For an outbound connection the host is the
source; for an inbound one the peer is. A listener, or a socket with no peer, has a source only.
"""

from __future__ import annotations

from typing import Any

from netnorm.render.siem import UNSPECIFIED, netnorm_fields, process_of, source_first, waiting

#: ``network.iana_number`` (a keyword in ECS) by protocol.
IANA_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "sctp": "132", "udplite": "136"}
#: ``network.direction`` by netnorm ``direction``.
DIRECTIONS = {
    "inbound": "ingress",
    "outbound": "egress",
    "local": "internal",
    "unknown": "unknown",
}
#: ``event.severity`` by finding severity.
SEVERITIES = {"info": 1, "low": 2, "medium": 3, "high": 4}


def _endpoint(ep: dict[str, Any]) -> dict[str, Any] | None:
    """An ECS ``source``/``destination`` object, or ``None`` for an end with nothing in it."""
    address, host, port = ep["address"], ep["host"], ep["port"]
    if (address is None or address in UNSPECIFIED) and host in (None, "*") and port is None:
        return None
    out: dict[str, Any] = {}
    if address is not None and not ep.get("truncated"):
        out["ip"] = address
    shown = address if address is not None else host
    if shown is not None:
        out["address"] = shown
    if host is not None and host != "*":
        out["domain"] = host
    if port is not None:
        out["port"] = port
    return out or None


def connection(row: dict[str, Any], capture: dict[str, Any]) -> dict[str, Any]:
    """The ECS document of one connection.

    Args:
        row: a connection record (with ``reach`` and ``direction`` when analysed).
        capture: ``source``, ``capture``, ``platform``, ``host`` and ``captured_at`` of its
            capture (``captured_at`` may be missing: then the document has no ``@timestamp``).
    """
    local, remote = _endpoint(row["local"]), _endpoint(row["remote"])
    direction = row.get("direction")
    waits = waiting(row)
    source, destination = source_first(row, local, remote)
    if waits:
        source, destination = local, None
    doc: dict[str, Any] = {}
    if capture.get("captured_at"):
        doc["@timestamp"] = capture["captured_at"]
    doc["event"] = {
        "kind": "state",
        "category": ["network"],
        "type": ["info"] if waits else ["connection"],
        "module": "netnorm",
        "dataset": "netnorm.connection",
    }
    if source is not None:
        doc["source"] = source
    if destination is not None:
        doc["destination"] = destination
    network: dict[str, Any] = {"transport": row["protocol"]}
    if row["family"] is not None:
        network["type"] = row["family"]
    if row["protocol"] in IANA_NUMBERS:
        network["iana_number"] = IANA_NUMBERS[row["protocol"]]
    if direction in DIRECTIONS:
        network["direction"] = DIRECTIONS[direction]
    doc["network"] = network
    process = process_of(row)
    if process:
        doc["process"] = process
    if row.get("user"):
        doc["user"] = {"name": str(row["user"])}
    if capture.get("host"):
        doc["host"] = {"name": capture["host"]}
    ips = [
        ep["ip"]
        for ep in (local, remote)
        if ep is not None and "ip" in ep and ep["ip"] not in UNSPECIFIED
    ]
    if ips:
        doc["related"] = {"ip": sorted(set(ips))}
    doc["netnorm"] = {
        **netnorm_fields(row, capture),
        "direction": direction,
        "components": list(row["components"]),
    }
    return doc


def finding(found: dict[str, Any], captured_at: str | None = None) -> dict[str, Any]:
    """The ECS alert document of one finding."""
    doc: dict[str, Any] = {}
    if captured_at:
        doc["@timestamp"] = captured_at
    doc["event"] = {
        "kind": "alert",
        "category": ["network"],
        "type": ["info"],
        "module": "netnorm",
        "dataset": "netnorm.finding",
        "severity": SEVERITIES[found["severity"]],
    }
    doc["rule"] = {"id": found["rule"], "name": found["rule"].replace("-", " ")}
    doc["message"] = found["message"]
    if found.get("host"):
        doc["host"] = {"name": found["host"]}
    doc["netnorm"] = {
        "source": found["source"],
        "capture": found["capture"],
        "severity": found["severity"],
        "lines": found["lines"],
        "evidence": found["evidence"],
    }
    return doc
