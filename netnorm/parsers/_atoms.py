"""Named pyparsing atoms shared by the netstat grammars.

A data row is matched as one token: a ``pp.Regex`` composed from these atoms' patterns. That
keeps the grammar readable (each piece has a name) while the hot path runs one compiled regex
per line, which is what makes the parser fast (see ``benchmarks/``). Structural lines, which are
rare, use ordinary pyparsing combinators.
"""

from __future__ import annotations

import sys

import pyparsing as pp


def atom(pattern: str, name: str) -> pp.Regex:
    """Return a named regex atom."""
    element = pp.Regex(pattern)
    element.set_name(name)
    return element


#: The parts each composed token was built from, by its name (for the BNF in the docs).
PARTS: dict[str, tuple[pp.Regex | str, ...]] = {}


def compose(name: str, *parts: pp.Regex | str) -> pp.Regex:
    """Join atoms (and literal regex glue) into one regex token that returns a match object.

    Args:
        name: the grammar name shown in pyparsing's error messages.
        parts: atoms (their pattern is used) or raw regex text.

    Returns:
        A ``pp.Regex`` built with ``as_match=True`` that does not skip leading blanks; call
        ``.re.match`` on the hot path.
    """
    pattern = "".join(str(p.pattern) if isinstance(p, pp.Regex) else p for p in parts)
    element = pp.Regex(pattern, as_match=True)
    element.set_name(name)
    # a row is matched from its first character and with its tabs, as the hot path matches
    # it: leading blanks are part of some layouts (Windows indents its rows), and parse_string
    # would otherwise expand tabs into spaces first
    element.leave_whitespace()
    element.parse_with_tabs()
    PARTS[name] = parts
    return element


# -- shared pieces -------------------------------------------------------------------------

#: Possessive repeats (Python 3.11 and later) never give back what they matched. Where they are
#: used, giving back could never lead to a match, so they only spare the regex engine the
#: attempts (about a fifth of the time of a Windows row); Python 3.10 gets the plain repeats.
PLUS = "++" if sys.version_info >= (3, 11) else "+"
STAR = "*+" if sys.version_info >= (3, 11) else "*"

GAP = rf"[ \t]{PLUS}"
#: Blanks between two columns.
BLANKS = atom(GAP, "blanks")

# -- Linux net-tools -----------------------------------------------------------------------

LINUX_PROTO = atom(r"(?P<proto>(?:tcp|udpl|udp|raw|sctp)6?)", "Linux protocol")
RECV_Q = atom(r"(?P<recv_q>[0-9]{1,20})", "Recv-Q")
SEND_Q = atom(r"(?P<send_q>[0-9]{1,20})", "Send-Q")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#: A dotted quad in canonical form (no leading zeros), the commonest address by far.
IPV4 = atom(rf"{_OCTET}(?:\.{_OCTET}){{3}}", "IPv4 address")
#: A port number 0-65535 without leading zeros.
PORT_NUMBER = atom(
    r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)",
    "port number",
)


#: A character of a host name, an address, a zone (``%eth0.100``) or a service name: letters
#: and digits of any script, ``_ . % * ~ + -``. Brackets, slashes, parentheses and quotes are
#: never part of one, so junk such as ``[[[[`` or ``(0.00/0/0)`` is no address.
_HOST = r"[\w.%*~+\-]"
_HOST_NO_DOT = r"[\w%*~+\-]"
#: Any other address field of a colon dialect: it ends with ``:port`` (or ``:*``, ``:service``),
#: and the part after its last colon has no dot. A BSD field (``10.0.0.1.22``, ``::1.6012``,
#: ``*.80``) ends with ``.port`` instead, so no field is read by both. An IPv6 address in
#: brackets (``[::1]:ipp`` of ``ss -r``, ``[fe80::1]%eth0:dhcpv6-client``) is one field too.
_BEFORE_PORT = rf"(?:\[[^\s\[\]]{STAR}\](?:%{_HOST}{STAR})?:|(?:{_HOST}{STAR}:){PLUS})"
COLON_FIELD = rf"{_BEFORE_PORT}{_HOST_NO_DOT}{STAR}"
#: Any other Windows address field: ``host:port`` (``DESKTOP-7:49670``, ``*:*``,
#: ``[fe80::1%4]:135``, ``localhost:ms-wbt-server``); its port part may hold a dot.
WINDOWS_FIELD = rf"{_BEFORE_PORT}{_HOST}{STAR}"


