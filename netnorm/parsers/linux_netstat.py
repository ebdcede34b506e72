"""Linux net-tools ``netstat``: Internet rows, UNIX domain rows and the column header.

Rows are recognised by shape, not by column offsets: columns stop lining up with ``-W``, long
user names and CJK headers. Everything after the foreign address (state, ``-e`` user and inode,
``-p`` owner, ``-Z`` context, ``-o`` timer) is split by rules, because UDP rows have no state and
program names may contain spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyparsing as pp

from netnorm.model.enums import Listeners, Platform
from netnorm.model.vocabulary import (
    LINUX_HEADING_PREFIXES,
    LINUX_HEADINGS,
    LINUX_OTHER_SECTIONS,
    LINUX_STATE_PHRASES,
    LINUX_STATES,
    LINUX_TIMERS,
    LINUX_UNIX_HEADINGS,
    LINUX_WARNINGS,
    linux_state,
)
from netnorm.parsers._atoms import (
    BLANKS,
    LINUX_PROTO,
    LINUX_REST,
    LOCAL,
    OWNER,
    RECV_Q,
    REMOTE,
    SEND_Q,
    TIMER_SUFFIX,
    UNIX_ROW,
    compose,
)
from netnorm.parsers.cache import keep
from netnorm.parsers.dialect import (
    Heading,
    Message,
    Skipped,
    every_match,
    named,
    phrases,
    rest,
    single_lines,
)
from netnorm.parsers.endpoints import (
    LINUX_FIELD_WIDTH,
    linux_endpoint,
    new_endpoint,
)
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "linux-netstat"
TOOL = "netstat"
PLATFORM = Platform.LINUX
PLATFORMS: tuple[Platform, ...] = (PLATFORM,)
UNIX_SECTION = True
CONTINUATION_FIRST = False
MULTILINE = False
ROW_STARTS: tuple[str, ...] = ("tcp", "udp", "raw", "sctp")

#: One Internet row, matched as a single token.
ROW = compose(
    "Linux netstat row",
    "^",
    LINUX_PROTO,
    BLANKS,
    RECV_Q,
    BLANKS,
    SEND_Q,
    BLANKS,
    LOCAL,
    BLANKS,
    REMOTE,
    LINUX_REST,
)

_PROTOCOLS = {
    "tcp": "tcp",
    "udp": "udp",
    "udpl": "udplite",
    "raw": "raw",
    "sctp": "sctp",
}

#: The longest value net-tools prints in the PID/Program name column.
OWNER_WIDTH = 19


@dataclass
class Columns:
    """What the column header (or, without one, the rows) says the rows carry."""

    user: bool | None = None  # -e
    owner: bool | None = None  # -p
    context: bool | None = None  # -Z
    timer: bool | None = None  # -o
    wide: bool = False  # -W, proven by a field wider than net-tools' cut


def is_number(text: str) -> bool:
    """ASCII digits only, and short enough for ``int``: ``str.isdigit`` accepts ``³``."""
    return 0 < len(text) <= 20 and text.isascii() and text.isdigit()


def split_glued_state(token: str) -> tuple[str, str] | None:
    """Split net-tools 1.60's state glued to the owner (``ESTABLISHED6661/python``)."""
    for i, ch in enumerate(token):
        if ch in "0123456789":
            word = token[:i]
            if word and word.upper() in LINUX_STATES and "/" in token[i:]:
                return word, token[i:]
            return None
    return None


_STATES: dict[str, str | None] = {}


def _state(word: str) -> str | None:
    found = _STATES.get(word, "")
    if found == "":
        state = linux_state(word)
        found = state.value if state is not None else None
        keep(_STATES, word, found, len(word), size=4096)
    return found


def _timer(rest: str) -> tuple[dict[str, Any] | None, str]:
    t = TIMER_SUFFIX.re.search(rest)
    if t is None:
        return None, rest
    kind_raw = t.group("kind")
    kind = LINUX_TIMERS.get(kind_raw)
    if kind is None:
        kind = "on" if kind_raw.startswith("on") and is_number(kind_raw[2:]) else kind_raw
    timer = {
        "kind": kind,
        "kind_raw": kind_raw,
        "seconds": float(t.group("seconds")),
        "retransmits": int(t.group("retrans")),
        "probes": int(t.group("probes")),
    }
    return timer, rest[: t.start()].rstrip()


