"""Who opened each connection, seen from the captured host: ``Connection.direction``.

Three steps, the first that tells wins (docs/analysis.md, "Direction"):

1. **Listeners.** A connected socket whose local port is one the same capture listens on
   (same protocol) was accepted: ``inbound``. Both ends on this host: ``local``.
2. **Ports.** A local port in the platform's ephemeral range facing a remote port outside it
   is a client's: ``outbound``; the other way round, a server's: ``inbound``. A well-known
   local port (below 1024) facing a higher remote one is a server's too.
3. Otherwise ``unknown``. Listeners and unconnected sockets (no remote port) get none.
"""

from __future__ import annotations

from typing import Any

#: The ports the kernel hands out to clients: IANA's dynamic range (Windows, macOS, FreeBSD
#: since 7.0) and Linux's default ``net.ipv4.ip_local_port_range``.
EPHEMERAL: dict[str, tuple[int, int]] = {
    "linux": (32768, 60999),
    "windows": (49152, 65535),
    "macos": (49152, 65535),
    "freebsd": (49152, 65535),
}
#: Ports below this are the well-known (system) ports, held by services.
WELL_KNOWN = 1024


def listening(conn: dict[str, Any]) -> bool:
    state = conn["state"]
    return state == "LISTEN" or (state is None and conn["remote"]["port"] is None)


def direction(
    conn: dict[str, Any], listened: set[tuple[str, int | None]], low: int, high: int
) -> str | None:
    """The direction of one connection (see the module docstring)."""
    local_port, remote_port = conn["local"]["port"], conn["remote"]["port"]
    if listening(conn) or remote_port is None or conn["state"] == "BOUND":
        return None
    if conn["reach"] == "self":
        return "local"
    if (conn["protocol"], local_port) in listened:
        return "inbound"
    if local_port is None:
        return "unknown"
    local_ephemeral = low <= local_port <= high
    remote_ephemeral = low <= remote_port <= high
    if local_ephemeral and not remote_ephemeral:
        return "outbound"
    if remote_ephemeral and not local_ephemeral:
        return "inbound"
    if local_port < WELL_KNOWN <= remote_port:
        return "inbound"
    if remote_port < WELL_KNOWN <= local_port:
        return "outbound"
    return "unknown"
