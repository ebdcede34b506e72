"""FreeBSD and macOS ``netstat``: Internet rows with ``host.port`` addresses, and the sections
around them.

The port follows the last dot of an address field (``10.0.0.84.22``, ``::1.6012``, ``*.*``), so
no field is also a Linux or Windows field, which end with ``:port``. The protocol token says the
family: ``tcp4``, ``tcp6``, and ``tcp46`` for a dual-stack socket (family ipv6).

Optional columns come from the column header: ``-A`` puts the control block address first
(FreeBSD ``Tcpcb``; macOS ``Socket`` and ``Flowhash``), ``-T`` shows ``Rexmit OOORcv 0-win``
instead of the queues and the state, and the titles after the state (``-b`` rxbytes/txbytes,
``-v``, ``-x``, FreeBSD ``-P`` ``Log ID``) become ``counters``, or ``pid`` and ``process``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyparsing as pp

from netnorm.model.enums import Listeners, Platform
from netnorm.model.services import port_of
from netnorm.model.vocabulary import BSD_HEADINGS, BSD_OTHER_SECTIONS, bsd_state
from netnorm.parsers._atoms import BLANKS, GAP, IPV4, PLUS, PORT_NUMBER, STAR, atom, compose
from netnorm.parsers.cache import keep
from netnorm.parsers.dialect import (
    Header,
    Heading,
    Skipped,
    every_match,
    named,
    no_unix_rows,
    phrases,
    rest,
    single_lines,
)
from netnorm.parsers.endpoints import canonical_address, new_endpoint
from netnorm.parsers.linux_netstat import is_number, shows_name
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "bsd-netstat"
TOOL = "netstat"
PLATFORM = Platform.FREEBSD
PLATFORMS: tuple[Platform, ...] = (Platform.FREEBSD, Platform.MACOS)
UNIX_SECTION = True
CONTINUATION_FIRST = False
MULTILINE = False
#: ``-A`` rows start with the control block address, in hex.
ROW_STARTS: tuple[str, ...] = ("tcp", "udp", "icm", *"0123456789abcdef")

BSD_PROTO = atom(r"(?P<proto>(?:tcp|udp|icm)(?:46|4|6))", "BSD protocol")
PCB = atom(
    rf"(?P<pcb>[0-9a-f]{{8,16}}){GAP}(?:(?P<flowhash>[0-9a-f]{{1,8}}){GAP})?",
    "control block address",
)
#: Recv-Q and Send-Q, or with ``-T`` Rexmit, OOORcv and 0-win (blank on UDP rows).
NUMBERS = atom(
    rf"(?:(?P<n1>[0-9]{{1,20}}){GAP}(?P<n2>[0-9]{{1,20}}){GAP}(?:(?P<n3>[0-9]{{1,20}}){GAP})?)?",
    "queue or -T counters",
)


def _bsd_field(field_name: str, name: str) -> pp.Regex:
    """An address field whose port follows its last dot; canonical ``IPv4.port`` split into
    ``<field>_ip`` and ``<field>_port``."""
    return compose(
        name,
        f"(?P<{field_name}>(?P<{field_name}_ip>",
        IPV4,
        rf")\.(?P<{field_name}_port>",
        PORT_NUMBER,
        r")(?=[ \t]|$)",
        rf"|(?:[^\s.]{STAR}\.){PLUS}[^\s.:]{PLUS})",
    )


LOCAL = _bsd_field("local", "BSD local address")
REMOTE = _bsd_field("remote", "BSD foreign address")
BSD_STATE = atom(rf"(?:{GAP}(?P<state>[A-Z][A-Z0-9_]{STAR})(?=[ \t]|$))?", "BSD state")
BSD_REST = atom(r"(?P<rest>.*)", "other columns")

#: One Internet row, matched as a single token.
ROW = compose(
    "BSD netstat row",
    "^(?:",
    PCB,
    ")?",
    BSD_PROTO,
    BLANKS,
    NUMBERS,
    LOCAL,
    BLANKS,
    REMOTE,
    BSD_STATE,
    BSD_REST,
    "$",
)

_FAMILIES = {"4": "ipv4", "6": "ipv6", "46": "ipv6"}
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icm": "icmp"}

#: The width of an address column when no header tells: 22, or 18 with ``-A``.
WIDTH = 22
PCB_WIDTH = 18


@dataclass
class Columns:
    """What the column header says the rows carry."""

    pcb: bool | None = None  # -A
    rexmit: bool = False  # -T: Rexmit OOORcv 0-win instead of the queues and the state
    state: bool | None = None  # the (state) column
    #: The titles after the state (or after the foreign address when there is none).
    tail: tuple[str, ...] = ()
    width: int | None = None  # of an address column, measured on the header
    wide: bool = False  # a field wider than its column: nothing is cut (-W)
    platform: Platform | None = None


def _title(text: str) -> str:
    return {"state": "so_state"}.get(text.lower(), text.lower())


def columns(header: str | None) -> Columns:
    """What a column header (``None``: none seen) says the rows carry."""
    if header is None or "Local Address" not in header or "Foreign Address" not in header:
        return Columns()
    local, foreign = header.find("Local Address"), header.find("Foreign Address")
    after = header[foreign + len("Foreign Address") :]
    after = after.replace("(State)", "(state)")  # one published Sonoma header capitalises it
    state = "(state)" in after
    if state:
        after = after.split("(state)", 1)[1]
    tail = tuple(_title(t) for t in after.replace("Log ID", "Log_ID").split())
    return Columns(
        pcb=header.lstrip().startswith(("Tcpcb", "Socket")),
        rexmit="Rexmit" in header,
        state=state,
        tail=tail,
        width=foreign - local - 1 if foreign > local else None,
        platform=header_platform(header),
    )


def header_platform(header: str) -> Platform:
    """The platform a BSD header shows: macOS pads the local address with two spaces and has
    its own optional columns."""
    macos = (
        header.lstrip().startswith("Socket")
        or "Send-Q  Local" in header
        or any(t in header for t in ("rxbytes", "rhiwat", "process:pid"))
    )
    return Platform.MACOS if macos else Platform.FREEBSD


#: Endpoints of the fields that are not canonical IPv4.port, by text and cut widths (shared
#: between records, so read-only).
_FIELDS: dict[tuple[str, int, int], dict[str, Any]] = {}


def bsd_endpoint(text: str, width: int, host_width: int) -> dict[str, Any]:
    """Parse a BSD address field; it may have been cut when it fills its column (``width``,
    0 for never) or its host part fills the host width (``host_width``)."""
    host, _, port = text.rpartition(".")
    ep = new_endpoint()
    ep["address"], ep["host"], ep["zone"] = canonical_address(host)
    if port != "*":
        if is_number(port) and len(port) <= 5 and int(port) <= 65535:
            ep["port"] = int(port)
        else:
            ep["port"], ep["service"] = port_of(port), port
    ep["truncated"] = bool(width) and (len(text) >= width or len(host) >= host_width)
    return ep


def _endpoint(text: str, width: int, host_width: int) -> dict[str, Any]:
    key = (text, width, host_width)
    found = _FIELDS.get(key)
    if found is None:
        found = bsd_endpoint(text, width, host_width)
        keep(_FIELDS, key, found, len(text))
    return found


#: The ``-v`` columns macOS prints in hex without ``0x`` (``00102``, ``0000000003a91c00``).
HEX_TITLES = frozenset({"so_state", "options", "gencnt", "flags", "flags1", "fltrs"})
_HEX = re.compile(r"(?:0x)?([0-9a-f]{1,16})")


def _number(text: str, title: str) -> int | float | str | None:
    if title in HEX_TITLES:
        h = _HEX.fullmatch(text)
        return int(h.group(1), 16) if h is not None else None
    if title == "log_id":
        return text  # FreeBSD's TCP log id: text
    if is_number(text):
        return int(text)
    if text.startswith("0x") and len(text) <= 18:
        try:
            return int(text, 16)
        except ValueError:
            return None
    if re.fullmatch(r"[0-9]{1,15}\.[0-9]{1,6}", text):
        return float(text)
    return None


#: The longest process name macOS ``-v`` prints in ``process:pid``.
PROCESS_WIDTH = 16
_PROCESS_PID = re.compile(r"(?P<process>.*?):(?P<pid>[0-9]{1,10})$")


def record(m: re.Match[str], lineno: int, cols: Columns) -> tuple[Row, str | None]:
    """The record of a ``ROW`` match, and the text that fits no column."""
    g = m.group
    proto = g("proto")
    row = new_row()
    row["protocol"] = _PROTOCOLS[proto[:3]]
    row["family"] = _FAMILIES[proto[3:]]
    pcb = g("pcb")
    if pcb is not None:
        row["pcb"] = pcb
    n1, n2, n3 = g("n1"), g("n2"), g("n3")
    counters: dict[str, int | float | str] = {}
    flowhash = g("flowhash")
    if flowhash is not None:
        counters["flowhash"] = int(flowhash, 16)  # macOS -A: the flow's hash, in hex
    if n3 is not None or cols.rexmit:
        if n1 is not None:
            counters["rexmit"], counters["ooorcv"] = int(n1), int(n2)
            if n3 is not None:
                counters["0-win"] = int(n3)
    elif n1 is not None:
        row["recv_q"], row["send_q"] = int(n1), int(n2)
    width = cols.width or (PCB_WIDTH if pcb is not None else WIDTH)
    local, remote = g("local"), g("remote")
    if not cols.wide and (len(local) > width or len(remote) > width):
        cols.wide = True
    cut = 0 if cols.wide else width
    host_width = 12 if pcb is not None else 16
    for side, text, ip, port in (
        ("local", local, g("local_ip"), g("local_port")),
        ("remote", remote, g("remote_ip"), g("remote_port")),
    ):
        if ip is not None:
            ep = row[side] = new_endpoint()
            ep["address"] = ip
            ep["port"] = int(port)
            ep["truncated"] = bool(cut) and len(text) >= cut
        else:
            row[side] = _endpoint(text, cut, host_width)
    state = g("state")
    if state is not None and cols.state is not False:
        found = bsd_state(state)
        row["state"] = found.value if found is not None else None
        row["state_raw"] = state
        state = None
    tail = g("rest").strip()
    if state is not None:
        tail = f"{state} {tail}".strip()
    elif (
        row["state_raw"] is None
        and row["protocol"] == "tcp"
        and cols.state is not False
        and not cols.rexmit
    ):
        # a state the tool has no name for is printed as its number
        word, _, after = tail.partition(" ")
        if word.isdigit() and len(word) <= 2 and (cols.tail or not after):
            row["state"], row["state_raw"] = "UNKNOWN", word
            tail = after.strip()
    row["line"] = lineno
    leftover = _tail(row, tail, cols, counters) if tail else None
    if counters:
        row["counters"] = counters
    return row, leftover


def _tail(row: Row, text: str, cols: Columns, counters: dict[str, int | float | str]) -> str | None:
    """Fill the columns after the state from their titles; the text that fits none."""
    titles = cols.tail
    if "process:pid" in titles:
        # the process name may hold spaces: the columns before it are one word each
        at = titles.index("process:pid")
        words = text.split(None, at)
        if len(words) > at:
            head, rest_text = words[:at], words[at]
            rest_words = rest_text.split()
            after = len(titles) - at - 1
            owner = " ".join(rest_words[: len(rest_words) - after] if after else rest_words)
            o = _PROCESS_PID.match(owner)
            if o is not None:
                row["pid"] = int(o.group("pid"))
                row["process"] = process = o.group("process").strip() or None
                # macOS prints at most 16 characters of the name
                row["process_truncated"] = process is not None and len(process) >= PROCESS_WIDTH
                values = head + (rest_words[len(rest_words) - after :] if after else [])
                names = titles[:at] + titles[at + 1 :]
                return _values(row, names, values, counters)
    return _values(row, titles, text.split(), counters)


def _values(
    row: Row, titles: tuple[str, ...], values: list[str], counters: dict[str, int | float | str]
) -> str | None:
    if len(values) > len(titles):
        return " ".join(values[len(titles) :])
    # a UDP row has no values under the titles of TCP-only columns at the end
    for title, text in zip(titles, values, strict=False):
        if text == "-":
            continue
        value = _number(text, title)
        if value is None:
            return text
        if title == "pid" and isinstance(value, int):
            row["pid"] = value
        else:
            counters[title] = value
    return None


accepts = every_match

continuation = single_lines


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``)."""
    listening = 0
    names = cap.names_seen
    for row in rows:
        state = row["state"]
        if state == "LISTEN" or (row["protocol"] != "tcp" and row["remote"]["port"] is None):
            listening += 1
        if not names:
            names = shows_name(row["local"]) or shows_name(row["remote"])
    cap.names_seen = names
    cap.tally(rows, listening)


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The ``netstat`` command line the capture shows, and the options behind it."""
    cols: Columns = cap.columns[NAME]
    listeners = cap.listeners
    if listeners is None and cap.rows:
        listeners = Listeners.ALL if cap.listen_rows else Listeners.NONE
    letters = "A" if cols.pcb else ""
    letters += "a" if listeners is Listeners.ALL else ""
    letters += "b" if "rxbytes" in cols.tail else ""
    letters += "n" if cap.numeric else ""
    letters += "P" if "log_id" in cols.tail else ""
    letters += "T" if cols.rexmit else ""
    letters += "v" if "rhiwat" in cols.tail else ""
    letters += "W" if cols.wide else ""
    letters += "x" if "r-mbuf" in cols.tail else ""
    text = "netstat -" + letters if letters else "netstat"
    protocols = sorted(cap.protocols)
    if len(protocols) == 1:
        text += f" -p {protocols[0]}"
    pid = "pid" in cols.tail or "process:pid" in cols.tail or cap.owners_seen
    shown = {
        "listeners": listeners,
        "pid": pid,
        "program": "process:pid" in cols.tail,
        "wide": True if cols.wide else None,
    }
    return text, shown


unix_record = no_unix_rows

# -- structure ------------------------------------------------------------------------------


def _heading(tokens: pp.ParseResults) -> Heading:
    return Heading(PLATFORM, "inet", BSD_HEADINGS[tokens["text"]], "en", NAME)


def _section(tokens: pp.ParseResults) -> Skipped:
    platform = BSD_OTHER_SECTIONS[tokens["text"]]
    return Skipped(Platform(platform) if platform else PLATFORM, proves=platform is not None)


def _header(text: str, _loc: int, _tokens: pp.ParseResults) -> Header:
    return Header(True, NAME, header_platform(text))


#: ``Active Internet connections (including servers)``; the bare heading is printed without
#: ``-a`` (and by busybox on Linux: its rows tell, the heading only starts the capture).
INET_HEADING = named(
    phrases(BSD_HEADINGS, "BSD Internet heading", "BSD_HEADINGS", whole=True),
    "BSD Internet heading",
    _heading,
)
#: The UNIX, Multipath and kernel sections, skipped with a notice.
OTHER_SECTION = named(
    phrases(BSD_OTHER_SECTIONS, "BSD other section", "BSD_OTHER_SECTIONS", whole=True),
    "BSD other section",
    _section,
)
#: The column header: the optional control block columns, then ``Proto`` and the queues, the
#: addresses and ``(state)`` (``-x``: the buffer columns instead); or with ``-T`` the
#: counters and the addresses. A Linux header has ``State`` instead.
HEADER = named(
    pp.Opt(phrases(("Tcpcb", "Socket"), "control block title", "-A titles"))
    + rest(
        r"(?:[ \t]+Flowhash)?[ \t]*Proto[ \t]+"
        r"(?:Recv-Q[ \t]+Send-Q[ \t]+Local Address[ \t]+Foreign Address[ \t]+"
        r"(?:\([sS]tate\)|R-MBUF)"
        r"|Rexmit[ \t]+OOORcv[ \t]+0-win[ \t]+Local Address[ \t]+Foreign Address)(?:[ \t].*)?$",
        "BSD column titles",
    ),
    "BSD column header",
    _header,
)
STRUCTURE = (INET_HEADING | OTHER_SECTION | HEADER).set_name("BSD netstat structure")
