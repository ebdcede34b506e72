"""Linux net-tools ``netstat``: Internet rows, UNIX domain rows and the column header.

Rows are recognised by shape, not by column offsets: columns stop lining up with ``-W``, long
user names and CJK headers. Everything after the foreign address (state, ``-e`` user and inode,
``-p`` owner, ``-Z`` context, ``-o`` timer) is split by rules, because UDP rows have no state and
program names may contain spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netnorm.model.vocabulary import LINUX_STATE_PHRASES, LINUX_STATES, LINUX_TIMERS, linux_state
from netnorm.parsers._atoms import (
    GAP,
    LINUX_PROTO,
    LOCAL,
    OWNER,
    RECV_Q,
    REMOTE,
    REST,
    SEND_Q,
    TIMER_SUFFIX,
    UNIX_ROW,
    compose,
)
from netnorm.parsers.cache import keep
from netnorm.parsers.endpoints import (
    IPV4_ENDPOINTS,
    LINUX_FIELD_WIDTH,
    ipv4_endpoint,
    linux_endpoint,
)
from netnorm.parsers.row import (
    INODE,
    PID,
    PROCESS,
    PROCESS_TRUNCATED,
    SECURITY_CONTEXT,
    STATE,
    STATE_RAW,
    TIMER,
    USER,
    Row,
)

#: One Internet row, matched as a single token.
ROW = compose(
    "Linux netstat row",
    "^",
    LINUX_PROTO,
    GAP,
    RECV_Q,
    GAP,
    SEND_Q,
    GAP,
    LOCAL,
    GAP,
    REMOTE,
    REST,
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

_row_match = ROW.re.match
_timer_search = TIMER_SUFFIX.re.search
_owner_match = OWNER.re.match
_unix_match = UNIX_ROW.re.match
_ipv4_endpoints = IPV4_ENDPOINTS


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


def header_columns(line: str) -> Columns:
    """Read the optional columns from an Internet column header line."""
    return Columns(
        user="Inode" in line or "I-Node" in line,
        owner="PID/Program name" in line,
        context="Security Context" in line,
        timer="Timer" in line or "Temporizador" in line,
    )


def split_glued_state(token: str) -> tuple[str, str] | None:
    """Split net-tools 1.60's state glued to the owner (``ESTABLISHED6661/python``)."""
    for i, ch in enumerate(token):
        if ch in "0123456789":
            word = token[:i]
            if word and word.upper() in LINUX_STATES and "/" in token[i:]:
                return word, token[i:]
            return None
    return None


#: The common row shape: a plain state word and/or an owner, no -e, -o or -Z columns.
SIMPLE_REST = compose(
    "state and owner",
    r"^(?:[ \t]+(?P<state>[A-Z][A-Z0-9_]*))?",
    r"(?:[ \t]+(?P<owner>-|(?P<pid>[0-9]{1,20})/(?P<program>.*?)))?",
    r"[ \t]*$",
)
_simple_match = SIMPLE_REST.re.match

_NO_COMPONENTS: tuple[str, ...] = ()
_STATES: dict[str, str | None] = {}


def _state(word: str) -> str | None:
    found = _STATES.get(word, "")
    if found == "":
        state = linux_state(word)
        found = state.value if state is not None else None
        keep(_STATES, word, found, len(word), size=4096)
    return found


def _timer(rest: str) -> tuple[dict[str, Any] | None, str]:
    t = _timer_search(rest)
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
        if word == "-" or _owner_match(word) is not None:
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
        ``None`` when the line is not a row; otherwise the connection row and, when part of the
        line fits no column, that leftover text (the row is kept either way).
    """
    m = _row_match(line)
    if m is None:
        return None
    proto, recv_q, send_q, local, remote, rest = m.groups()
    six = proto[-1] == "6"
    base = proto[:-1] if six else proto
    wide = cols.wide
    if not wide and (len(local) > LINUX_FIELD_WIDTH or len(remote) > LINUX_FIELD_WIDTH):
        wide = cols.wide = True
    # IPv4:port is never cut (21 characters at most), so its endpoint does not depend on -W
    row: Row = [
        _PROTOCOLS[base],
        "ipv6" if six else "ipv4",
        _ipv4_endpoints.get(local) or ipv4_endpoint(local) or linux_endpoint(local, wide),
        _ipv4_endpoints.get(remote) or ipv4_endpoint(remote) or linux_endpoint(remote, wide),
        None,
        None,
        None,
        None,
        None,
        False,
        _NO_COMPONENTS,
        None,
        int(recv_q),
        int(send_q),
        None,
        None,
        None,
        None,
        lineno,
    ]
    if not (cols.user or cols.timer or cols.context) and rest.rstrip()[-1:] != ")":
        simple = _simple_match(rest)
        if simple is not None:
            state_raw, owner, pid, program = simple.groups()
            if state_raw is not None:
                if base == "udp" or base == "udpl":
                    if state_raw.upper() not in LINUX_STATES:
                        simple = None  # a user name or other column: take the slow path
                elif base == "raw":
                    simple = None
            if simple is not None:
                if state_raw is not None:
                    row[STATE] = _state(state_raw)
                    row[STATE_RAW] = state_raw
                if pid is not None:
                    row[PID] = int(pid)
                    row[PROCESS] = program or None
                    row[PROCESS_TRUNCATED] = len(owner) >= OWNER_WIDTH
                return row, None
    return row, _parse_rest(row, rest.strip(), base, cols)


def _parse_rest(row: Row, rest: str, base: str, cols: Columns) -> str | None:
    """Fill state, user, inode, owner, context and timer from the text after the addresses."""
    if rest.endswith(")") and cols.timer is not False:
        row[TIMER], rest = _timer(rest)
    if rest:
        state_raw, rest = _split_state(rest, base)
        if state_raw is not None:
            row[STATE] = _state(state_raw)
            row[STATE_RAW] = state_raw
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
                and (len(tokens) == 2 or tokens[2] == "-" or _owner_match(tokens[2]) is not None)
            )
        )
    ):
        row[USER] = tokens[0]
        row[INODE] = int(tokens[1])
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
            row[SECURITY_CONTEXT] = last
    if not rest or rest == "-":
        return None
    o = _owner_match(rest)
    if o is not None:
        row[PID] = int(o.group("pid"))
        row[PROCESS] = o.group("program").rstrip() or None
        row[PROCESS_TRUNCATED] = len(rest.rstrip()) >= OWNER_WIDTH
        return None
    if rest.startswith("- ") and cols.context is None:
        context = rest[2:].strip()
        row[SECURITY_CONTEXT] = context if context and context != "-" else None
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
    m = _unix_match(line)
    if m is None:
        return None
    rest = m.group("rest").lstrip()
    pid = None
    process = None
    starts_owner = rest.startswith("-") or _owner_match(rest[:OWNER_WIDTH]) is not None
    if has_owner or (has_owner is None and starts_owner and rest[:1] != "/"):
        # the owner column is padded to 20: the value holds at most 19 characters
        owner, path = rest[:OWNER_WIDTH].rstrip(), rest[OWNER_WIDTH:].strip()
        o = _owner_match(owner)
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
