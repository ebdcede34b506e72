"""Endpoint text (``10.0.0.1:22``, ``[fe80::1%9]:1900``, ``localhost:ssh``) to schema fields.

Results are cached: real captures repeat the same endpoints (listeners, ``0.0.0.0:*``, busy
servers) thousands of times. The returned dicts are shared and must be treated as read-only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

from netnorm.model.services import port_of
from netnorm.parsers._atoms import IPV4
from netnorm.parsers.cache import keep

#: net-tools cuts ``addr:port`` to this many characters unless ``-W`` is given.
LINUX_FIELD_WIDTH = 23

EndpointDict = dict[str, Any]

#: A new endpoint with every field empty, to fill: a copy and a few stores cost half as much
#: as a dict display of all the fields.
new_endpoint: Callable[[], EndpointDict] = {
    "address": None,
    "port": None,
    "host": None,
    "service": None,
    "zone": None,
    "truncated": False,
    "scope": None,
    "printed": None,
}.copy


#: Address text to what ``canonical_address`` makes of it: a host's few IPv6 addresses come
#: with many ports, so the addresses repeat where the endpoints do not.
ADDRESSES: dict[str, tuple[str | None, str | None, str | None]] = {}


def canonical_address(text: str) -> tuple[str | None, str | None, str | None]:
    """Split an address into (canonical IP, host name, zone).

    IPv6 comes out compressed and lower case; an IPv4-mapped address is written
    ``::ffff:a.b.c.d`` on every Python version. Anything that is not an IP is a host name.
    """
    found = ADDRESSES.get(text)
    if found is None:
        found = _canonical_address(text)
        keep(ADDRESSES, text, found, len(text))
    return found


def _canonical_address(text: str) -> tuple[str | None, str | None, str | None]:
    if text in ("*", ""):
        return None, None, None
    if IPV4.re.fullmatch(text):  # canonical dotted quad, the common case: one C call
        return text, None, None
    zone = None
    addr = text
    if "%" in addr:
        addr, zone = addr.split("%", 1)
    if ":" in addr:
        # the C routines are many times faster than ipaddress and give the RFC 5952 text;
        # forms with dotted tails other than ::ffff: go through ipaddress for a stable result
        try:
            text6 = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, addr))
        except (OSError, ValueError):
            return None, text, None
        if "." not in text6 or text6.startswith("::ffff:"):
            return text6, None, zone or None
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return None, text, None
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return f"::ffff:{mapped}", None, zone or None
        # str() of an IPv6Address never carries the zone here: it was split off above
        return ip.compressed, None, zone or None
    return str(ip), None, zone or None  # ss scopes IPv4 too: 127.0.0.53%lo


def _port(text: str) -> tuple[int | None, str | None]:
    if text == "*" or not text:
        return None, None
    if text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535:
        return int(text), None
    return port_of(text), text


def make_endpoint(address_text: str, port_text: str, truncated: bool) -> EndpointDict:
    """The endpoint of an address and a port as printed (either may be ``*`` or empty)."""
    ep = new_endpoint()
    ep["address"], ep["host"], ep["zone"] = canonical_address(address_text)
    ep["port"], ep["service"] = _port(port_text)
    ep["truncated"] = truncated
    return ep


def linux_endpoint(text: str, wide: bool) -> EndpointDict:
    """Parse a net-tools address field: IPv6 unbracketed, split at the last colon.

    Args:
        text: the field as printed.
        wide: True when the capture is known to be made with ``-W`` (nothing is cut).
    """
    truncated = not wide and len(text) == LINUX_FIELD_WIDTH
    if text.startswith("["):  # only `[::]` is bracketed, under name resolution
        close = text.find("]")
        if close > 0:
            rest = text[close + 1 :]
            return make_endpoint(
                text[1:close], rest[1:] if rest.startswith(":") else rest, truncated
            )
    head, sep, tail = text.rpartition(":")
    if not sep:
        return make_endpoint(text, "", truncated)
    ep = make_endpoint(head, tail, truncated)
    if ep["host"] is not None and ":" in ep["host"]:
        # no host name has a colon: an IPv6 address cut by a netstat that cuts in the middle
        # (fe80::b1f3:2c:3c6c::123), not a name; the text is kept as printed
        ep["printed"], ep["host"], ep["truncated"] = ep["host"], None, True
    return ep


def bracketed_endpoint(text: str) -> EndpointDict:
    """Parse an address field whose IPv6 comes in brackets, with an optional ``%zone``
    inside them: Windows netstat and lsof."""
    if text.startswith("["):
        close = text.find("]")
        if close > 0:
            rest = text[close + 1 :]
            return make_endpoint(text[1:close], rest[1:] if rest.startswith(":") else rest, False)
    head, sep, tail = text.rpartition(":")
    if not sep:
        return make_endpoint(text, "", False)
    return make_endpoint(head, tail, False)


def format_endpoint(ep: EndpointDict, *, zone: bool = False, mark_cut: bool = False) -> str:
    """Write an endpoint the way people read them: ``10.0.0.1:22``, ``[2001:db8::1]:443``.

    Args:
        ep: an endpoint dict.
        zone: keep the IPv6 zone (``[fe80::1%9]:1900``).
        mark_cut: end a possibly truncated field with ``…``.
    """
    address = ep["address"]
    name = address or ep["host"] or ep.get("printed") or "*"
    if address and ":" in address:
        name = f"[{name}%{ep['zone']}]" if zone and ep["zone"] else f"[{name}]"
    port = ep["service"] or ("*" if ep["port"] is None else str(ep["port"]))
    text = f"{name}:{port}"
    return text + "…" if mark_cut and ep["truncated"] else text
