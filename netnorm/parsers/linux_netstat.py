"""Linux net-tools ``netstat``: Internet rows, UNIX domain rows and the column header.

Rows are recognised by shape, not by column offsets: columns stop lining up with ``-W``, long
user names and CJK headers. Everything after the foreign address (state, ``-e`` user and inode,
``-p`` owner, ``-Z`` context, ``-o`` timer) is split by rules, because UDP rows have no state and
program names may contain spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyparsing as pp

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
    TIMER,
    UNIX_ROW,
    compose,
)
from netnorm.parsers.endpoints import LINUX_FIELD_WIDTH, linux_endpoint

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

_row_match = ROW.re_match
_timer_search = TIMER.re.search
_owner_match = OWNER.re_match
_unix_match = UNIX_ROW.re_match


@dataclass
class Columns:
    """What the column header (or, without one, the rows) says the rows carry."""

    user: bool | None = None  # -e
    owner: bool | None = None  # -p
    context: bool | None = None  # -Z
    timer: bool | None = None  # -o
    wide: bool = False  # -W, proven by a field wider than net-tools' cut


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
        if ch.isdigit():
            word = token[:i]
            if word and word.upper() in LINUX_STATES and "/" in token[i:]:
                return word, token[i:]
            return None
    return None


def parse_row(line: str, lineno: int, cols: Columns) -> tuple[dict[str, Any], str | None] | None:
    """Parse one Internet row.

    Args:
        line: the line without its line ending.
        lineno: its 1-based number.
        cols: what the header said about optional columns.

    Returns:
        ``None`` when the line is not a row; otherwise the connection dict and, when part of the
        line could not be assigned to a column, that leftover text.
    """
    m = _row_match(line)
    if m is None:
        return None
    proto, recv_q, send_q, local, remote, rest = m.groups()
    six = proto.endswith("6")
    base = proto[:-1] if six else proto
    protocol = _PROTOCOLS[base]
    wide = cols.wide
    if not wide and (len(local) > LINUX_FIELD_WIDTH or len(remote) > LINUX_FIELD_WIDTH):
        wide = cols.wide = True

    timer = None
    rest = rest.strip()
    if rest.endswith(")") and cols.timer is not False:
        t = _timer_search(rest)
        if t is not None:
            kind_raw = t.group("kind")
            kind = LINUX_TIMERS.get(kind_raw)
            if kind is None:
                if kind_raw.startswith("unkn-"):
                    kind = kind_raw
                elif kind_raw.startswith("on") and kind_raw[2:].isdigit():
                    kind = "on"
                else:
                    kind = kind_raw
            timer = {
                "kind": kind,
                "kind_raw": kind_raw,
                "seconds": float(t.group("seconds")),
                "retransmits": int(t.group("retrans")),
                "probes": int(t.group("probes")),
            }
            rest = rest[: t.start()].rstrip()

    state_raw: str | None = None
    if rest:
        if base == "raw":
            word, _, tail = rest.partition(" ")
            if word.isdigit():
                state_raw, rest = word, tail.lstrip()
        else:
            for phrase in LINUX_STATE_PHRASES:
                if rest.startswith(phrase) and (len(rest) == len(phrase) or rest[len(phrase)] == " "):
                    state_raw, rest = phrase, rest[len(phrase) :].lstrip()
                    break
            else:
                word, _, tail = rest.partition(" ")
                if base == "tcp" or word.upper() in LINUX_STATES:
                    glued = split_glued_state(word) if base == "tcp" else None
                    if glued is not None:
                        state_raw, rest = glued[0], (glued[1] + " " + tail).strip()
                    elif base == "tcp" and (_owner_match(word) is not None or word == "-"):
                        state_raw = None  # a tcp row without a state column (busybox -p)
                    else:
                        state_raw, rest = word, tail.lstrip()

    user = None
    inode = None
    context = None
    pid = None
    process = None
    process_truncated = False
    leftover = None
    if rest:
        tokens = rest.split(None, 2)
        if cols.user or (
            cols.user is None
            and len(tokens) >= 2
            and tokens[1].isdigit()
            and (len(tokens) == 2 or tokens[2] == "-" or _owner_match(tokens[2]) is not None)
        ):
            if len(tokens) >= 2 and tokens[1].isdigit():
                user = tokens[0]
                inode = int(tokens[1])
                rest = tokens[2] if len(tokens) == 3 else ""
        if rest and cols.context:
            head, _, last = rest.rpartition(" ")
            if head.strip():
                context, rest = last, head.rstrip()
            elif cols.owner is False:
                context, rest = rest, ""
        if rest:
            o = _owner_match(rest)
            if o is not None:
                pid = int(o.group("pid"))
                process = o.group("program").rstrip() or None
                process_truncated = len(rest.rstrip()) >= OWNER_WIDTH
            elif rest == "-":
                pass
            elif rest.startswith("- ") and cols.context is None:
                context = rest[2:].strip() or None
            else:
                leftover = rest

    state = linux_state(state_raw) if state_raw is not None else None
    conn: dict[str, Any] = {
        "protocol": protocol,
        "family": "ipv6" if six else "ipv4",
        "local": linux_endpoint(local, wide),
        "remote": linux_endpoint(remote, wide),
        "state": state.value if state is not None else None,
        "state_raw": state_raw,
        "pid": pid,
        "process": process,
        "process_truncated": process_truncated,
        "components": [],
        "owner_note": None,
        "recv_q": int(recv_q),
        "send_q": int(send_q),
        "user": user,
        "inode": inode,
        "security_context": context,
        "timer": timer,
        "line": lineno,
    }
    return conn, leftover


def parse_unix_row(line: str, lineno: int, has_owner: bool | None) -> dict[str, Any] | None:
    """Parse one UNIX domain socket row, or return ``None`` when the line is not one."""
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
    inode = m.group("inode")
    return {
        "protocol": "unix",
        "refcnt": int(m.group("refcnt")),
        "flags": m.group("flags").split(),
        "type": m.group("type"),
        "state": m.group("state"),
        "inode": int(inode) if inode.isdigit() else None,
        "pid": pid,
        "process": process,
        "path": path or None,
        "line": lineno,
    }


# -- structural lines ------------------------------------------------------------------------

#: A parenthesised stderr warning that spans lines: ``(Not all processes … / … see it all.)``.
WARNING_OPEN = pp.Regex(r"^[(（][^)）]*$").set_name("open warning")