def _split_state(rest: str, base: str) -> tuple[str | None, str]:
    """Take the state off the front of ``rest`` (which starts with a non-space)."""
    if base == "raw":
        word, _, tail = rest.partition(" ")
        return (word, tail.lstrip()) if is_number(word) else (None, rest)
    for phrase in LINUX_STATE_PHRASES:
        if rest.startswith(phrase) and (len(rest) == len(phrase) or rest[len(phrase)] == " "):
            return phrase, rest[len(phrase) :].lstrip()
    word, _, tail = rest.partition(" ")
    if base == "tcp":
        glued = split_glued_state(word)
        if glued is not None:
            return glued[0], (glued[1] + " " + tail).strip()
        if word == "-" or OWNER.re.match(word) is not None:
            return None, rest  # a tcp row printed without a state (busybox -p)
        return word, tail.lstrip()
    if word.upper() in LINUX_STATES:
        return word, tail.lstrip()
    return None, rest  # UDP: blank state


def parse_row(line: str, lineno: int, cols: Columns) -> tuple[Row, str | None] | None:
    """Parse one Internet row.

    Args:
        line: the line without its line ending.
        lineno: its 1-based number.
        cols: what the header said about optional columns; ``wide`` is updated from the rows.

    Returns:
        ``None`` when the line is not a row; otherwise the connection record and, when part of
        the line fits no column, that leftover text (the record is kept either way).
    """
    m = ROW.re.match(line)
    return None if m is None else record(m, lineno, cols)


#: Endpoints of the address fields that are not canonical IPv4:port, by their text, read
#: without -W and with it; shared between records, so read-only.
_FIELDS: dict[str, dict[str, Any]] = {}
_WIDE_FIELDS: dict[str, dict[str, Any]] = {}


def record(m: re.Match[str], lineno: int, cols: Columns) -> tuple[Row, str | None]:
    """The record of a ``ROW`` match (see ``parse_row``)."""
    (
        proto,
        recv_q,
        send_q,
        local,
        local_ip,
        local_port,
        remote,
        remote_ip,
        remote_port,
        rest,
        state_raw,
        owner,
        pid,
        program,
        simple,
    ) = m.groups()
    six = proto[-1] == "6"
    base = proto[:-1] if six else proto
    row = new_row()
    row["protocol"] = _PROTOCOLS[base]
    row["family"] = "ipv6" if six else "ipv4"
    # canonical IPv4:port comes split by the row token, and is never cut (21 characters at
    # most): its endpoint does not depend on -W
    wide = cols.wide
    if not wide and (len(local) > LINUX_FIELD_WIDTH or len(remote) > LINUX_FIELD_WIDTH):
        wide = cols.wide = True
    if local_ip is not None:
        ep = row["local"] = new_endpoint()
        ep["address"] = local_ip
        ep["port"] = int(local_port)
    else:
        fields = _WIDE_FIELDS if wide else _FIELDS
        found = fields.get(local)
        if found is None:
            found = linux_endpoint(local, wide)
            keep(fields, local, found, len(local))
        row["local"] = found
        if not six and ":" in (found["address"] or ""):
            row["family"] = "ipv6"  # busybox and old net-tools print IPv6 sockets as tcp/udp
    if remote_ip is not None:
        ep = row["remote"] = new_endpoint()
        ep["address"] = remote_ip
        ep["port"] = int(remote_port)
    else:  # listeners' `0.0.0.0:*` and `:::*`, IPv6, names
        fields = _WIDE_FIELDS if wide else _FIELDS
        found = fields.get(remote)
        if found is None:
            found = linux_endpoint(remote, wide)
            keep(fields, remote, found, len(remote))
        row["remote"] = found
    row["recv_q"] = int(recv_q)
    row["send_q"] = int(send_q)
    row["line"] = lineno
    if (
        simple is not None
        and not (cols.user or cols.timer or cols.context)
        and (program is None or program[-1:] != ")")
    ):
        if state_raw is not None:
            if base == "udp" or base == "udpl":
                if state_raw.upper() not in LINUX_STATES:
                    simple = None  # a user name or other column: take the slow path
            elif base == "raw":
                simple = None
        if simple is not None:
            if state_raw is not None:
                state = _STATES.get(state_raw, "")
                row["state"] = _state(state_raw) if state == "" else state
                row["state_raw"] = state_raw
            if pid is not None:
                row["pid"] = int(pid)
                row["process"] = program or None
                row["process_truncated"] = len(owner) >= OWNER_WIDTH
            return row, None
    return row, _parse_rest(row, rest.strip(), base, cols)


