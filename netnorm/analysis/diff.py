"""Compare two captures through the normalized schema: yesterday against today, or a Windows
host against a Linux one.

A connection's identity is (protocol, local address and port, remote address and port). A
listener's peer is left out of its identity, because Windows prints ``0.0.0.0:0`` where Linux
prints ``0.0.0.0:*``. With ``ignore_ephemeral``, identities use the service instead of the
ephemeral port: listeners by port, inbound connections by local port and peer address, outbound
ones by peer address and port.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

#: Fields compared for connections with the same identity. The PID is left out when matching
#: services across hosts (``ignore_ephemeral``), where it always differs.
COMPARED = ("state", "process", "pid")

Conn = dict[str, Any]


def _listening(conn: Conn) -> bool:
    return conn["state"] in ("LISTEN", "BOUND") or (
        conn["remote"]["address"] in (None, "0.0.0.0", "::") and conn["remote"]["host"] is None
    )


def identity(
    conn: Conn, listening_ports: set[tuple[str, Any]], ignore_ephemeral: bool
) -> tuple[Any, ...]:
    """The key two captures are matched on."""
    local, remote = conn["local"], conn["remote"]
    local_address = local["address"] or local["host"]
    remote_address = remote["address"] or remote["host"]
    if _listening(conn):
        if ignore_ephemeral:
            return (conn["protocol"], "listen", local["port"])
        return (conn["protocol"], "listen", local_address, local["port"])
    if not ignore_ephemeral:
        return (conn["protocol"], local_address, local["port"], remote_address, remote["port"])
    if (conn["protocol"], local["port"]) in listening_ports:
        return (conn["protocol"], "in", local["port"], remote_address)
    return (conn["protocol"], "out", remote_address, remote["port"])


def _index(conns: list[Conn], ignore_ephemeral: bool) -> dict[tuple[Any, ...], list[Conn]]:
    listening = {(c["protocol"], c["local"]["port"]) for c in conns if _listening(c)}
    index: dict[tuple[Any, ...], list[Conn]] = defaultdict(list)
    for conn in conns:
        index[identity(conn, listening, ignore_ephemeral)].append(conn)
    return index


def diff_connections(
    old: list[Conn], new: list[Conn], ignore_ephemeral: bool = False
) -> dict[str, Any]:
    """``{"added": [...], "removed": [...], "changed": [{"before", "after", "fields"}]}``."""
    before = _index(old, ignore_ephemeral)
    after = _index(new, ignore_ephemeral)
    added: list[Conn] = []
    removed: list[Conn] = []
    changed: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after), key=repr):
        olds, news = before.get(key, []), after.get(key, [])
        for a, b in zip(olds, news, strict=False):  # extra ones are added or removed
            fields = [
                f
                for f in COMPARED
                if a.get(f) != b.get(f) and not (f == "pid" and ignore_ephemeral)
            ]
            if fields:
                changed.append({"before": a, "after": b, "fields": fields})
        removed.extend(olds[len(news) :])
        added.extend(news[len(olds) :])
    return {"added": added, "removed": removed, "changed": changed}
