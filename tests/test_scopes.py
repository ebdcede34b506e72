"""Address scopes from netnorm's own IANA table, and reach."""

from __future__ import annotations

import ipaddress

import pytest

from netnorm.analysis.ranges import IPV4, IPV6
from netnorm.analysis.scopes import Classifier, address_scope
from netnorm.model.enums import Reach, Scope

# the cases the analysis issue names, with the verdict netnorm promises
NAMED = [
    ("100.64.0.1", Scope.SHARED),
    ("192.0.0.8", Scope.RESERVED),
    ("192.0.2.1", Scope.DOCUMENTATION),
    ("2002::1", Scope.RESERVED),  # 6to4 of 0.0.0.0: nothing routable inside
    ("2001:db8::1", Scope.DOCUMENTATION),
    ("::ffff:127.0.0.1", Scope.LOOPBACK),
    ("fe80::1%eth0", Scope.LINK_LOCAL),
    ("169.254.1.1", Scope.LINK_LOCAL),
    ("255.255.255.255", Scope.BROADCAST),
    ("224.0.0.251", Scope.MULTICAST),
    ("ff02::fb", Scope.MULTICAST),
    ("0.0.0.0", Scope.UNSPECIFIED),
    ("::", Scope.UNSPECIFIED),
    ("8.8.8.8", Scope.GLOBAL),
    ("2606:4700::1111", Scope.GLOBAL),
    # beyond the named cases
    ("::ffff:8.8.8.8", Scope.GLOBAL),
    ("::ffff:10.1.2.3", Scope.PRIVATE),
    ("2002:808:808::1", Scope.GLOBAL),
    ("64:ff9b::10.0.0.1", Scope.PRIVATE),
    ("192.0.0.9", Scope.GLOBAL),
    ("fd12:3456::1", Scope.UNIQUE_LOCAL),
    ("4000::1", Scope.RESERVED),
]


@pytest.mark.parametrize(("address", "scope"), NAMED, ids=[a for a, _ in NAMED])
def test_named_addresses(address: str, scope: Scope) -> None:
    assert address_scope(address) is scope


def _probe(table: tuple[tuple[str, Scope | None, str], ...], index: int) -> str:
    """An address of row ``index`` that no earlier (more specific) row claims."""
    net = ipaddress.ip_network(table[index][0])
    earlier = [ipaddress.ip_network(row[0]) for row in table[:index]]
    size = net.num_addresses
    for offset in (0, 1, size // 2, size - 2, size - 1):
        if 0 <= offset < size:
            address = net.network_address + offset
            if not any(address in e for e in earlier):
                return str(address)
    raise AssertionError(f"row {table[index][0]} is fully shadowed by earlier rows")


@pytest.mark.parametrize("index", range(len(IPV4)), ids=[n for n, _, _ in IPV4])
def test_every_ipv4_row(index: int) -> None:
    assert address_scope(_probe(IPV4, index)) is IPV4[index][1], IPV4[index][2]


@pytest.mark.parametrize("index", range(len(IPV6)), ids=[n for n, _, _ in IPV6])
def test_every_ipv6_row(index: int) -> None:
    scope = IPV6[index][1]
    if scope is None:
        pytest.skip("classified by the embedded IPv4 address; covered by NAMED")
    assert address_scope(_probe(IPV6, index)) is scope, IPV6[index][2]


def _ep(address: str | None, host: str | None = None, truncated: bool = False) -> dict[str, object]:
    return {
        "address": address,
        "port": 1,
        "host": host,
        "service": None,
        "zone": None,
        "truncated": truncated,
        "scope": None,
    }


def test_names_and_cut_addresses_are_unknown() -> None:
    c = Classifier()
    assert c.scope(_ep(None, host="lb-140-82-114-25-")) is Scope.UNKNOWN
    assert c.scope(_ep("::ffff:85.222.7.1", truncated=True)) is Scope.UNKNOWN
    assert c.scope(_ep(None)) is Scope.UNSPECIFIED


def test_configured_internal_network() -> None:
    c = Classifier(["140.82.112.0/20"])
    assert c.scope(_ep("140.82.114.4")) is Scope.INTERNAL
    assert c.scope(_ep("::ffff:140.82.114.4")) is Scope.INTERNAL
    assert c.scope(_ep("8.8.8.8")) is Scope.GLOBAL
    assert c.scope(_ep("10.0.0.1")) is Scope.PRIVATE


@pytest.mark.parametrize(
    ("state", "remote", "own", "reach"),
    [
        ("LISTEN", _ep("0.0.0.0"), set(), Reach.NONE),
        ("BOUND", _ep("0.0.0.0"), set(), Reach.NONE),
        (None, _ep(None), set(), Reach.NONE),
        ("ESTABLISHED", _ep("127.0.0.1"), set(), Reach.SELF),
        ("ESTABLISHED", _ep("10.0.0.5"), {"10.0.0.5"}, Reach.SELF),
        ("ESTABLISHED", _ep("10.0.0.6"), {"10.0.0.5"}, Reach.INTERNAL),
        ("ESTABLISHED", _ep("100.64.1.1"), set(), Reach.INTERNAL),
        ("ESTABLISHED", _ep("fe80::1"), set(), Reach.INTERNAL),
        ("ESTABLISHED", _ep("8.8.8.8"), set(), Reach.EXTERNAL),
        ("ESTABLISHED", _ep(None, host="example"), set(), Reach.UNKNOWN),
        ("ESTABLISHED", _ep("203.0.113.9"), set(), Reach.UNKNOWN),
    ],
)
def test_reach(state: str | None, remote: dict[str, object], own: set[str], reach: Reach) -> None:
    c = Classifier()
    assert c.reach(state, remote, c.scope(remote), frozenset(own)) is reach