accepts = every_match

continuation = single_lines


def columns(header: str | None) -> Columns:
    """What a column header (``None``: none seen) says the rows carry."""
    if header is None:
        return Columns()
    return Columns(
        user="Inode" in header or "I-Node" in header,
        owner="PID/Program name" in header,
        context="Security Context" in header,
        timer="Timer" in header or "Temporizador" in header,
    )


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``): a socket with no state
    and no remote port listens (UDP), and a name shows only in a field net-tools did not cut."""
    listening = 0
    names = cap.names_seen
    for row in rows:
        state = row["state"]
        if state == "LISTEN" or (state is None and row["remote"]["port"] is None):
            listening += 1
        if not names:
            local, remote = row["local"], row["remote"]
            if local["host"] or local["service"] or remote["host"] or remote["service"]:
                names = shows_name(local) or shows_name(remote)
    cap.names_seen = names
    cap.tally(rows, listening)


def shows_name(endpoint: dict[str, Any]) -> bool:
    """True when an endpoint shows a host or service name (a cut numeric field does not count)."""
    return bool(endpoint["host"] or endpoint["service"]) and not endpoint["truncated"]


_PROTOCOL_LETTERS = {"tcp": "t", "udp": "u", "raw": "w", "udplite": "U", "sctp": "S"}


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The ``netstat`` command line the capture shows, and the options behind it that are
    net-tools' own (``CaptureState.options`` adds the rest)."""
    cols: Columns = cap.columns[NAME]
    listeners = cap.listeners
    if listeners is None and cap.rows:
        if cap.listen_rows and cap.other_rows:
            listeners = Listeners.ALL
        elif cap.listen_rows:
            listeners = Listeners.ONLY
        else:
            listeners = Listeners.NONE
    pid = program = bool(cols.owner or cap.owners_seen)
    protocols = sorted(cap.protocols)
    letters = {Listeners.ALL: "a", Listeners.ONLY: "l"}.get(listeners, "") if listeners else ""
    letters += "e" if cols.user else ""
    letters += "n" if cap.numeric else ""
    letters += "o" if cols.timer else ""
    letters += "p" if pid else ""
    if not ({"tcp", "udp"} <= set(protocols)):
        letters += "".join(_PROTOCOL_LETTERS[p] for p in protocols)
    if cap.unix_rows and not protocols:
        letters += "x"
    letters += "W" if cols.wide else ""
    letters += "Z" if cols.context else ""
    shown = {
        "listeners": listeners,
        "pid": pid,
        "program": program,
        "extended": bool(cols.user),
        "timers": bool(cols.timer),
        "security_context": bool(cols.context),
        "wide": True if cols.wide else None,
    }
    return ("netstat -" + letters if letters else "netstat"), shown


# -- structure ------------------------------------------------------------------------------


def _heading(tokens: pp.ParseResults) -> Heading:
    text = tokens["text"]
    found = LINUX_HEADINGS.get(text)
    if found is not None:
        return Heading(PLATFORM, "inet", found[0], found[1], NAME)
    return Heading(PLATFORM, "inet", Listeners.NONE, LINUX_HEADING_PREFIXES[text], NAME)


def _unix_heading(tokens: pp.ParseResults) -> Heading:
    return Heading(PLATFORM, "unix", None, LINUX_UNIX_HEADINGS[tokens["text"]], NAME)


def _warning(text: str, _loc: int, _tokens: pp.ParseResults) -> Message:
    opens = text.startswith(("(", "（")) and not text.endswith((")", "）"))
    return Message(PLATFORM, "netstat-warning", "netstat warned", opens=opens)


#: ``Active Internet connections (servers and established)``, in any language the vocabulary
#: knows; a heading whose parenthesis no table knows lists the sockets ``-a`` would not.
INET_HEADING = named(
    phrases(LINUX_HEADINGS, "Internet heading phrase", "LINUX_HEADINGS", whole=True)
    | phrases(LINUX_HEADING_PREFIXES, "Internet heading words", "LINUX_HEADING_PREFIXES")
    + rest(r"(?: \(.*)?$", "parenthesis"),
    "Internet heading",
    _heading,
)
#: ``Active UNIX domain sockets (servers and established)``.
UNIX_HEADING = named(
    phrases(LINUX_UNIX_HEADINGS, "UNIX heading words", "LINUX_UNIX_HEADINGS")
    + rest(r".*", "rest of line"),
    "UNIX heading",
    _unix_heading,
)
#: Sections net-tools prints that hold no IP sockets.
OTHER_SECTION = named(
    phrases(LINUX_OTHER_SECTIONS, "other section words", "LINUX_OTHER_SECTIONS")
    + rest(r".*", "rest of line"),
    "other section",
    lambda: Skipped(PLATFORM),
)
#: netstat's own warnings, printed to stderr and captured with ``2>&1``.
WARNING = named(
    phrases(LINUX_WARNINGS, "warning words", "LINUX_WARNINGS") + rest(r".*", "rest of line"),
    "netstat warning",
    _warning,
)
STRUCTURE = (INET_HEADING | UNIX_HEADING | OTHER_SECTION | WARNING).set_name(
    "Linux netstat structure"
)


