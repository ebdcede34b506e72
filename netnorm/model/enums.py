"""Canonical enumerations of the public schema.

They are plain ``str`` enums so that they serialise to the exact strings of the JSON contract
and import without pydantic (the streaming path does not need it).
"""

from __future__ import annotations

import enum


class StrEnum(str, enum.Enum):
    """A ``str`` enum whose ``str()`` is its value (``enum.StrEnum`` needs Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)


class Platform(StrEnum):
    LINUX = "linux"
    WINDOWS = "windows"
    MACOS = "macos"
    FREEBSD = "freebsd"


class Tool(StrEnum):
    """The program that printed a capture."""

    NETSTAT = "netstat"
    SS = "ss"
    LSOF = "lsof"
    GET_NETTCPCONNECTION = "get-nettcpconnection"
    GET_NETUDPENDPOINT = "get-netudpendpoint"


class Protocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"
    RAW = "raw"
    UDPLITE = "udplite"
    SCTP = "sctp"
    ICMP = "icmp"  # macOS ICMP datagram sockets (icm4)


class Family(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"


class TcpState(StrEnum):
    LISTEN = "LISTEN"
    SYN_SENT = "SYN_SENT"
    SYN_RECEIVED = "SYN_RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN_WAIT_1"
    FIN_WAIT_2 = "FIN_WAIT_2"
    CLOSE_WAIT = "CLOSE_WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST_ACK"
    TIME_WAIT = "TIME_WAIT"
    CLOSED = "CLOSED"
    DELETE_TCB = "DELETE_TCB"
    BOUND = "BOUND"
    UNKNOWN = "UNKNOWN"


class Scope(StrEnum):
    """What kind of address an endpoint has, from netnorm's own IANA table."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link_local"
    SHARED = "shared"  # 100.64.0.0/10, carrier-grade NAT
    UNIQUE_LOCAL = "unique_local"
    MULTICAST = "multicast"
    BROADCAST = "broadcast"
    UNSPECIFIED = "unspecified"
    DOCUMENTATION = "documentation"
    RESERVED = "reserved"
    GLOBAL = "global"
    INTERNAL = "internal"  # a public address the configuration calls internal
    UNKNOWN = "unknown"  # a name, or a possibly truncated address


class Reach(StrEnum):
    """Where a connection goes, seen from the captured host."""

    SELF = "self"
    INTERNAL = "internal"
    EXTERNAL = "external"
    NONE = "none"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    """Who opened a connection, seen from the captured host."""

    INBOUND = "inbound"  # a peer connected to a port this host listens on
    OUTBOUND = "outbound"  # this host connected to the peer
    LOCAL = "local"  # both ends on this host
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """How much a finding matters."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class DiagnosticSeverity(StrEnum):
    """How much a diagnostic about the input matters."""

    ERROR = "error"  # the capture says it failed (e.g. -b without elevation)
    WARNING = "warning"  # a line netnorm did not recognise
    NOTICE = "notice"  # a recognised line worth knowing about (netstat's own warnings)


class Listeners(StrEnum):
    """Which sockets the capture lists, as the heading (or the rows) show."""

    ALL = "all"  # Linux -a, Windows -a
    ONLY = "only"  # Linux -l
    NONE = "none"  # Linux default, Windows without -a
