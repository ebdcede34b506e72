"""Address fields to endpoint fields: Linux and Windows shapes, names, wildcards, truncation."""

from __future__ import annotations

from typing import Any

import pytest

from netnorm.parsers.endpoints import bracketed_endpoint, canonical_address, linux_endpoint


def ep(
    address: Any = None,
    port: Any = None,
    host: Any = None,
    service: Any = None,
    zone: Any = None,
    truncated: bool = False,
    printed: Any = None,
) -> dict[str, Any]:
    return {
        "address": address,
        "port": port,
        "host": host,
        "service": service,
        "zone": zone,
        "truncated": truncated,
        "scope": None,
        "printed": printed,
    }


@pytest.mark.parametrize(
    ("text", "wide", "expected"),
    [
        ("0.0.0.0:*", False, ep("0.0.0.0")),
        (":::22", False, ep("::", 22)),
        ("::1:25", False, ep("::1", 25)),
        ("[::]:ssh", False, ep("::", 22, service="ssh")),
        ("[::]:*", False, ep("::")),
        ("localhost:domain", False, ep(host="localhost", port=53, service="domain")),
        ("*:*", False, ep()),
        ("127.0.0.1:9200", False, ep("127.0.0.1", 9200)),
        ("2001:DB8::5:22", False, ep("2001:db8::5", 22)),
        ("::ffff:192.168.1.29:22", False, ep("::ffff:192.168.1.29", 22)),
        ("[::]:ipv6-icmp", False, ep("::", 58, service="ipv6-icmp")),
        ("host:someunknownsvc", False, ep(host="host", service="someunknownsvc")),
        (
            "localhost.localdoma:ssh",
            False,
            ep(host="localhost.localdoma", port=22, service="ssh", truncated=True),
        ),
        ("localhost.localdoma:ssh", True, ep(host="localhost.localdoma", port=22, service="ssh")),
        (
            "::ffff:10.34.106.:51188",
            False,
            ep(printed="::ffff:10.34.106.", port=51188, truncated=True),
        ),
        ("10.0.0.1:0", False, ep("10.0.0.1", 0)),
        ("010.0.0.1:80", False, ep(host="010.0.0.1", port=80)),
        ("fe80::1%eth0:546", False, ep("fe80::1", 546, zone="eth0")),
    ],
)
def test_linux_endpoint(text: str, wide: bool, expected: dict[str, Any]) -> None:
    assert linux_endpoint(text, wide) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:0", ep("0.0.0.0", 0)),
        ("[::]:135", ep("::", 135)),
        ("[::1]:1025", ep("::1", 1025)),
        ("[fe80::244e:2f1e:2096:62b2%9]:1900", ep("fe80::244e:2f1e:2096:62b2", 1900, zone="9")),
        ("*:*", ep()),
        ("DESKTOP-9JPISDO:0", ep(host="DESKTOP-9JPISDO", port=0)),
        ("a172-226-117-113:https", ep(host="a172-226-117-113", port=443, service="https")),
    ],
)
def test_windows_endpoint(text: str, expected: dict[str, Any]) -> None:
    assert bracketed_endpoint(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("::FFFF:127.0.0.1", "::ffff:127.0.0.1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("::1.2.3.4", "::102:304"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ],
)
def test_canonical_ipv6(text: str, expected: str) -> None:
    assert canonical_address(text)[0] == expected
