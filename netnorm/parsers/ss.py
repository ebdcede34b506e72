"""iproute2 ``ss``: socket rows with or without the ``Netid`` column, their owners and extras.

A row is ``[Netid] State Recv-Q Send-Q Local:Port Peer:Port [extras]``. Its state word comes
first (or second, after the Netid), which no netstat row has there. Addresses end with ``:port``
like net-tools' do; IPv6 is bracketed in current releases (``[::1]:631``) and bare in old ones
(``::1:631``), and an interface scope follows ``%`` (``127.0.0.53%lo:53``).

The extras are words of the form ``name:value``: ``users:(("nginx",pid=1603,fd=6),…)`` with
``-p``, ``uid:``, ``ino:`` and ``sk:`` with ``-e``, ``timer:(…)`` with ``-o``. ``-i`` and ``-m``
print their details on the next line, indented: those lines continue the row. UNIX rows
(``u_str`` …) become UNIX socket records; rows of the other families (netlink, packet, vsock)
are recognised and not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from netnorm.model.enums import Listeners, Platform
from netnorm.model.vocabulary import SS_STATES
from netnorm.parsers._atoms import BLANKS, GAP, address_field, atom, compose
from netnorm.parsers.cache import keep
from netnorm.parsers.dialect import Header, Message, every_match, named, phrases, rest
from netnorm.parsers.endpoints import ADDRESSES, canonical_address, make_endpoint, new_endpoint
from netnorm.parsers.linux_netstat import is_number
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "ss"
TOOL = "ss"
PLATFORM = Platform.LINUX
PLATFORMS: tuple[Platform, ...] = (PLATFORM,)
UNIX_SECTION = False
CONTINUATION_FIRST = False
MULTILINE = True

#: The Netid values of Internet sockets, and the protocol each is.
INET_NETIDS = {
    "tcp": "tcp",
    "udp": "udp",
    "raw": "raw",
    "sctp": "sctp",
    "mptcp": "tcp",
    "icmp6": "raw",
}
#: UNIX sockets, by Netid: their type.
UNIX_NETIDS = {"u_str": "STREAM", "u_dgr": "DGRAM", "u_seq": "SEQPACKET"}
#: The other families ``ss -a`` lists: netlink, packet, vsock, TIPC, XDP.
OTHER_NETIDS = ("nl", "p_raw", "p_dgr", "v_str", "v_dgr", "v_seq", "tipc", "xdp")

ROW_STARTS: tuple[str, ...] = (*INET_NETIDS, *SS_STATES)
#: The kernel keeps 15 characters of a command name, which is what ss shows.
COMM_WIDTH = 15

_NETID = "|".join(sorted(INET_NETIDS, key=len, reverse=True))
_STATE = "|".join(re.escape(s) for s in sorted(SS_STATES, key=len, reverse=True))
SS_NETID = atom(rf"(?:(?P<netid>{_NETID}){GAP})?", "Netid")
SS_STATE = atom(rf"(?P<state>{_STATE})", "ss state")
SS_QUEUES = atom(rf"(?P<recv_q>[0-9]{{1,20}}){GAP}(?P<send_q>[0-9]{{1,20}})", "Recv-Q and Send-Q")


LOCAL = address_field("local", "ss local address", bracketed=True)
REMOTE = address_field("remote", "ss peer address", bracketed=True)
#: What follows the peer: the commonest form, one owner and nothing else, split here (groups
#: ``name``, ``pid``, ``fd``); any other text is taken whole, for ``_extras``.
SS_EXTRAS = atom(
    r'(?:[ \t]+users:\(\("(?P<name>[^"]{0,64})",pid=(?P<pid>[0-9]{1,10}),'
    r"fd=(?P<fd>[0-9]{1,10})\)\)[ \t]*|(?P<rest>(?:[ \t].*)?))",
    "extras",
)

#: One socket row, matched as a single token.
ROW = compose(
    "ss row",
    "^",
    SS_NETID,
    SS_STATE,
    BLANKS,
    SS_QUEUES,
    BLANKS,
    LOCAL,
    BLANKS,
    REMOTE,
    SS_EXTRAS,
    "$",
)


@dataclass
class Columns:
    """What the column header says: the Netid column, the Process title."""

    netid: bool | None = None
    process: bool | None = None
    #: Seen in the rows: ``-e`` (uid, ino) and ``-o`` (timer) extras, host names (``-r``).
    extended: bool = False
    timers: bool = False
    hosts: bool = False


def columns(header: str | None) -> Columns:
    """What a column header (``None``: none seen) says the rows carry."""
    if header is None or "Peer Address:Port" not in header:
        return Columns()
    return Columns(netid=header.lstrip().startswith("Netid"), process="Process" in header)


_USER = re.compile(
    r'\("(?P<name>(?:[^"]|"(?!,pid=))*)",pid=(?P<pid>[0-9]{1,10}),fd=(?P<fd>[0-9]{1,10})\)'
)
_TIMER = re.compile(r"timer:\((?P<kind>[a-z_]+),(?P<time>[0-9a-z.]*),(?P<retrans>[0-9]{1,10})\)")
#: ``119min``, ``4min28sec``, ``37sec``, ``212ms``; from 1 to 10 seconds ``1.416ms`` before
#: iproute2 6.11 and ``1.416sec`` from it on.
_TIME = re.compile(
    r"(?:(?P<min>[0-9]{1,9})min)?(?:(?P<sec>[0-9]{1,2})(?:(?P<frac>\.[0-9]{1,3})?sec"
    r"|\.(?=[0-9]{3}ms)))?(?:(?P<ms>[0-9]{1,3})ms)?$"
)
#: Extras that carry nothing the schema keeps: ``name:value`` words (``cgroup:``,
#: ``v6only:``, ``fwmark:`` …) and the shutdown marks.
_KNOWN_WORDS = re.compile(r"[a-z][a-z0-9_]*:[^\s]*|<->|-->|<--|---")


def timer_seconds(text: str) -> float | None:
    """Seconds of an ss timer value (``119min``, ``1min23sec``, ``1.200ms``, ``58sec``)."""
    if not text:
        return 0.0
    t = _TIME.match(text)
    if t is None or not any(t.groups()):
        return None
    minutes, secs, ms = (int(v) if v else 0 for v in t.group("min", "sec", "ms"))
    fraction = float(t.group("frac")) if t.group("frac") else 0.0
    return round(minutes * 60 + secs + fraction + ms / 1000, 3)


def _endpoint_of(text: str) -> dict[str, Any]:
    if text.startswith("["):
        close = text.find("]")
        if close > 0:
            # the interface follows the bracket: [fe80::1]%ens18:123
            zone, _, port = text[close + 1 :].rpartition(":")
            inside = text[1:close] + zone if zone.startswith("%") else text[1:close]
            return make_endpoint(inside, port, False)
    head, _, port = text.rpartition(":")
    if "%" in head:
        # an interface after the wildcard or a name (*%enp1s0, _localdnsstub%lo) is a zone,
        # as it is after an address
        name, _, zone = head.partition("%")
        ep = make_endpoint(head if ":" in name or "." in name else name, port, False)
        if ep["address"] is None:
            ep["host"] = name if name != "*" else None
            ep["zone"] = zone or None
        return ep
    return make_endpoint(head, port, False)


#: Endpoints of the fields that are not canonical IPv4:port, and the family they show, by
#: text (shared between records, so read-only).
_FIELDS: dict[str, tuple[dict[str, Any], str | None]] = {}


def _field(text: str) -> tuple[dict[str, Any], str | None]:
    found = _FIELDS.get(text)
    if found is None:
        endpoint = _endpoint_of(text)
        address = endpoint["address"]
        family = None if address is None else "ipv6" if ":" in address else "ipv4"
        found = (endpoint, family)
        keep(_FIELDS, text, found, len(text))
    return found


_addresses = ADDRESSES


def _ip6_endpoint(address: str, port: str) -> dict[str, Any]:
    ep = new_endpoint()
    ep["address"], ep["host"], ep["zone"] = _addresses.get(address) or canonical_address(address)
    ep["port"] = int(port)
    return ep


def record(m: re.Match[str], lineno: int, cols: Columns) -> tuple[Row, str | None]:
    """The record of a ``ROW`` match, and the extras that fit no column."""
    (
        netid,
        state_raw,
        recv_q,
        send_q,
        local,
        local_ip,
        local_port,
        local_ip6,
        local_port6,
        remote,
        remote_ip,
        remote_port,
        remote_ip6,
        remote_port6,
        name,
        pid,
        fd,
        rest,
    ) = m.groups()
    row = new_row()
    if netid is not None:
        row["protocol"] = INET_NETIDS[netid]
    else:  # `ss -u` is the only listing without Netid that has UNCONN rows
        row["protocol"] = "udp" if state_raw == "UNCONN" else "tcp"
    row["state"] = SS_STATES[state_raw]
    row["state_raw"] = state_raw
    row["recv_q"], row["send_q"] = int(recv_q), int(send_q)
    # canonical IPv4:port and bracketed IPv6 come split by the row token, written out here
    family = None
    if local_ip is not None:
        ep = row["local"] = new_endpoint()
        ep["address"] = local_ip
        ep["port"] = int(local_port)
        family = "ipv4"
    elif local_ip6 is not None:
        row["local"] = _ip6_endpoint(local_ip6, local_port6)
        family = "ipv6"
    else:
        row["local"], family = _field(local)
    if remote_ip is not None:
        ep = row["remote"] = new_endpoint()
        ep["address"] = remote_ip
        ep["port"] = int(remote_port)
        family = family or "ipv4"
    elif remote_ip6 is not None:
        row["remote"] = _ip6_endpoint(remote_ip6, remote_port6)
        family = family or "ipv6"
    else:
        row["remote"], shown = _field(remote)
        family = family or shown
    row["family"] = "ipv6" if netid == "icmp6" else family
    row["line"] = lineno
    if pid is not None:
        pid_number = int(pid)
        row["pid"], row["process"] = pid_number, name
        row["process_truncated"] = len(name) >= COMM_WIDTH
        row["owners"] = [{"pid": pid_number, "process": name, "fd": int(fd), "access": None}]
        return row, None
    extras = rest.strip()
    return row, (_extras(row, extras) if extras else None)


def _extras(row: Row, text: str) -> str | None:
    """Fill owners, user, inode, socket address and timer from the extras; the text left."""
    left = text
    users_at = text.find("users:(")
    if users_at >= 0:
        end = text.find("))", users_at)
        end = len(text) if end < 0 else end + 2
        owners = [
            {"pid": int(u["pid"]), "process": u["name"], "fd": int(u["fd"]), "access": None}
            for u in _USER.finditer(text, users_at, end)
        ]
        if owners:
            row["owners"] = owners
            first = str(owners[0]["process"])
            row["pid"], row["process"] = owners[0]["pid"], first
            row["process_truncated"] = len(first) >= COMM_WIDTH
        left = text[:users_at] + text[end:]
    t = _TIMER.search(left)
    if t is not None:
        seconds = timer_seconds(t.group("time"))
        if seconds is not None:
            kind = t.group("kind")
            row["timer"] = {
                "kind": kind,
                "kind_raw": kind,
                "seconds": seconds,
                "retransmits": int(t.group("retrans")),
                "probes": None,
            }
            left = left[: t.start()] + left[t.end() :]
    leftover = []
    for word in left.split():
        name, sep, value = word.partition(":")
        if sep and name == "uid" and is_number(value):
            row["user"] = value
        elif sep and name == "ino" and is_number(value):
            row["inode"] = int(value)
        elif sep and name == "sk" and value:
            row["pcb"] = value
        elif _KNOWN_WORDS.fullmatch(word) is None:
            leftover.append(word)
    return " ".join(leftover) or None


#: ``-i`` and ``-m`` details: an indented line of ``name:value`` words (``cubic``, ``rtt:…``,
#: ``skmem:(…)``).
_DETAIL = re.compile(r"[ \t]+[^\s].*")


accepts = every_match


def continuation(row: Row, line: str) -> str | None:
    """An indented line after a row is its ``-i``/``-m`` details."""
    if _DETAIL.fullmatch(line) is None or ROW.re.match(line) is not None:
        return None
    text = line.strip()
    if not text.startswith("skmem:"):
        return "info"
    # -m alone prints only the skmem:(…) word; with -i the TCP details follow it
    return "memory" if text.endswith(")") and " " not in text else "info,memory"


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``)."""
    listening = 0
    names = cap.names_seen
    cols: Columns = cap.columns[NAME]
    state_raw, remote = itemgetter("state_raw"), itemgetter("remote")
    for row in rows:
        state = state_raw(row)
        if state == "LISTEN" or (state == "UNCONN" and remote(row)["port"] is None):
            listening += 1
        if not names:
            local, peer = row["local"], remote(row)
            if local["host"] or local["service"] or peer["host"] or peer["service"]:
                names = True
                cols.hosts = bool(local["host"] or peer["host"])
    if not (cols.extended and cols.timers):
        cols.extended = cols.extended or any(row["inode"] is not None for row in rows)
        cols.timers = cols.timers or any(row["timer"] is not None for row in rows)
    if names and not cols.hosts:
        cols.hosts = any(row["local"]["host"] or row["remote"]["host"] for row in rows)
    cap.names_seen = names
    cap.tally(rows, listening)