def address_field(
    field: str, name: str, *, bracketed: bool = False, other: str = COLON_FIELD
) -> pp.Regex:
    """An address column taken whole, and inside it, when it is canonical ``IPv4:port`` (the
    commonest by far), its two parts (groups ``<field>_ip`` and ``<field>_port``): these need
    no further look; the other forms go to the endpoint parsers.

    With ``bracketed``, a bracketed IPv6 address with a canonical port (Windows, ss) is split
    too (groups ``<field>_ip6`` and ``<field>_port6``). Any other field must match ``other``:
    the colon form (``COLON_FIELD``, or ``WINDOWS_FIELD``).
    """
    ipv6 = (
        (rf"|\[(?P<{field}_ip6>[^\]\s]*)\]:(?P<{field}_port6>", PORT_NUMBER, r")(?=[ \t]|$)")
        if bracketed
        else ()
    )
    return compose(
        name,
        f"(?P<{field}>(?P<{field}_ip>",
        IPV4,
        f"):(?P<{field}_port>",
        PORT_NUMBER,
        r")(?=[ \t]|$)",
        *ipv6,
        f"|{other})",
    )


LOCAL = address_field("local", "local address")
REMOTE = address_field("remote", "foreign address")
WINDOWS_LOCAL = address_field("local", "Windows local address", bracketed=True, other=WINDOWS_FIELD)
WINDOWS_REMOTE = address_field(
    "remote", "Windows foreign address", bracketed=True, other=WINDOWS_FIELD
)

#: What follows the addresses of a net-tools row. Its common shape, a plain state word and/or
#: an owner with no -e, -o or -Z columns, is split here (``simple`` matches empty when it
#: is); any other text is taken whole, for the rules of ``linux_netstat._parse_rest``.
LINUX_REST = atom(
    r"(?P<rest>(?:[ \t]+(?P<state>[A-Z][A-Z0-9_]*))?"
    r"(?:[ \t]+(?P<owner>-|(?P<pid>[0-9]{1,20})/(?P<program>.*?)))?[ \t]*$(?P<simple>)|.*)",
    "state and owner",
)

#: ``-o`` timer suffix: keyword (translated), space, (seconds/retransmits/probes).
TIMER_SUFFIX = compose(
    "timer",
    r"(?:^|[ \t])(?P<kind>[^\s(]+) ",
    r"\((?P<seconds>[0-9]{1,20}(?:\.[0-9]{1,20})?)/(?P<retrans>[0-9]{1,20})/(?P<probes>[0-9]{1,20})\)",
    r"[ \t]*$",
)

#: ``PID/Program name``: the program may contain spaces and colons.
OWNER = compose("PID/Program name", r"(?P<pid>[0-9]{1,20})/(?P<program>.*)")

UNIX_ROW = compose(
    "UNIX socket row",
    r"^unix[ \t]+(?P<refcnt>[0-9]{1,20})[ \t]+\[(?P<flags>[^\]]*)\][ \t]+(?P<type>[^\s]+)[ \t]+",
    r"(?:(?P<state>(?![0-9]+(?:[ \t]|$)|-(?:[ \t]|$))[^\s]+)[ \t]+)?",
    r"(?P<inode>[0-9]{1,20}|-)(?P<rest>.*)$",
)

# -- Windows netstat.exe -------------------------------------------------------------------


WINDOWS_PROTO = atom(r"(?P<proto>TCP|UDP|TCPv6|UDPv6|TCPV6|UDPV6)", "Windows protocol")

#: ``-b`` owner lines: ``[image]`` with one space, a component with two, a note with one.
WINDOWS_IMAGE = atom(r"[ \t]{0,2}\[(?P<image>.+)\][ \t]*", "owner image")
#: A service name under its image (``  RpcSs``); a line that starts with a protocol word is a
#: broken row, never a component.
WINDOWS_COMPONENT = atom(
    r"[ \t]{2,}(?!(?i:tcp|udp)(?:v6)?(?:[ \t]|$))(?P<component>[^\s].*?)[ \t]*",
    "owner component",
)
WINDOWS_NOTE = atom(r" (?P<note>[^\s].*?)[ \t]*", "owner note")
WINDOWS_OWNER_LINE = compose(
    "owner line", "^(?:", WINDOWS_IMAGE, "|", WINDOWS_COMPONENT, "|", WINDOWS_NOTE, ")$"
)
