"""OCSF 1.7.0 Network Activity events (class_uid 4001), one per connection.

``activity_id`` comes from the TCP state: 7 Listen (LISTEN, BOUND, and a UDP socket without a
peer), 6 Traffic (ESTABLISHED, a UDP socket with a peer), 1 Open (SYN_SENT, SYN_RECEIVED),
2 Close (FIN_WAIT_1 and the other closing states), 99 Other (a word no table knows).
``connection_info.boundary_id`` comes from reach: 1 Localhost (self), 2 Internal, 3 External;
``direction_id`` from direction: 1 Inbound, 2 Outbound, 4 Local. For an inbound connection the
peer is ``src_endpoint``. What OCSF has no attribute for (the TCP state, scopes, the line and
capture) is under ``unmapped.netnorm``. ``actor`` (the owning process and user) and ``device``
(the host) are attributes of OCSF's host profile, which ``metadata.profiles`` then names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from netnorm.render.siem import netnorm_fields, process_of, source_first, waiting

OCSF_VERSION = "1.7.0"
CLASS_UID = 4001  # Network Activity
CATEGORY_UID = 4  # Network Activity

LISTEN, TRAFFIC, OPEN, CLOSE, OTHER = 7, 6, 1, 2, 99
ACTIVITIES = {
    "LISTEN": LISTEN,
    "BOUND": LISTEN,
    "ESTABLISHED": TRAFFIC,
    "SYN_SENT": OPEN,
    "SYN_RECEIVED": OPEN,
    "FIN_WAIT_1": CLOSE,
    "FIN_WAIT_2": CLOSE,
    "CLOSE_WAIT": CLOSE,
    "CLOSING": CLOSE,
    "LAST_ACK": CLOSE,
    "TIME_WAIT": CLOSE,
    "CLOSED": CLOSE,
    "DELETE_TCB": CLOSE,
}
ACTIVITY_NAMES = {
    LISTEN: "Listen",
    TRAFFIC: "Traffic",
    OPEN: "Open",
    CLOSE: "Close",
    OTHER: "Other",
}
BOUNDARIES = {"self": 1, "internal": 2, "external": 3}
DIRECTIONS = {"inbound": 1, "outbound": 2, "local": 4}
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "sctp": 132, "udplite": 136}


def _endpoint(ep: dict[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if ep["address"] is not None and not ep.get("truncated"):
        out["ip"] = ep["address"]
    if ep["host"] is not None and ep["host"] != "*":
        out["hostname"] = ep["host"]
    if ep["port"] is not None:
        out["port"] = ep["port"]
    if ep.get("service"):
        out["svc_name"] = ep["service"]
    return out or None


def _activity(row: dict[str, Any]) -> int:
    if waiting(row):
        return LISTEN
    state = row["state"]
    return TRAFFIC if state is None else ACTIVITIES.get(state, OTHER)  # None: UDP with a peer


def _milliseconds(stamp: str | None) -> int:
    if not stamp:
        return 0
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


def network_activity(row: dict[str, Any], capture: dict[str, Any], version: str) -> dict[str, Any]:
    """The OCSF Network Activity event of one analysed connection.

    Args:
        row: a connection record with ``reach`` and ``direction``.
        capture: ``source``, ``capture``, ``platform``, ``host`` and ``captured_at``.
        version: netnorm's version, for ``metadata.product``.
    """
    local, remote = _endpoint(row["local"]), _endpoint(row["remote"])
    activity = _activity(row)
    src, dst = source_first(row, local, remote)
    event: dict[str, Any] = {
        "class_uid": CLASS_UID,
        "class_name": "Network Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "Network Activity",
        "activity_id": activity,
        "activity_name": ACTIVITY_NAMES[activity],
        "type_uid": CLASS_UID * 100 + activity,
        "severity_id": 1,
        "severity": "Informational",
        "time": _milliseconds(capture.get("captured_at")),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "netnorm", "vendor_name": "netnorm", "version": version},
        },
    }
    if src is not None:
        event["src_endpoint"] = src
    if dst is not None and activity != LISTEN:
        event["dst_endpoint"] = dst
    info: dict[str, Any] = {"protocol_name": row["protocol"]}
    if row["protocol"] in PROTOCOL_NUMBERS:
        info["protocol_num"] = PROTOCOL_NUMBERS[row["protocol"]]
    if row["family"] is not None:
        info["protocol_ver_id"] = 4 if row["family"] == "ipv4" else 6
    info["direction_id"] = DIRECTIONS.get(row.get("direction") or "", 0)
    info["boundary_id"] = BOUNDARIES.get(row.get("reach") or "", 0)
    event["connection_info"] = info
    process = process_of(row)
    if process or row.get("user"):
        actor: dict[str, Any] = {}
        if process:
            actor["process"] = process
        if row.get("user"):
            actor["user"] = {"name": str(row["user"])}
        event["actor"] = actor
    if capture.get("host"):
        event["device"] = {"hostname": capture["host"], "type_id": 0}
    if "actor" in event or "device" in event:
        event["metadata"]["profiles"] = ["host"]  # actor and device come with the host profile
    event["unmapped"] = {"netnorm": netnorm_fields(row, capture)}
    return event