_LETTERS = {"tcp": "t", "udp": "u", "raw": "w", "sctp": "S"}


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The ``ss`` command line the capture shows, and the options behind it."""
    listeners = cap.listeners
    if listeners is None and cap.rows:
        if cap.listen_rows and cap.other_rows:
            listeners = Listeners.ALL
        else:
            listeners = Listeners.ONLY if cap.listen_rows else Listeners.NONE
    protocols = sorted(cap.protocols)
    letters = "".join(_LETTERS[p] for p in protocols if p in _LETTERS)
    letters += {Listeners.ALL: "a", Listeners.ONLY: "l"}.get(listeners, "") if listeners else ""
    letters += "n" if cap.numeric else ""
    letters += "p" if cap.owners_seen else ""
    cols: Columns = cap.columns[NAME]
    letters += "e" if cols.extended else ""
    letters += "o" if cols.timers else ""
    letters += "i" if any("info" in kind for kind in cap.continued) else ""
    letters += "m" if any("memory" in kind for kind in cap.continued) else ""
    letters += "r" if cols.hosts else ""
    letters += "x" if cap.unix_rows else ""
    shown = {
        "listeners": listeners,
        "pid": cap.owners_seen,
        "program": cap.owners_seen,
        "extended": cols.extended,
        "timers": cols.timers,
    }
    return ("ss -" + letters if letters else "ss"), shown


_UNIX_ROW = re.compile(
    r"(?P<netid>u_str|u_dgr|u_seq)[ \t]+(?P<state>[A-Z][A-Z0-9-]*)[ \t]+[0-9]{1,20}[ \t]+"
    r"[0-9]{1,20}[ \t]+(?P<path>[^\s]+)[ \t]+(?P<inode>[0-9]{1,20}|\*)[ \t]+"
    r"(?P<peer>[^\s]+)[ \t]+(?P<peer_inode>[0-9]{1,20}|\*)(?P<rest>(?:[ \t].*)?)"
)


def unix_record(line: str, lineno: int, cap: CaptureState | None) -> dict[str, Any] | None:
    """The record of a UNIX socket row (``u_str ESTAB 0 0 /run/x.sock 23456 * 23455 …``)."""
    if not line.startswith("u_"):
        return None
    m = _UNIX_ROW.fullmatch(line)
    if m is None:
        return None
    owner = _USER.search(m.group("rest"))
    inode = m.group("inode")
    path = m.group("path")
    return {
        "protocol": "unix",
        "refcnt": None,
        "flags": [],
        "type": UNIX_NETIDS[m.group("netid")],
        "state": m.group("state"),
        "inode": int(inode) if inode != "*" else None,
        "pid": int(owner["pid"]) if owner else None,
        "process": owner["name"] if owner else None,
        "path": None if path == "*" else path,
        "security_context": None,
        "line": lineno,
    }


# -- structure ------------------------------------------------------------------------------

#: ``State Recv-Q Send-Q Local Address:Port Peer Address:Port [Process]``, with ``Netid``
#: first when several families are listed. The titles are never translated.
HEADER = named(
    phrases(("Netid", "State"), "ss first title", "ss header")
    + rest(
        r"(?:[ \t]+State)?[ \t]+Recv-Q[ \t]+Send-Q[ \t]+Local Address:Port[ \t]+"
        r"Peer Address:Port(?:.*)$",
        "ss column titles",
    ),
    "ss column header",
    lambda: Header(True, NAME, PLATFORM),
)


def _other_family() -> Message:
    return Message(
        PLATFORM,
        "other-family",
        "socket of a family netnorm does not read (netlink, packet, vsock …)",
        silent=True,
    )


#: A row of a family without IP addresses, from ``ss -a``.
OTHER_ROW = named(
    phrases(OTHER_NETIDS, "other Netid", "ss OTHER_NETIDS") + rest(r"[ \t].*$", "rest of row"),
    "ss row of another family",
    _other_family,
)
STRUCTURE = (HEADER | OTHER_ROW).set_name("ss structure")