def _parse_rest(row: dict[str, Any], rest: str, base: str, cols: Columns) -> str | None:
    """Fill state, user, inode, owner, context and timer from the text after the addresses."""
    if rest.endswith(")") and cols.timer is not False:
        row["timer"], rest = _timer(rest)
    if rest:
        state_raw, rest = _split_state(rest, base)
        if state_raw is not None:
            row["state"] = _state(state_raw)
            row["state_raw"] = state_raw
    if not rest:
        return None
    tokens = rest.split(None, 2)
    if (
        len(tokens) >= 2
        and is_number(tokens[1])
        and (
            cols.user
            or (
                cols.user is None
                and (len(tokens) == 2 or tokens[2] == "-" or OWNER.re.match(tokens[2]) is not None)
            )
        )
    ):
        row["user"] = tokens[0]
        row["inode"] = int(tokens[1])
        rest = tokens[2] if len(tokens) == 3 else ""
    if rest and cols.context:
        head, _, tail = rest.rpartition(" ")
        last: str | None = tail
        if head.strip():
            rest = head.rstrip()
        elif cols.owner is False:
            rest = ""
        else:
            last = None
        if last is not None and last != "-":  # `-`: no context
            row["security_context"] = last
    if not rest or rest == "-":
        return None
    o = OWNER.re.match(rest)
    if o is not None:
        row["pid"] = int(o.group("pid"))
        row["process"] = o.group("program").rstrip() or None
        row["process_truncated"] = len(rest.rstrip()) >= OWNER_WIDTH
        return None
    if rest.startswith("- ") and cols.context is None:
        context = rest[2:].strip()
        row["security_context"] = context if context and context != "-" else None
        return None
    return rest


def parse_unix_row(
    line: str, lineno: int, has_owner: bool | None, has_context: bool = False
) -> dict[str, Any] | None:
    """Parse one UNIX domain socket row, or return ``None`` when the line is not one.

    Args:
        line: the row.
        lineno: its 1-based number.
        has_owner: the header has ``PID/Program name`` (``None``: no header seen).
        has_context: the header has ``Security Context`` (``-Z``), printed before the path.
    """
    m = UNIX_ROW.re.match(line)
    if m is None:
        return None
    rest = m.group("rest").lstrip()
    pid = None
    process = None
    starts_owner = rest.startswith("-") or OWNER.re.match(rest[:OWNER_WIDTH]) is not None
    if has_owner or (has_owner is None and starts_owner and rest[:1] != "/"):
        # the owner column is padded to 20: the value holds at most 19 characters
        owner, path = rest[:OWNER_WIDTH].rstrip(), rest[OWNER_WIDTH:].strip()
        o = OWNER.re.match(owner)
        if o is not None:
            pid = int(o.group("pid"))
            process = o.group("program").rstrip() or None
    else:
        path = rest.strip()
    context = None
    if has_context and path:
        context, _, path = path.partition(" ")
        path = path.strip()
        context = None if context == "-" else context
    inode = m.group("inode")
    return {
        "protocol": "unix",
        "refcnt": int(m.group("refcnt")),
        "flags": m.group("flags").split(),
        "type": m.group("type"),
        "state": m.group("state"),
        "inode": int(inode) if is_number(inode) else None,
        "pid": pid,
        "process": process,
        "path": path or None,
        "security_context": context,
        "line": lineno,
    }


def unix_record(line: str, lineno: int, cap: CaptureState | None) -> dict[str, Any] | None:
    """The record of a UNIX domain socket row (stripped), read with the capture's header."""
    if not line.startswith("unix"):
        return None
    if cap is None:
        return parse_unix_row(line, lineno, None, False)
    return parse_unix_row(line, lineno, cap.unix_owner, cap.unix_context)
