"""Windows ``netstat.exe``: TCP/UDP rows and the ``-b`` owner lines that follow them.

A row's owner lines come after it, so the stream keeps one row pending until the next line that
is not an owner line. Owner lines are classified by shape (their text is translated):
two-space lines are components, a bracketed line is the image, any other one-space line is a note.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from netnorm.model.enums import Listeners, Platform
from netnorm.model.vocabulary import WINDOWS_ELEVATION, WINDOWS_TITLES, windows_state
from netnorm.parsers._atoms import (
    BLANKS,
    GAP,
    PLUS,
    STAR,
    WINDOWS_LOCAL,
    WINDOWS_OWNER_LINE,
    WINDOWS_PROTO,
    WINDOWS_REMOTE,
    atom,
    compose,
)
from netnorm.parsers.cache import keep
from netnorm.parsers.dialect import Heading, Message, every_match, named, phrases, rest
from netnorm.parsers.endpoints import (
    ADDRESSES,
    bracketed_endpoint,
    canonical_address,
    new_endpoint,
)
from netnorm.parsers.row import Row, new_row

if TYPE_CHECKING:
    from netnorm.parsers.capture import CaptureState

NAME = "windows-netstat"
TOOL = "netstat"
PLATFORM = Platform.WINDOWS
PLATFORMS: tuple[Platform, ...] = (PLATFORM,)
UNIX_SECTION = True
CONTINUATION_FIRST = False
MULTILINE = True
ROW_STARTS: tuple[str, ...] = ("TCP", "UDP")

#: The state: words that are not all digits (an unknown language's phrase is kept whole), the
#: first one not starting with a digit. Each word is matched in exactly one way, so a hostile
#: line cannot make the regex backtrack through every way of splitting its words.
_WORD = rf"(?=[^\s]*[^0-9\s])[^\s]{PLUS}"
STATE = atom(rf"(?P<state>[^\s0-9][^\s]{STAR}(?:{GAP}{_WORD})*?)", "state")
PID = atom(r"(?P<pid>[0-9]{1,20})", "PID")

#: One connection row, matched as a single token. Its groups: protocol; the local field, and
#: its address and port when it is canonical ``IPv4:port`` (else ``None``); the same for the
#: remote field; the state; the PID.
ROW = compose(
    "Windows netstat row",
    rf"^[ \t]{STAR}",
    WINDOWS_PROTO,
    BLANKS,
    WINDOWS_LOCAL,
    BLANKS,
    WINDOWS_REMOTE,
    rf"(?:{GAP}",
    STATE,
    rf")?(?:{GAP}",
    PID,
    rf")?[ \t]{STAR}$",
)


#: What the address fields that are neither IPv4 nor bracketed IPv6 with a port (``*:*``,
#: names) give, by their text: their endpoint (shared between records, so read-only) and the
#: family they show (``None`` for ``*`` or a name).
_FIELDS: dict[str, tuple[dict[str, Any], str | None]] = {}


def _field(text: str) -> tuple[dict[str, Any], str | None]:
    found = _FIELDS.get(text)
    if found is None:
        endpoint = bracketed_endpoint(text)
        address = endpoint["address"]
        if text.startswith("["):
            family: str | None = "ipv6"
        else:
            family = None if address is None else "ipv6" if ":" in address else "ipv4"
        found = (endpoint, family)
        keep(_FIELDS, text, found, len(text))
    return found


_STATES: dict[str, tuple[str | None, str]] = {}


def _state(word: str) -> tuple[str | None, str]:
    found = _STATES.get(word)
    if found is None:
        state = windows_state(word)
        found = (state.value if state is not None else None, word)
        keep(_STATES, word, found, len(word), size=4096)
    return found


def parse_row(line: str, lineno: int) -> Row | None:
    """Parse one connection row, or return ``None`` when the line is not one.

    The state is whatever stands between the foreign address and a trailing PID, so an unknown
    language's state word is kept (as UNKNOWN) instead of breaking the row.
    """
    m = ROW.re.match(line)
    return None if m is None else record(m, lineno, None)[0]


_addresses = ADDRESSES

#: The fields of a row that come from its Proto, State and PID columns, by those columns: a
#: capture has few states and few processes.
_HEADS: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}


def _head(proto: str, state_raw: str | None, pid: str | None) -> dict[str, Any]:
    head = {
        "protocol": "udp" if proto[0] in "Uu" else "tcp",
        "state": None if state_raw is None else _state(state_raw)[0],
        "state_raw": state_raw,
        "pid": None if pid is None else int(pid),
    }
    keep(_HEADS, (proto, state_raw, pid), head, len(state_raw or ""), size=4096)
    return head


def record(m: re.Match[str], lineno: int, columns: Any) -> tuple[Row, None]:
    """The record of a ``ROW`` match; its owner lines are attached by ``continuation``."""
    (
        proto,
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
        state_raw,
        pid,
    ) = m.groups()
    row = new_row()
    row.update(_HEADS.get((proto, state_raw, pid)) or _head(proto, state_raw, pid))
    # canonical IPv4:port, the commonest field by far, and bracketed IPv6 with a canonical
    # port come split by the row token; written out here, as a call per field costs more
    # than the field
    if local_ip is not None:
        ep = row["local"] = new_endpoint()
        ep["address"] = local_ip
        ep["port"] = int(local_port)
        row["family"] = "ipv4"
    elif local_ip6 is not None:
        ep = row["local"] = new_endpoint()
        ep["address"], ep["host"], ep["zone"] = _addresses.get(local_ip6) or canonical_address(
            local_ip6
        )
        ep["port"] = int(local_port6)
        row["family"] = "ipv6"
    else:
        row["local"], row["family"] = _field(local)
    if remote_ip is not None:
        ep = row["remote"] = new_endpoint()
        ep["address"] = remote_ip
        ep["port"] = int(remote_port)
    elif remote_ip6 is not None:
        ep = row["remote"] = new_endpoint()
        ep["address"], ep["host"], ep["zone"] = _addresses.get(remote_ip6) or canonical_address(
            remote_ip6
        )
        ep["port"] = int(remote_port6)
    else:  # `*:*`, names: few distinct texts
        row["remote"] = (_FIELDS.get(remote) or _field(remote))[0]
    row["line"] = lineno
    return row, None


accepts = every_match


def continuation(row: Row, line: str) -> str | None:
    """Attach a ``-b`` owner line to the row before it.

    Returns:
        ``"image"``, ``"component"`` or ``"note"`` for what the line was, or ``None`` when the
        line is not an owner line (then the row is complete).
    """
    if line[:2] == " [" and line[-1:] == "]" and len(line) > 3:
        row["process"] = line[2:-1]  # the commonest owner line, taken as WINDOWS_IMAGE would
        return "image"
    m = WINDOWS_OWNER_LINE.re.match(line)
    if m is None:
        return None
    image, component, note = m.groups()
    if image is not None:
        row["process"] = image
        return "image"
    if component is not None:
        if not component.strip(".…"):
            return None  # `...` where rows were left out of a paste: no component
        row["components"] = [*row["components"], component]  # a record starts with none
        return "component"
    row["owner_note"] = note if row["owner_note"] is None else row["owner_note"] + " " + note
    return "note"


def columns(header: str | None) -> bool | None:
    """Whether the header shows the PID column (``-o``); ``None``: no header seen."""
    return None if header is None else header.rstrip().endswith("PID")


def count(cap: CaptureState, rows: list[Row]) -> None:
    """Count records into the capture's counters (see ``command``): UDP and BOUND sockets
    listen too, and Windows never cuts a field."""
    listening = 0
    names = cap.names_seen
    for row in rows:
        state = row["state"]
        if state == "LISTEN" or state == "BOUND" or row["protocol"] == "udp":
            listening += 1
            if state == "BOUND":
                cap.bound_seen = True
        if not names:
            local, remote = row["local"], row["remote"]
            names = bool(local["host"] or local["service"] or remote["host"] or remote["service"])
    cap.names_seen = names
    cap.tally(rows, listening)


def command(cap: CaptureState) -> tuple[str, dict[str, Any]]:
    """The ``netstat.exe`` command line the capture shows, and the options behind it that are
    Windows' own (``CaptureState.options`` adds the rest)."""
    listeners = cap.listeners
    if listeners is None and cap.rows:
        listeners = Listeners.ALL if cap.listen_rows else Listeners.NONE
    pid = bool(cap.columns[NAME] or cap.owners_seen)
    program = "image" in cap.continued
    letters = "a" if listeners == Listeners.ALL else ""
    letters += "n" if cap.numeric else ""
    letters += "o" if pid else ""
    letters += "b" if program or "note" in cap.continued or cap.elevation_error else ""
    letters += "q" if cap.bound_seen else ""
    return ("netstat -" + letters if letters else "netstat"), {
        "listeners": listeners,
        "pid": pid,
        "program": program,
    }


def unix_record(line: str, lineno: int, cap: CaptureState | None) -> None:
    """Windows lists no UNIX domain sockets."""
    return None


# -- structure ------------------------------------------------------------------------------

#: ``Active Connections``, in any language the vocabulary knows.
TITLE = named(
    phrases(WINDOWS_TITLES, "title phrase", "WINDOWS_TITLES") + rest("$", "end of line"),
    "Windows title",
    lambda tokens: Heading(PLATFORM, "inet", None, WINDOWS_TITLES[tokens["text"]], NAME),
)
#: What ``netstat -b`` prints instead of rows without an elevated prompt.
ELEVATION = named(
    phrases(WINDOWS_ELEVATION, "elevation message", "WINDOWS_ELEVATION") + rest("$", "end of line"),
    "elevation error",
    lambda: Message(
        PLATFORM,
        "elevation-required",
        "netstat -b needs an elevated prompt; this capture has no rows",
        error=True,
    ),
)
STRUCTURE = (TITLE | ELEVATION).set_name("Windows netstat structure")
