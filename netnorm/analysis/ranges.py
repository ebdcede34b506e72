"""netnorm's own copy of the IANA IPv4 and IPv6 special-purpose address registries.

The verdicts of Python's ``ipaddress.is_private`` / ``is_global`` changed between patch releases
(CVE-2024-4032 and related fixes), so netnorm never asks them. The tables below are versioned
data: change ``TABLE_VERSION`` with every edit, and keep one test per row
(``tests/test_scopes.py``).

Rows are ordered most specific first; the first row that contains an address decides.
"""

from __future__ import annotations

from netnorm.model.enums import Scope

TABLE_VERSION = "2026-11-28"

#: (network, scope, registry name). Exceptions that are globally reachable come first.
IPV4: tuple[tuple[str, Scope, str], ...] = (
    ("0.0.0.0/32", Scope.UNSPECIFIED, "This host on this network (RFC 1122)"),
    ("0.0.0.0/8", Scope.RESERVED, "This network (RFC 791)"),
    ("10.0.0.0/8", Scope.PRIVATE, "Private-Use (RFC 1918)"),
    ("100.64.0.0/10", Scope.SHARED, "Shared Address Space (RFC 6598)"),
    ("127.0.0.0/8", Scope.LOOPBACK, "Loopback (RFC 1122)"),
    ("169.254.0.0/16", Scope.LINK_LOCAL, "Link Local (RFC 3927)"),
    ("172.16.0.0/12", Scope.PRIVATE, "Private-Use (RFC 1918)"),
    ("192.0.0.9/32", Scope.GLOBAL, "Port Control Protocol Anycast (RFC 7723)"),
    ("192.0.0.10/32", Scope.GLOBAL, "Traversal Using Relays around NAT Anycast (RFC 8155)"),
    ("192.0.0.0/24", Scope.RESERVED, "IETF Protocol Assignments (RFC 6890)"),
    ("192.0.2.0/24", Scope.DOCUMENTATION, "Documentation TEST-NET-1 (RFC 5737)"),
    ("192.31.196.0/24", Scope.GLOBAL, "AS112-v4 (RFC 7535)"),
    ("192.52.193.0/24", Scope.GLOBAL, "AMT (RFC 7450)"),
    ("192.88.99.0/24", Scope.RESERVED, "Deprecated 6to4 Relay Anycast (RFC 7526)"),
    ("192.168.0.0/16", Scope.PRIVATE, "Private-Use (RFC 1918)"),
    ("192.175.48.0/24", Scope.GLOBAL, "Direct Delegation AS112 Service (RFC 7534)"),
    ("198.18.0.0/15", Scope.RESERVED, "Benchmarking (RFC 2544)"),
    ("198.51.100.0/24", Scope.DOCUMENTATION, "Documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", Scope.DOCUMENTATION, "Documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", Scope.MULTICAST, "Multicast (RFC 5771)"),
    ("255.255.255.255/32", Scope.BROADCAST, "Limited Broadcast (RFC 919)"),
    ("240.0.0.0/4", Scope.RESERVED, "Reserved (RFC 1112)"),
)

#: Rows whose verdict comes from an embedded IPv4 address are marked with scope None and
#: handled in ``scopes.py``: IPv4-mapped, NAT64 and 6to4.
IPV6: tuple[tuple[str, Scope | None, str], ...] = (
    ("::/128", Scope.UNSPECIFIED, "Unspecified Address (RFC 4291)"),
    ("::1/128", Scope.LOOPBACK, "Loopback Address (RFC 4291)"),
    ("::ffff:0:0/96", None, "IPv4-mapped Address (RFC 4291)"),
    ("64:ff9b::/96", None, "IPv4-IPv6 Translation (RFC 6052)"),
    ("64:ff9b:1::/48", Scope.RESERVED, "Local-use IPv4/IPv6 Translation (RFC 8215)"),
    ("100::/64", Scope.RESERVED, "Discard-Only Address Block (RFC 6666)"),
    ("2001:1::1/128", Scope.GLOBAL, "Port Control Protocol Anycast (RFC 7723)"),
    ("2001:1::2/128", Scope.GLOBAL, "TURN Anycast (RFC 8155)"),
    ("2001:1::3/128", Scope.GLOBAL, "DNS-SD Service Registration Protocol Anycast (RFC 9665)"),
    ("2001:3::/32", Scope.GLOBAL, "AMT (RFC 7450)"),
    ("2001:4:112::/48", Scope.GLOBAL, "AS112-v6 (RFC 7535)"),
    ("2001:20::/28", Scope.GLOBAL, "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", Scope.GLOBAL, "Drone Remote ID Protocol Entity Tags (RFC 9374)"),
    ("2001:db8::/32", Scope.DOCUMENTATION, "Documentation (RFC 3849)"),
    ("2001::/32", Scope.GLOBAL, "TEREDO (RFC 4380): a tunnel to a host on the Internet"),
    ("2001:2::/48", Scope.RESERVED, "Benchmarking (RFC 5180)"),
    ("2001:10::/28", Scope.RESERVED, "Deprecated ORCHID (RFC 4843)"),
    ("2001::/23", Scope.RESERVED, "IETF Protocol Assignments (RFC 2928)"),
    ("2002::/16", None, "6to4 (RFC 3056)"),
    ("2620:4f:8000::/48", Scope.GLOBAL, "Direct Delegation AS112 Service (RFC 7534)"),
    ("3fff::/20", Scope.DOCUMENTATION, "Documentation (RFC 9637)"),
    ("5f00::/16", Scope.RESERVED, "Segment Routing (SRv6) SIDs (RFC 9602)"),
    ("fc00::/7", Scope.UNIQUE_LOCAL, "Unique-Local (RFC 4193)"),
    ("fe80::/10", Scope.LINK_LOCAL, "Link-Local Unicast (RFC 4291)"),
    ("fec0::/10", Scope.RESERVED, "Deprecated Site-Local (RFC 3879)"),
    ("ff00::/8", Scope.MULTICAST, "Multicast (RFC 4291)"),
    ("2000::/3", Scope.GLOBAL, "Global Unicast (RFC 4291)"),
    ("::/0", Scope.RESERVED, "Unassigned by IANA"),
)
