"""Classify addresses with netnorm's own range table (see ``ranges.py``) and compute reach."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from socket import AF_INET, AF_INET6, inet_pton
from typing import Any

from netnorm.analysis.ranges import IPV4, IPV6
from netnorm.model.enums import Reach, Scope

_IPV4 = tuple(
    (int(n.network_address), int(n.broadcast_address), scope)
    for n, scope in ((ipaddress.IPv4Network(net), scope) for net, scope, _ in IPV4)
)
_IPV6 = tuple(
    (int(n.network_address), int(n.broadcast_address), scope)
    for n, scope in ((ipaddress.IPv6Network(net), scope) for net, scope, _ in IPV6)
)
_NAT64 = int(ipaddress.IPv6Address("64:ff9b::"))
_SIXTOFOUR = int(ipaddress.IPv6Address("2002::"))

#: Scopes whose peers count as inside the organisation.
INTERNAL_SCOPES = frozenset(
    {Scope.PRIVATE, Scope.LINK_LOCAL, Scope.SHARED, Scope.UNIQUE_LOCAL, Scope.INTERNAL}
)
#: Scopes a configured internal network may override: public or unroutable space.
OVERRIDABLE = frozenset({Scope.GLOBAL, Scope.DOCUMENTATION, Scope.RESERVED})


def _v4(value: int) -> Scope:
    for start, end, scope in _IPV4:
        if start <= value <= end:
            return scope
    return Scope.GLOBAL


@lru_cache(maxsize=16384)
def address_scope(address: str) -> Scope:
    """The scope of a canonical IP address (IPv4-mapped, NAT64 and 6to4 use the IPv4 inside).

    Raises:
        ValueError: ``address`` is not an IP address.
    """
    # inet_pton, not ipaddress: this runs once per distinct peer of a capture, and is as
    # strict (no leading zeros, no short IPv4 forms)
    text = address.split("%", 1)[0]
    try:
        if ":" not in text:
            return _v4(int.from_bytes(inet_pton(AF_INET, text), "big"))
        value = int.from_bytes(inet_pton(AF_INET6, text), "big")
    except OSError:
        raise ValueError(f"{address!r} is not an IP address") from None
    for start, end, scope in _IPV6:
        if start <= value <= end:
            if scope is not None:
                return scope
            if start == _SIXTOFOUR:
                embedded = _v4((value >> 80) & 0xFFFFFFFF)
                return Scope.GLOBAL if embedded is Scope.GLOBAL else Scope.RESERVED
            if start == _NAT64:
                return _v4(value & 0xFFFFFFFF)
            return _v4(value & 0xFFFFFFFF)  # IPv4-mapped
    return Scope.RESERVED


class Classifier:
    """Scopes and reach for one analysis run, with the configured internal networks."""

    def __init__(self, internal: Iterable[str] = (), files: Iterable[str] = ()) -> None:
        from netnorm.analysis.netset import network_set

        self.internal = network_set(tuple(internal), tuple(files), "internal network list")

    def scope(self, endpoint: dict[str, Any]) -> Scope:
        """The scope of an endpoint dict (``unknown`` for names and possibly cut fields)."""
        address = endpoint["address"]
        if address is None:
            return Scope.UNKNOWN if endpoint["host"] is not None else Scope.UNSPECIFIED
        if endpoint["truncated"]:
            return Scope.UNKNOWN
        scope = address_scope(address)
        if self.internal and scope in OVERRIDABLE and self.internal.contains(address):
            return Scope.INTERNAL
        return scope

    def reach(
        self,
        state: str | None,
        remote: dict[str, Any],
        remote_scope: Scope,
        own_addresses: frozenset[str],
    ) -> Reach:
        """Where a connection goes: see ``Reach``."""
        if state in ("LISTEN", "BOUND") or remote_scope is Scope.UNSPECIFIED:
            return Reach.NONE
        if remote_scope is Scope.LOOPBACK or remote["address"] in own_addresses:
            return Reach.SELF
        if remote_scope in INTERNAL_SCOPES:
            return Reach.INTERNAL
        if remote_scope is Scope.GLOBAL:
            return Reach.EXTERNAL
        if remote_scope in (Scope.MULTICAST, Scope.BROADCAST):
            return Reach.INTERNAL
        return Reach.UNKNOWN


def validate_networks(networks: Iterable[str]) -> list[str]:
    """Check CIDR strings (a million of them take a second or two); return them stripped.

    Raises:
        ValueError: one of them is not a network.
    """
    from netnorm.analysis.netset import network_set

    checked = [network.strip() for network in networks]
    network_set(tuple(checked))  # built once and kept for the run's Classifier
    return checked
