"""What the ECS and OCSF documents of a connection share: its owner, which end is the source,
and the netnorm fields neither schema has a place for."""

from __future__ import annotations

from typing import Any, TypeVar

#: Addresses that stand for every interface: an end with one of them and no name is no peer.
UNSPECIFIED = frozenset({"0.0.0.0", "::"})

End = TypeVar("End")
#: States of sockets that wait for peers rather than talk to one.
WAITING_STATES = frozenset({"LISTEN", "BOUND"})


def has_peer(row: dict[str, Any]) -> bool:
    """True when the remote end names a peer (an address other than 0.0.0.0 or ::, or a name)."""
    remote = row["remote"]
    address = remote["address"]
    return (address is not None and address not in UNSPECIFIED) or remote["host"] not in (
        None,
        "*",
    )


def waiting(row: dict[str, Any]) -> bool:
    """True for a socket that waits for peers: a listener, a bound socket, or a socket without
    a state (UDP, raw) and without a peer. Read from the row alone, so that ``parse`` (which
    sets no reach) and ``analyze`` say the same."""
    return row["state"] in WAITING_STATES or (row["state"] is None and not has_peer(row))


def source_first(row: dict[str, Any], local: End, remote: End) -> tuple[End, End]:
    """(source, destination): the peer opened an inbound connection, the host any other."""
    return (remote, local) if row.get("direction") == "inbound" else (local, remote)


def process_of(row: dict[str, Any]) -> dict[str, Any]:
    """``pid`` and ``name`` of the connection's owner, as far as the capture shows them."""
    process: dict[str, Any] = {}
    if row["pid"] is not None:
        process["pid"] = row["pid"]
    if row["process"]:
        process["name"] = row["process"]
    return process


def netnorm_fields(row: dict[str, Any], capture: dict[str, Any]) -> dict[str, Any]:
    """The connection's netnorm fields that neither ECS nor OCSF has: where it was read, its
    state as canonical and printed, its reach and the scopes of its ends."""
    return {
        "source": capture["source"],
        "capture": capture["capture"],
        "platform": capture["platform"],
        "line": row["line"],
        "state": row["state"],
        "state_raw": row["state_raw"],
        "reach": row.get("reach"),
        "scope": {"local": row["local"]["scope"], "remote": row["remote"]["scope"]},
    }
